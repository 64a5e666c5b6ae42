/**
 * The scenario file format as a zod schema: what a YAML (or JSON) scenario may
 * say, with every default and unit in a `.describe()` so the exported JSON
 * Schema documents it for editors. Pure.
 */
import { z } from 'zod';
import { CHECKER_NAMES } from '../checkers/names.ts';
import { AGENTS_MAX, type Protocol, SKEW_RATE_MAX, SKEW_RATE_MIN, TICK_MAX } from '../spec.ts';
import type { Registry } from './load.ts';
import { checkOptionConditions, schedulerConditions } from './options.ts';
import { paramJsonProperties } from './params.ts';

const ratio = z.number().min(0).max(1);
const ticks = z.number().int().min(0).max(TICK_MAX);
const positive = z.number().min(0);
const json = z.json();
const params = z.record(z.string(), json);
/**
 * Protocol parameters: a map like `params`, checked against each protocol's
 * declaration by the loader (sim/scenario/params.ts); its own instance so
 * that the JSON Schema can document the declared names.
 */
const protocolParams = z.record(z.string(), json);
const name = z.string().min(1);

const latency = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), ticks }),
  z.strictObject({ kind: z.literal('uniform'), ticksMin: ticks, ticksMax: ticks }),
  z.strictObject({
    kind: z.literal('exponential'),
    ticksMin: ticks.optional(),
    ticksMean: positive
      .max(TICK_MAX)
      .describe(
        'mean extra ticks over ticksMin; at most TICK_MAX (2^31 - 1), the last tick a run can reach',
      ),
    ticksCap: ticks.optional(),
  }),
  z.strictObject({
    kind: z.literal('pareto'),
    ticksMin: z.number().int().min(1).max(TICK_MAX),
    alpha: z.number().positive(),
    ticksCap: ticks.optional(),
  }),
]);

const linkFields = {
  dropRatio: ratio.optional().describe('probability that a message is lost; default 0'),
  duplicateRatio: ratio.optional().describe('probability that a message arrives twice; default 0'),
  latency: latency.optional().describe('latency of each copy in ticks; default constant 1'),
  fifo: z.boolean().optional().describe('deliver in send order on the link; default false'),
  inFlightMax: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('most copies in flight on a link, 0 for no limit; beyond it copies are dropped'),
};

const link = z.strictObject(linkFields);

/**
 * A network scheduler by name, its options beside the name: checked against
 * the scheduler's declaration by the loader (sim/scenario/options.ts); its
 * own instance so that the JSON Schema can document each scheduler's options.
 */
const scheduler = z.looseObject({ name });

export const networkSchema = z.strictObject({
  ...linkFields,
  defaults: link
    .optional()
    .describe(
      'applied to every link not overridden; the same keys as directly under network, with the same meaning: give each key in one place, not both',
    ),
  links: z
    .array(z.strictObject({ source: name, target: name, ...linkFields }))
    .optional()
    .describe('per directed link overrides'),
  scheduler: scheduler
    .optional()
    .describe('an adversary that chooses latencies, by name, with its options'),
});

const span = { tickStart: ticks, tickEnd: ticks.optional() };

/**
 * The faults drawn at random (sim/faults.ts): each from its own streams of
 * the run's seed, turned by the engine into the records of the fixed kinds.
 */
