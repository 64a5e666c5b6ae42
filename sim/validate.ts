/**
 * Checks a scenario object before a run: every problem at once, each with the
 * dotted path of the offending value. The YAML loader (sim/scenario/) adds
 * file positions on top; this layer guards the engine from bad objects.
 */
import { CHECKER_NAMES, isCheckerName } from './checkers/names.ts';
import {
  AGENTS_MAX,
  type DurationDistribution,
  type FaultSpec,
  type Latency,
  type LinkSpec,
  type Scenario,
  SKEW_RATE_MAX,
  SKEW_RATE_MIN,
  TICK_MAX,
} from './spec.ts';

export interface Problem {
  /** Dotted path of the value, e.g. `network.defaults.dropRatio` or `faults.2.agent`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown when a scenario is invalid; `problems` lists every one found. */
export class ScenarioError extends Error {
  constructor(
    readonly scenario: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      `scenario "${scenario}" is invalid:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ScenarioError';
  }
}

const isInt = (x: unknown): x is number => Number.isSafeInteger(x);

/** Every problem in `scenario`, empty when it is valid. Pure. */
export function scenarioProblems(scenario: Scenario): Problem[] {
  const problems: Problem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  const ratio = (path: string, x: unknown) => {
    if (x !== undefined && !(typeof x === 'number' && x >= 0 && x <= 1))
      bad(path, `must be a probability from 0 to 1, got ${String(x)}`);
  };
  const ticks = (path: string, x: unknown, required: boolean) => {
    if (x === undefined) {
      if (required) bad(path, 'is required');
      return;
    }
    if (!isInt(x) || x < 0 || x > TICK_MAX)
      bad(path, `must be a whole number of ticks from 0 to ${TICK_MAX}, got ${String(x)}`);
  };

  if (typeof scenario.name !== 'string' || scenario.name.length === 0)
    bad('name', 'must be a non-empty string');
  const ids = new Set<string>();
  if (!Array.isArray(scenario.agents) || scenario.agents.length === 0) {
    bad('agents', 'must list at least one agent');
  } else if (scenario.agents.length > AGENTS_MAX) {
    bad('agents', `at most ${AGENTS_MAX} agents, got ${scenario.agents.length}`);
  } else {
    scenario.agents.forEach((a, i) => {
      if (typeof a.id !== 'string' || a.id.length === 0)
        bad(`agents.${i}.id`, 'must be a non-empty string');
      else if (ids.has(a.id)) bad(`agents.${i}.id`, `duplicate agent id "${a.id}"`);
      else ids.add(a.id);
      if (!a.protocol || typeof a.protocol.machine?.transition !== 'function')
        bad(`agents.${i}.protocol`, 'must be a protocol with an xstate machine');
      if (a.honest !== undefined && typeof a.honest !== 'boolean')
        bad(`agents.${i}.honest`, 'must be true or false');
      if (a.quarantined !== undefined && typeof a.quarantined !== 'boolean')
        bad(`agents.${i}.quarantined`, 'must be true or false');
      if (a.quarantined === true && (a.capabilities?.length ?? 0) > 0)
        bad(`agents.${i}.capabilities`, 'a quarantined agent holds no capability');
      for (const key of ['capabilities', 'needs'] as const) {
        const list = a[key];
        if (
          list !== undefined &&
          !(Array.isArray(list) && list.every((c) => typeof c === 'string'))
        )
          bad(`agents.${i}.${key}`, 'must be a list of capability names');
      }
      if (a.budget !== undefined && !(typeof a.budget === 'number' && a.budget >= 0))
        bad(`agents.${i}.budget`, `must be a number of at least 0, got ${String(a.budget)}`);
      if (a.rateLimit !== undefined) {
        if (!(typeof a.rateLimit.amountMax === 'number' && a.rateLimit.amountMax >= 0))
          bad(`agents.${i}.rateLimit.amountMax`, 'must be a number of at least 0');
        if (
          !(
            isInt(a.rateLimit.perTicks) &&
            a.rateLimit.perTicks >= 1 &&
            a.rateLimit.perTicks <= TICK_MAX
          )
        )
          bad(
            `agents.${i}.rateLimit.perTicks`,
            `must be a whole number of ticks from 1 to ${TICK_MAX}`,
          );
      }
    });
  }
  const agent = (path: string, id: unknown) => {
    if (typeof id !== 'string' || !ids.has(id)) bad(path, `unknown agent ${JSON.stringify(id)}`);
  };

  const latency = (path: string, l: Latency | undefined) => {
    if (l === undefined) return;
    switch (l.kind) {
      case 'constant':
        ticks(`${path}.ticks`, l.ticks, true);
        break;
      case 'uniform':
        ticks(`${path}.ticksMin`, l.ticksMin, true);
        ticks(`${path}.ticksMax`, l.ticksMax, true);
        if (isInt(l.ticksMin) && isInt(l.ticksMax) && l.ticksMax < l.ticksMin)
          bad(`${path}.ticksMax`, `must be at least ticksMin (${l.ticksMin})`);
        break;
      case 'exponential':
        ticks(`${path}.ticksMin`, l.ticksMin, false);
        ticks(`${path}.ticksCap`, l.ticksCap, false);
        if (!(typeof l.ticksMean === 'number' && l.ticksMean >= 0 && l.ticksMean <= TICK_MAX))
          bad(
            `${path}.ticksMean`,
            `must be a number of ticks from 0 to ${TICK_MAX}, got ${String(l.ticksMean)}`,
          );
        break;
      case 'pareto':
        ticks(`${path}.ticksCap`, l.ticksCap, false);
        if (!(isInt(l.ticksMin) && l.ticksMin >= 1))
          bad(
            `${path}.ticksMin`,
            `must be a whole number of ticks of at least 1, got ${String(l.ticksMin)}`,
          );
        if (!(typeof l.alpha === 'number' && l.alpha > 0 && Number.isFinite(l.alpha)))
          bad(`${path}.alpha`, `must be a positive number, got ${String(l.alpha)}`);
        break;
      default:
        bad(
          `${path}.kind`,
          `unknown latency kind ${JSON.stringify((l as { kind: unknown }).kind)}; use constant, uniform, exponential or pareto`,
        );
    }
  };
  const link = (path: string, l: Partial<LinkSpec> | undefined) => {
    if (l === undefined) return;
    ratio(`${path}.dropRatio`, l.dropRatio);
    ratio(`${path}.duplicateRatio`, l.duplicateRatio);
    latency(`${path}.latency`, l.latency);
    if (l.fifo !== undefined && typeof l.fifo !== 'boolean')
      bad(`${path}.fifo`, 'must be true or false');
    if (l.inFlightMax !== undefined && !(isInt(l.inFlightMax) && l.inFlightMax >= 0))
      bad(
        `${path}.inFlightMax`,
        `must be a whole number, 0 for no limit, got ${String(l.inFlightMax)}`,
      );
  };
  link('network.defaults', scenario.network?.defaults);
  const scheduler = scenario.network?.scheduler;
  if (scheduler !== undefined) {
    if (scheduler === null || typeof scheduler !== 'object')
      bad('network.scheduler', 'must be an object with a name and a create function');
    else {
      if (typeof scheduler.name !== 'string' || scheduler.name.length === 0)
        bad('network.scheduler.name', 'must be a non-empty string');
      if (typeof scheduler.create !== 'function')
        bad('network.scheduler.create', 'must be a function (agents) => chooser');
    }
  }
  scenario.network?.links?.forEach((l, i) => {
    agent(`network.links.${i}.source`, l.source);
    agent(`network.links.${i}.target`, l.target);
    link(`network.links.${i}`, l);
  });

  scenario.faults?.forEach((f: FaultSpec, i) => {
    const p = `faults.${i}`;
    const span = (start: number, end: number | undefined) => {
      ticks(`${p}.tickStart`, start, true);
      ticks(`${p}.tickEnd`, end, false);
      if (isInt(start) && isInt(end) && end <= start)
        bad(`${p}.tickEnd`, `must be after tickStart (${start})`);
    };
    /** A whole number of ticks of at least 1 (a mean, an interval). */
    const wholeTicks = (path: string, x: unknown) => {
      if (!(isInt(x) && x >= 1 && x <= TICK_MAX))
        bad(path, `must be a whole number of ticks from 1 to ${TICK_MAX}, got ${String(x)}`);
    };
    /** The agents and the ticks of a random fault; returns how many agents it may touch. */
    const randomWindow = (r: {
      agents?: readonly string[];
      tickStart?: number;
      tickEnd?: number;
    }): number => {
      if (r.agents !== undefined) {
        if (!Array.isArray(r.agents) || r.agents.length === 0)
          bad(`${p}.agents`, 'must list at least one agent');
        else {
          const seen = new Set<string>();
          r.agents.forEach((a, ai) => {
            agent(`${p}.agents.${ai}`, a);
            if (seen.has(a)) bad(`${p}.agents.${ai}`, `"${a}" is listed twice`);
            seen.add(a);
          });
        }
      }
      span(r.tickStart ?? 0, r.tickEnd);
      return Array.isArray(r.agents) ? r.agents.length : ids.size;
    };
    /** The distribution and the mean of each phase of an alternating fault. */
    const phases = (
      distribution: DurationDistribution | undefined,
      means: Record<string, number>,
    ) => {
      if (
        distribution !== undefined &&
        !['exponential', 'constant', 'uniform'].includes(distribution)
      )
        bad(
          `${p}.distribution`,
          `must be exponential, constant or uniform, got ${JSON.stringify(distribution)}`,
        );
      for (const [key, x] of Object.entries(means)) wholeTicks(`${p}.${key}`, x);
    };
    switch (f.kind) {
      case 'crash':
        agent(`${p}.agent`, f.agent);
        ticks(`${p}.tick`, f.tick, true);
        ticks(`${p}.tickRestart`, f.tickRestart, false);
        if (isInt(f.tick) && isInt(f.tickRestart) && f.tickRestart <= f.tick)
          bad(`${p}.tickRestart`, `must be after tick (${f.tick})`);
        break;
      case 'partition':
        span(f.tickStart, f.tickEnd);
        if ('groups' in f) {
          f.groups.forEach((g, gi) => {
            g.forEach((a, ai) => {
              agent(`${p}.groups.${gi}.${ai}`, a);
            });
          });
        } else {
          f.from.forEach((a, ai) => {
            agent(`${p}.from.${ai}`, a);
          });
          f.to.forEach((a, ai) => {
            agent(`${p}.to.${ai}`, a);
          });
        }
        break;
      case 'omission':
        agent(`${p}.agent`, f.agent);
        span(f.tickStart, f.tickEnd);
        ratio(`${p}.sendRatio`, f.sendRatio);
        ratio(`${p}.receiveRatio`, f.receiveRatio);
        break;
      case 'skew':
        agent(`${p}.agent`, f.agent);
        span(f.tickStart, f.tickEnd);
        if (!(typeof f.rate === 'number' && f.rate >= SKEW_RATE_MIN && f.rate <= SKEW_RATE_MAX))
          bad(
            `${p}.rate`,
            `must be from ${SKEW_RATE_MIN} to ${SKEW_RATE_MAX} local ticks per tick, got ${String(f.rate)}`,
          );
        break;
      case 'down':
        randomWindow(f);
        ratio(`${p}.downRatio`, f.downRatio ?? -1);
        if (f.intervalTicks !== undefined) wholeTicks(`${p}.intervalTicks`, f.intervalTicks);
        break;
      case 'churn':
        randomWindow(f);
        phases(f.distribution, { upMeanTicks: f.upMeanTicks, downMeanTicks: f.downMeanTicks });
        break;
      case 'crash-rate':
        randomWindow(f);
        wholeTicks(`${p}.perTicks`, f.perTicks);
        break;
      case 'random-partition': {
        const pool = randomWindow(f);
        phases(f.distribution, {
          gapMeanTicks: f.gapMeanTicks,
          durationMeanTicks: f.durationMeanTicks,
        });
        if (f.size !== undefined) {
          const most = Math.min(pool, ids.size - 1);
          if (!(isInt(f.size) && f.size >= 1 && f.size <= most))
            bad(
              `${p}.size`,
              `must be a whole number of agents from 1 to ${most} (those it may cut off, leaving one on the other side), got ${String(f.size)}`,
            );
        } else if (ids.size < 2) bad(`${p}.kind`, 'a partition needs at least two agents');
        break;
      }
      case 'random-omission':
        randomWindow(f);
        phases(f.distribution, {
          gapMeanTicks: f.gapMeanTicks,
          durationMeanTicks: f.durationMeanTicks,
        });
        ratio(`${p}.sendRatio`, f.sendRatio);
        ratio(`${p}.receiveRatio`, f.receiveRatio);
        break;
      case 'random-skew':
        randomWindow(f);
        for (const key of ['rateMin', 'rateMax'] as const) {
          const x = f[key];
          if (!(typeof x === 'number' && x >= SKEW_RATE_MIN && x <= SKEW_RATE_MAX))
            bad(
              `${p}.${key}`,
              `must be from ${SKEW_RATE_MIN} to ${SKEW_RATE_MAX} local ticks per tick, got ${String(x)}`,
            );
        }
        if (typeof f.rateMin === 'number' && typeof f.rateMax === 'number' && f.rateMax < f.rateMin)
          bad(`${p}.rateMax`, `must be at least rateMin (${f.rateMin})`);
        break;
      default:
        bad(
          `${p}.kind`,
          `unknown fault kind ${JSON.stringify((f as { kind: unknown }).kind)}; use crash, partition, omission, skew, down, churn, crash-rate, random-partition, random-omission or random-skew`,
        );
    }
  });

  scenario.checks?.forEach((c, i) => {
    if (!isCheckerName(c.property))
      bad(
        `checks.${i}.property`,
        `unknown property ${JSON.stringify(c.property)}; use one of ${CHECKER_NAMES.join(', ')}`,
      );
    if (c.expect !== undefined && c.expect !== 'holds' && c.expect !== 'fails')
      bad(`checks.${i}.expect`, `must be holds or fails, got ${JSON.stringify(c.expect)}`);
  });

  const trust = scenario.trust;
  if (trust !== undefined) {
    const zones = new Set<string>();
    if (!Array.isArray(trust.zones) || trust.zones.length === 0)
      bad('trust.zones', 'must list at least one zone, least trusted first');
    else
      trust.zones.forEach((z, i) => {
        if (typeof z !== 'string' || z.length === 0) bad(`trust.zones.${i}`, 'must be a name');
        else if (zones.has(z)) bad(`trust.zones.${i}`, `duplicate zone "${z}"`);
        else zones.add(z);
      });
    const zone = (path: string, z: unknown) => {
      if (z !== undefined && !(typeof z === 'string' && zones.has(z)))
        bad(path, `unknown zone ${JSON.stringify(z)}; zones are ${[...zones].join(', ')}`);
    };
    scenario.agents?.forEach((a, i) => {
      zone(`agents.${i}.zone`, a.zone);
    });
    const sources = new Set<string>();
    trust.sources?.forEach((src, i) => {
      if (typeof src.id !== 'string' || src.id.length === 0)
        bad(`trust.sources.${i}.id`, 'must be a non-empty string');
      else if (ids.has(src.id) || sources.has(src.id))
        bad(`trust.sources.${i}.id`, `"${src.id}" is already an agent or source id`);
      else sources.add(src.id);
      if (src.zone === undefined) bad(`trust.sources.${i}.zone`, 'is required');
      zone(`trust.sources.${i}.zone`, src.zone);
      ticks(`trust.sources.${i}.latencyTicks`, src.latencyTicks, false);
    });
    trust.capabilities?.forEach((c, i) => {
      if (typeof c.name !== 'string' || c.name.length === 0)
        bad(`trust.capabilities.${i}.name`, 'must be a non-empty string');
      zone(`trust.capabilities.${i}.zone`, c.zone);
    });
    if (
      trust.provenance !== undefined &&
      trust.provenance !== 'sticky' &&
      trust.provenance !== 'message'
    )
      bad('trust.provenance', `must be sticky or message, got ${JSON.stringify(trust.provenance)}`);
    const m = trust.mitigations;
    if (m?.gateway !== undefined) {
      if (m.gateway.zone === undefined) bad('trust.mitigations.gateway.zone', 'is required');
      zone('trust.mitigations.gateway.zone', m.gateway.zone);
      ratio('trust.mitigations.gateway.detectRatio', m.gateway.detectRatio ?? -1);
      ratio('trust.mitigations.gateway.falsePositiveRatio', m.gateway.falsePositiveRatio ?? -1);
      if (m.gateway.action !== 'block' && m.gateway.action !== 'strip')
        bad('trust.mitigations.gateway.action', 'must be block or strip');
    }
    if (m?.approval !== undefined) {
      ticks('trust.mitigations.approval.delayTicks', m.approval.delayTicks, true);
      ratio('trust.mitigations.approval.errorRatio', m.approval.errorRatio ?? -1);
    }
  }
  const cost = scenario.cost;
  if (cost !== undefined) {
    for (const key of ['perMessage', 'budgetRun'] as const) {
      const x = cost[key];
      if (x !== undefined && !(typeof x === 'number' && x >= 0 && Number.isFinite(x)))
        bad(`cost.${key}`, `must be a number of at least 0, got ${String(x)}`);
    }
  }

  const l = scenario.limits;
  if (l !== undefined) {
    for (const key of ['ticksMax', 'eventsMax', 'queueMax', 'recordsMax'] as const) {
      const x = l[key];
      if (x !== undefined && !(isInt(x) && x >= 1))
        bad(`limits.${key}`, `must be a whole number of at least 1, got ${String(x)}`);
    }
    if (isInt(l.ticksMax) && l.ticksMax > TICK_MAX)
      bad('limits.ticksMax', `must be at most ${TICK_MAX}`);
  }
  return problems;
}

/** Throws a ScenarioError listing every problem, unless `scenario` is valid. */
export function assertValidScenario(scenario: Scenario): void {
  const problems = scenarioProblems(scenario);
  if (problems.length > 0) throw new ScenarioError(String(scenario.name), problems);
}