function randomFaults() {
  const meanTicks = (what: string) =>
    z.number().int().min(1).max(TICK_MAX).describe(`mean ${what}, in whole ticks (at least 1)`);
  const randomSpan = {
    agents: z
      .array(name)
      .min(1)
      .optional()
      .describe('the agents it may touch, by id; default every agent'),
    tickStart: ticks
      .default(0)
      .describe('the tick it starts acting at; default 0, before the agents start'),
    tickEnd: ticks
      .optional()
      .describe(
        'the tick from which it no longer holds: agents it holds down restart (but crash-rate crashes are for good), its partitions heal, omission and skew end; default never (churn, partitions, omission windows and intervals of down then keep coming, and the run goes on to limits.ticksMax)',
      ),
  };
  const distribution = z
    .enum(['exponential', 'constant', 'uniform'])
    .optional()
    .describe(
      'how long each phase lasts, in whole ticks of at least 1 with the mean given: exponential (geometric: the phase ends each tick with probability 1 / mean, memoryless), constant (exactly the mean) or uniform (1 to 2 mean - 1); default exponential',
    );
  return [
    z
      .strictObject({
        kind: z.literal('down'),
        downRatio: ratio.describe(
          'probability that each agent is down, independently of the others: crashed at tickStart, restarted at tickEnd',
        ),
        intervalTicks: z
          .number()
          .int()
          .min(1)
          .max(TICK_MAX)
          .optional()
          .describe(
            'draw each agent afresh every this many ticks from tickStart instead of once for the whole window (ticks)',
          ),
        ...randomSpan,
      })
      .describe('each agent down independently with probability downRatio'),
    z
      .strictObject({
        kind: z.literal('churn'),
        upMeanTicks: meanTicks(
          'time up between failures (the failure rate is 1 / upMeanTicks per tick)',
        ),
        downMeanTicks: meanTicks('time down before a restart'),
        distribution,
        ...randomSpan,
      })
      .describe(
        'each agent alternates up and down, stationary from tickStart: down at any tick with probability downMeanTicks / (upMeanTicks + downMeanTicks)',
      ),
    z
      .strictObject({
        kind: z.literal('crash-rate'),
        perTicks: meanTicks(
          'time to crash: each agent crashes for good, in each tick with probability 1 / perTicks (one crash per perTicks ticks)',
        ),
        ...randomSpan,
      })
      .describe('crash-stop at a rate: each agent crashes at a geometric time with mean perTicks'),
    z
      .strictObject({
        kind: z.literal('random-partition'),
        gapMeanTicks: meanTicks('time healed between partitions'),
        durationMeanTicks: meanTicks('time a partition lasts'),
        distribution,
        size: z
          .number()
          .int()
          .min(1)
          .max(AGENTS_MAX)
          .optional()
          .describe(
            'how many agents each partition cuts off from the others, drawn afresh from agents each time; default a random minority, 1 to floor((n - 1) / 2) of the n agents',
          ),
        ...randomSpan,
      })
      .describe(
        'partitions that come and go, stationary from tickStart: each cuts off a random side from the rest',
      ),
    z
      .strictObject({
        kind: z.literal('random-omission'),
        gapMeanTicks: meanTicks('time between omission windows'),
        durationMeanTicks: meanTicks('time an omission window lasts'),
        distribution,
        sendRatio: ratio
          .optional()
          .describe('probability that a message the agent sends is lost in a window; default 0'),
        receiveRatio: ratio
          .optional()
          .describe('probability that a message the agent receives is lost in a window; default 0'),
        ...randomSpan,
      })
      .describe('omission windows that come and go at each agent, stationary from tickStart'),
    z
      .strictObject({
        kind: z.literal('random-skew'),
        rateMin: z
          .number()
          .min(SKEW_RATE_MIN)
          .max(SKEW_RATE_MAX)
          .describe('slowest clock rate drawn, local ticks per real tick'),
        rateMax: z
          .number()
          .min(SKEW_RATE_MIN)
          .max(SKEW_RATE_MAX)
          .describe('fastest clock rate drawn, local ticks per real tick'),
        ...randomSpan,
      })
      .describe("each agent's clock runs at a rate drawn uniformly from rateMin to rateMax"),
  ] as const;
}

const fault = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('crash'),
    agent: name,
    tick: ticks,
    tickRestart: ticks.optional(),
  }),
  z
    .strictObject({
      kind: z.literal('partition'),
      groups: z.array(z.array(name)).optional().describe('symmetric: sides that cannot talk'),
      from: z.array(name).optional().describe('one-way: messages from these…'),
      to: z.array(name).optional().describe('…to these are lost'),
      ...span,
    })
    .refine((p) => (p.groups !== undefined) !== (p.from !== undefined || p.to !== undefined), {
      message: 'give either groups (symmetric) or from and to (one-way)',
    })
    .refine((p) => (p.from === undefined) === (p.to === undefined), {
      message: 'a one-way partition needs both from and to',
    }),
  z.strictObject({
    kind: z.literal('omission'),
    agent: name,
    sendRatio: ratio.optional(),
    receiveRatio: ratio.optional(),
    ...span,
  }),
  z.strictObject({
    kind: z.literal('skew'),
    agent: name,
    rate: z
      .number()
      .min(SKEW_RATE_MIN)
      .max(SKEW_RATE_MAX)
      .describe(
        `local ticks per real tick, ${SKEW_RATE_MIN} to ${SKEW_RATE_MAX}: a slower clock stretches every timer it sets by 1 / rate`,
      ),
    ...span,
  }),
  ...randomFaults(),
]);

const rateLimit = z.strictObject({
  amountMax: positive,
  perTicks: z.number().int().min(1).max(TICK_MAX),
});

/** What an agent entry and a group of agents share. */
const roleFields = {
  protocol: name.optional().describe('the protocol by name; default the scenario protocol'),
  params: protocolParams
    .optional()
    .describe("the agent's parameters, each declared by its protocol; over the scenario params"),
  honest: z.boolean().optional().describe('false makes the agent Byzantine; default true'),
  compromised: z.boolean().optional().describe('true is the same as honest: false'),
  crashed: z
    .union([ticks, z.strictObject({ tick: ticks, tickRestart: ticks.optional() })])
    .optional()
    .describe('crash at this tick (and restart), a shortcut for a crash fault'),
  zone: name.optional().describe('trust zone; default the most trusted'),
  capabilities: z.array(name).optional(),
  needs: z.array(name).optional().describe('capabilities the task needs (least privilege)'),
  quarantined: z.boolean().optional(),
  budget: positive.optional().describe('most this agent may spend'),
  rateLimit: rateLimit.optional(),
  process: z
    .strictObject({
      command: z
        .array(z.string().min(1))
        .min(1)
        .describe('the program and its arguments, run without a shell'),
      cwd: z
        .string()
        .min(1)
        .optional()
        .describe("working folder, from the scenario file's folder; default that folder"),
      env: z.record(z.string(), z.string()).optional().describe("added to parley's environment"),
      sync: z
        .enum(['lockstep', 'quiet'])
        .optional()
        .describe(
          'lockstep (default): a step ends at the answer to parley/sync; quiet: after quietMs of silence (replays only from the recording)',
        ),
      stepTimeoutMs: z
        .number()
        .int()
        .min(1)
        .max(3_600_000)
        .optional()
        .describe(
          'wall-clock milliseconds a step may take before the agent crashes; default 10000',
        ),
      quietMs: z
        .number()
        .int()
        .min(1)
        .max(60_000)
        .optional()
        .describe('with sync: quiet, the silence that ends a step; default 50'),
      linesPerStepMax: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .optional()
        .describe('most lines a step may write before the agent crashes; default 1000'),
    })
    .optional()
    .describe(
      'the agent is a program of yours, one process talking JSON lines on standard input and output (docs/process-agents.md)',
    ),
};

const agentEntry = z.strictObject({ id: name, ...roleFields });

const agentGroup = z.strictObject({
  count: z.number().int().min(1).max(AGENTS_MAX).describe('how many agents'),
  idPrefix: name.optional().describe("ids are prefix + index; default 'a'"),
  ...roleFields,
  agents: z
    .record(z.string(), z.strictObject(roleFields))
    .optional()
    .describe('per-agent settings by id, over the group settings'),
});

const trust = z.strictObject({
  zones: z.array(name).min(1).describe('zone names, least trusted first'),
  sources: z
    .array(
      z.strictObject({
        id: name,
        zone: name,
        content: params.optional(),
        latencyTicks: ticks.optional(),
      }),
    )
    .optional(),
  capabilities: z
    .array(z.strictObject({ name, zone: name.optional(), destructive: z.boolean().optional() }))
    .optional(),
  provenance: z
    .enum(['sticky', 'message'])
    .optional()
    .describe(
      'what a message carries: all its sender consumed (sticky, default) or only what triggered it',
    ),
  mitigations: z
    .strictObject({
      tagging: z
        .boolean()
        .optional()
        .describe('mark input from less trusted origins untrusted: true'),
      gateway: z
        .strictObject({
          zone: name,
          detectRatio: ratio.describe('probability that an instruction is caught'),
          falsePositiveRatio: ratio.describe('probability that benign input is blocked'),
          action: z.enum(['block', 'strip']),
        })
        .optional(),
      labels: z
        .boolean()
        .optional()
        .describe('refuse acts influenced by origins below the capability zone'),
      leastPrivilege: z
        .boolean()
        .optional()
        .describe('an agent may use only the capabilities it needs'),
      approval: z.strictObject({ delayTicks: ticks, errorRatio: ratio }).optional(),
    })
    .optional(),
});

const check = z.strictObject({
  property: z.enum(CHECKER_NAMES),
  expect: z.enum(['holds', 'fails']).optional(),
  options: params
    .optional()
    .describe("the checker's options, each declared by its checker (see the README)"),
});

export const scenarioFileSchema = z.strictObject({
  name: name.describe('the scenario name, as in traces'),
  description: z.string().optional().describe('one line for `parley list`'),
  protocol: name.optional().describe('protocol of agents that name none'),
  params: protocolParams
    .optional()
    .describe('parameters shared by the agents: each agent gets those its protocol declares'),
  agents: z.union([z.array(agentEntry).min(1), agentGroup]),
  network: networkSchema.optional(),
  faults: z.array(fault).optional(),
  trust: trust.optional(),
  model: z
    .strictObject({
      endpoint: z
        .string()
        .url()
        .optional()
        .describe(
          "the chat-completions API's base URL; default http://127.0.0.1:8080/v1 (llama.cpp's server)",
        ),
      model: z.string().min(1).optional().describe("the model's name as the server knows it"),
      temperature: z.number().min(0).max(2).optional().describe('default 0'),
      maxTokens: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .optional()
        .describe('most tokens of a reply; default 512'),
      keyEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .optional()
        .describe(
          'the environment variable holding the API key; the key is never written anywhere',
        ),
      pricePromptToken: z
        .number()
        .min(0)
        .optional()
        .describe('cost of one prompt token; default 0'),
      priceCompletionToken: z
        .number()
        .min(0)
        .optional()
        .describe('cost of one completion token; default 0'),
      ticksPerCall: z
        .number()
        .min(0)
        .max(TICK_MAX)
        .optional()
        .describe('simulated ticks a call takes; default 1'),
      ticksPerToken: z
        .number()
        .min(0)
        .optional()
        .describe('more ticks per completion token; default 0'),
      timeoutMs: z
        .number()
        .int()
        .min(1)
        .max(3_600_000)
        .optional()
        .describe('wall-clock ms one HTTP attempt may take; default 60000'),
      retries: z
        .number()
        .int()
        .min(0)
        .max(100)
        .optional()
        .describe('attempts after the first, for errors worth retrying; default 3'),
    })
    .optional()
    .describe('the language model that agents with the ask effect use (sim/models.ts)'),
  cost: z
    .strictObject({
      perMessage: positive.optional().describe('charged to the sender of every message; default 0'),
      budgetRun: positive.optional().describe('hard cap on the whole run; default none'),
      unit: z.string().optional().describe("what amounts count: 'usd', 'tokens'; default 'usd'"),
    })
    .optional(),
  checks: z.array(check).optional(),
  limits: z
    .strictObject({
      ticksMax: z
        .number()
        .int()
        .min(1)
        .max(TICK_MAX)
        .optional()
        .describe('stop before events later than this tick; default 1000000'),
      eventsMax: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('stop after this many events; default 10000000'),
      queueMax: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('stop when more events are pending; default 1000000'),
      recordsMax: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('stop when the trace holds this many records; default 20000000'),
      untilAllDecided: z
        .boolean()
        .optional()
        .describe('stop once every agent that is up has decided; default false'),
    })
    .optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('the documented seed'),
  variants: z
    .record(
      z.string(),
      z.strictObject({
        description: z.string().optional(),
        overrides: z.array(z.string()).describe('dotted.path=value, applied over the file'),
      }),
    )
    .optional()
    .describe('named variants, e.g. the mitigated one: overrides applied on request'),
  sweep: z
    .strictObject({
      params: z.record(z.string(), z.array(json).min(1)).describe('dotted path -> values'),
      seeds: z
        .union([
          z.number().int().min(1),
          z
            .string()
            .regex(/^\d+:\d+$/, 'must be a count N (seeds 1 to N) or a range like "1001:2000"')
            .refine(
              (r) => {
                const [start, stop] = r.split(':').map(Number) as [number, number];
                return Number.isSafeInteger(stop) && start >= 1 && stop >= start;
              },
              { message: 'a range START:STOP needs 1 <= START <= STOP' },
            ),
        ])
        .describe(
          'seeds per grid point: N for seeds 1 to N, or "START:STOP" for those seeds (both included)',
        ),
    })
    .optional(),
});

export type ScenarioFile = z.infer<typeof scenarioFileSchema>;

/**
 * The JSON Schema of scenario files, for editors (`parley schema`). With
 * `protocols`, every `params` map lists the parameters they declare, with
 * their types and meanings (other keys stay allowed: which protocol an agent
 * runs is not known to the schema, and the loader checks them). A check's
 * `options` are its checker's, and no other (an `if`/`then` per checker);
 * with `schedulers`, likewise `network.scheduler`'s keys beside its name, for
 * each scheduler that declares its options. Pure.
 */
export function scenarioJsonSchema(
  protocols: Iterable<Protocol> = [],
  schedulers?: Registry['schedulers'],
): unknown {
  const properties = paramJsonProperties(protocols);
  const byScheduler = schedulerConditions(schedulers);
  return z.toJSONSchema(scenarioFileSchema, {
    target: 'draft-2020-12',
    // What a file may say: a key with a default (a random fault's tickStart) may be left out.
    io: 'input',
    override: (ctx) => {
      if (ctx.zodSchema === protocolParams && Object.keys(properties).length > 0)
        ctx.jsonSchema.properties = properties;
      if (ctx.zodSchema === check) ctx.jsonSchema.allOf = checkOptionConditions();
      if (ctx.zodSchema === scheduler && byScheduler.length > 0) ctx.jsonSchema.allOf = byScheduler;
    },
  });
}
