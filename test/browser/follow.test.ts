import { afterEach, describe, expect, it } from 'vitest';
import { check, runScenario, type Trace, type TraceRecord, viewOf } from '../../sim/index.ts';
import { loadCatalog } from '../../viz/catalog.ts';
import { convergenceView } from '../../viz/views/convergence.ts';
import { lanesView } from '../../viz/views/lanes.ts';
import { loadData } from '../../viz/views/load.ts';
import { topologyView } from '../../viz/views/topology.ts';
import { faultWindows } from '../../viz/windows.ts';

interface Run {
  readonly trace: Trace;
  readonly records: readonly TraceRecord[];
  /** How to see the same run: the page's URL. */
  readonly how: string;
}

function run(name: string, overrides: readonly string[] = [], seedAsked?: number): Run {
  const { scenario, source } = loadCatalog(name, undefined, overrides);
  const seed = seedAsked ?? source.seed ?? 1;
  const trace = runScenario(scenario, { seed }).trace;
  const sets = overrides.map((o) => `&set=${encodeURIComponent(o)}`).join('');
  return {
    trace,
    records: [...trace.records()],
    how: `${name} at seed ${seed} (npm start, then ?scenario=${name}&seed=${seed}${sets})`,
  };
}

/**
 * The agents infected after record `seq`, by the infection checker's
 * definition, read straight from the records: an agent follows an
 * instruction from its note {follows: id} to its note {recovers: id}, a
 * crash ends all its following, and it is infected while it follows any.
 */
function infectedAfter(trace: Trace, records: readonly TraceRecord[], seq: number): string[] {
  const following = new Map<string, Set<string>>();
  for (const r of records.slice(0, seq + 1)) {
    if (r.agent === undefined) continue;
    if (r.kind === 'crash') following.delete(r.agent);
    if (r.kind !== 'note' || r.data === null || typeof r.data !== 'object') continue;
    const d = r.data as Record<string, unknown>;
    const held = following.get(r.agent) ?? new Set<string>();
    if ('follows' in d) held.add(JSON.stringify(d['follows'] ?? null));
    else if ('recovers' in d) held.delete(JSON.stringify(d['recovers'] ?? null));
    following.set(r.agent, held);
  }
  return trace.agentIds.filter((a) => (following.get(a)?.size ?? 0) > 0);
}

/** The x of the bottom axis's tick labelled `label` in a chart. */
function axisTickX(svg: SVGSVGElement, label: string): number | undefined {
  for (const tick of svg.querySelectorAll('g.tick')) {
    if (tick.textContent !== label) continue;
    const m = /translate\(([-\d.]+),0\)/.exec(tick.getAttribute('transform') ?? '');
    if (m !== null) return Number(m[1]);
  }
  return undefined;
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('the views follow the playback cursor', () => {
  it('shows in the topology of prompt-infection exactly the agents the trace says are infected at three records', () => {
    const { trace, records, how } = run('prompt-infection');
    const view = topologyView(trace, { width: 1000 });
    const charts = convergenceView(trace, { width: 1000 });
    document.body.append(view.element, charts.element);
    const n = trace.agentIds.length;
    // Early in the spread, in its middle, and mid-tick 30 where two agents recover before the tick ends.
    const positions = [500, 1300, 2100];
    const counts: number[] = [];
    for (const seq of positions) {
      const expected = infectedAfter(trace, records, seq);
      counts.push(expected.length);
      const tick = trace.record(seq).tick;
      view.setCursor(seq);
      charts.setCursor(tick, seq);
      const where = `at seq ${seq} (tick ${tick}); ${how}&at=${seq}`;
      expect(view.at().infected, where).toEqual(expected);
      const ringed = [...view.svg.querySelectorAll('.node.agent.infected')].map((g) =>
        g.getAttribute('data-id'),
      );
      expect(ringed, where).toEqual(expected);
      expect(view.element.querySelector('.cursor-text')?.textContent, where).toContain(
        `${expected.length} of ${n} agents infected`,
      );
      // The infection chart's cursor says the same fraction.
      const chart = [...charts.element.querySelectorAll('svg.chart')].find((s) =>
        s.textContent?.includes('fraction of agents infected'),
      );
      expect(chart?.querySelector('.cursor-value')?.textContent, where).toBe(
        `${Math.round((expected.length / n) * 100)}%`,
      );
    }
    // The three positions show the spread, not the end: 4, 9 and 16 agents of 20.
    expect(counts, how).toEqual([4, 9, 16]);
    // At the end of each of their ticks the count is the infection checker's own metric.
    const metric = check(viewOf(trace), 'infection').metrics?.['infected'] as [number, number][];
    for (const seq of positions) {
      const tick = trace.record(seq).tick;
      let last = seq;
      while (last + 1 < trace.length && trace.record(last + 1).tick === tick) last++;
      const fraction = metric.filter(([t]) => t <= tick).at(-1)?.[1] ?? 0;
      view.setCursor(last);
      expect(view.at().infected.length, `end of tick ${tick}; ${how}`).toBe(
        Math.round(fraction * n),
      );
    }
    // At the last record every agent is infected, as the checker says at the end.
    view.setCursor(trace.length - 1);
    expect(view.at().infected.length, how).toBe(20);
  });

  it('draws the cut of majority-vote-partition between the two sides while the partition lasts, and none after it heals', () => {
    const { trace, records, how } = run('majority-vote-partition', ['faults.0.tickEnd=30']);
    const partition = records.find((r) => r.kind === 'partition');
    const heal = records.find((r) => r.kind === 'heal');
    expect(partition, how).toBeDefined();
    expect(heal?.cause, how).toBe(partition?.seq);
    const view = topologyView(trace, { width: 1000 });
    document.body.append(view.element);
    const sideOf = (a: string) => (['a', 'b', 'c'].includes(a) ? 1 : 2);
    const cuts = () =>
      [...view.svg.querySelectorAll('.cut')].map(
        (g) => `${g.getAttribute('data-from')} → ${g.getAttribute('data-to')}`,
      );
    const during = Math.floor(((partition?.seq as number) + (heal?.seq as number)) / 2);
    view.setCursor(during);
    // Every drawn link between the sides is cut, and no link inside a side.
    const between = view
      .links()
      .filter((l) => sideOf(l.source) !== sideOf(l.target))
      .map((l) => `${l.source} → ${l.target}`);
    expect(between.length, how).toBe(12);
    expect(cuts().sort(), `${how}&at=${during}`).toEqual(between.sort());
    expect(cuts(), how).toContain('a → d');
    expect(cuts(), how).not.toContain('a → b');
    expect(view.at().cut.length, how).toBe(12);
    const sides = [...view.svg.querySelectorAll('.partition-side')].map((g) =>
      g.getAttribute('data-members'),
    );
    expect(sides, how).toEqual(['a b c', 'd e']);
    // The sides are drawn apart: every node of one left of every node of the other.
    const xs = new Map(view.nodes().map((node) => [node.id, node.x]));
    const rightmostOfFirst = Math.max(...['a', 'b', 'c'].map((a) => xs.get(a) as number));
    const leftmostOfSecond = Math.min(...['d', 'e'].map((a) => xs.get(a) as number));
    expect(rightmostOfFirst, how).toBeLessThan(leftmostOfSecond);

    view.setCursor(heal?.seq as number);
    expect(cuts(), `${how}&at=${heal?.seq}`).toEqual([]);
    expect(view.svg.querySelectorAll('.partition-side').length, how).toBe(0);
    // And back: the cut returns when the cursor does.
    view.setCursor(during);
    expect(cuts().length, how).toBe(12);
  });

  it('counts the messages in flight on each link of paxos-lossy, duplicates included', () => {
    const { trace, records, how } = run('paxos-lossy');
    const view = topologyView(trace, { width: 1000 });
    document.body.append(view.element);
    expect(
      records.some((r) => r.kind === 'duplicate'),
      how,
    ).toBe(true);
    const linkOf = new Map<number, string>();
    for (const r of records)
      if (r.kind === 'send' && r.msg !== undefined) linkOf.set(r.msg, `${r.agent} → ${r.peer}`);
    for (const seq of [150, 700, Math.floor(trace.length / 2)]) {
      // Per message: copies made (its send and duplicates) minus copies ended (deliveries and drops).
      const copies = new Map<number, number>();
      for (const r of records.slice(0, seq + 1)) {
        if (r.msg === undefined) continue;
        const d =
          r.kind === 'send' || r.kind === 'duplicate'
            ? 1
            : r.kind === 'deliver' || r.kind === 'drop'
              ? -1
              : 0;
        copies.set(r.msg, (copies.get(r.msg) ?? 0) + d);
      }
      const expected = new Map<string, number>();
      let total = 0;
      for (const [msg, c] of copies) {
        if (c <= 0) continue;
        const link = linkOf.get(msg) as string;
        expected.set(link, (expected.get(link) ?? 0) + c);
        total += c;
      }
      view.setCursor(seq);
      const where = `at seq ${seq}; ${how}&at=${seq}`;
      expect(view.at().inFlightTotal, where).toBe(total);
      expect(new Map([...view.at().inFlight].sort()), where).toEqual(new Map([...expected].sort()));
      const dots = [...view.svg.querySelectorAll('.flight:not([display])')].map(
        (g) => `${g.getAttribute('data-from')} → ${g.getAttribute('data-to')}`,
      );
      expect(dots.sort(), where).toEqual([...expected.keys()].sort());
    }
    // The crash of p4 from tick 30 to 200: down in between, up again after.
    const crash = records.find((r) => r.kind === 'crash' && r.agent === 'p4') as TraceRecord;
    view.setCursor(crash.seq);
    expect(view.at().down, how).toEqual(['p4']);
    expect(view.svg.querySelector('.node[data-id="p4"]')?.classList.contains('status-down')).toBe(
      true,
    );
    const restart = records.find((r) => r.kind === 'restart' && r.agent === 'p4') as TraceRecord;
    view.setCursor(restart.seq);
    expect(view.at().down, how).toEqual([]);
  });

  it('draws the breach path of taint-boundary hop by hop as the cursor passes each hop', () => {
    const { trace, how } = run('taint-boundary', [], 2);
    const view = topologyView(trace, { width: 900 });
    document.body.append(view.element);
    const chain = check(viewOf(trace), 'breach').records.map((s) => trace.record(s));
    const readSeq = chain[0]?.seq as number;
    const plannerSeq = chain.find((r) => r.agent === 'planner')?.seq as number;
    expect(chain[0]?.kind, how).toBe('read');
    const shown = () =>
      [...view.svg.querySelectorAll('.breach-hop')]
        .filter((g) => g.getAttribute('display') !== 'none')
        .map((g) => `${g.getAttribute('data-from')} → ${g.getAttribute('data-to')}`);
    const where = how;
    view.setCursor(readSeq - 1);
    expect(shown(), where).toEqual([]);
    view.setCursor(readSeq);
    expect(shown(), where).toEqual(['page → reader']);
    view.setCursor(plannerSeq - 1);
    expect(shown(), where).toEqual(['page → reader']);
    view.setCursor(plannerSeq);
    expect(shown(), where).toEqual(['page → reader', 'reader → planner']);
    expect(view.at().hops, where).toEqual([
      ['page', 'reader'],
      ['reader', 'planner'],
    ]);
  });

  it('puts every chart’s cursor line on the axis at the cursor’s tick, and the lanes’ too', () => {
    const { trace, how } = run('retry-storm');
    const charts = convergenceView(trace, { width: 1000 });
    document.body.append(charts.element);
    expect(charts.charts.length, how).toBe(3);
    charts.setCursor(400);
    for (const svg of charts.element.querySelectorAll<SVGSVGElement>('svg.chart')) {
      const line = svg.querySelector('line.cursor') as SVGLineElement;
      const expected = axisTickX(svg, '400');
      expect(expected, how).toBeDefined();
      // Within the half pixel d3's axis shifts its ticks by for crisp lines.
      expect(
        Math.abs(Number(line.getAttribute('x1')) - (expected as number)),
        how,
      ).toBeLessThanOrEqual(0.5);
      expect(line.getAttribute('x2'), how).toBe(line.getAttribute('x1'));
      expect(line.getAttribute('display'), how).toBeNull();
    }
    charts.setCursor(null);
    for (const line of charts.element.querySelectorAll('line.cursor'))
      expect(line.getAttribute('display')).toBe('none');

    const mvp = run('majority-vote-partition');
    const lanes = lanesView(mvp.trace, { width: 900 });
    document.body.append(lanes.element);
    lanes.setTimeDomain([0, 100]);
    lanes.setCursor(25);
    const line = lanes.element.querySelector('.cursor-line') as HTMLElement;
    const canvas = lanes.canvas.getBoundingClientRect();
    const at = line.getBoundingClientRect();
    // The lanes' plot spans from 110 px to 24 px short of the right edge, inside a 1 px border.
    const expected = 1 + 110 + 0.25 * (900 - 110 - 24);
    expect(at.left + at.width / 2 - canvas.left, mvp.how).toBeCloseTo(expected, 0);
    // Out of the time shown, no line.
    lanes.setCursor(150);
    expect(line.style.display, mvp.how).toBe('none');
  });

  it('shades the fault windows on every chart: the trigger of retry-storm, the crash and partition of paxos-lossy', () => {
    const storm = run('retry-storm');
    const stormCharts = convergenceView(storm.trace, { width: 1000 });
    document.body.append(stormCharts.element);
    const svgs = [...stormCharts.element.querySelectorAll('svg.chart')];
    expect(svgs.length, storm.how).toBe(3);
    for (const svg of svgs) {
      const bands = [...svg.querySelectorAll('.band-trigger')];
      expect(
        bands.map((b) => [b.getAttribute('data-from'), b.getAttribute('data-to')]),
        storm.how,
      ).toEqual([['100', '150']]);
      expect(bands[0]?.textContent, storm.how).toContain('trigger: fail at service');
    }

    const paxos = run('paxos-lossy');
    const windows = faultWindows(paxos.trace);
    const end = (paxos.trace.stop?.tick ?? 0) + 1;
    expect(
      windows.map((w) => [w.kind, w.label, w.fromTick, w.toTick]),
      paxos.how,
    ).toEqual([
      ['partition', 'partition p0 p1 | p2 p3 | p4', 0, end],
      ['crash', 'p4 down', 30, 200],
    ]);
    const paxosCharts = convergenceView(paxos.trace, { width: 1000, windows });
    document.body.append(paxosCharts.element);
    for (const svg of paxosCharts.element.querySelectorAll('svg.chart')) {
      expect(svg.querySelectorAll('.band-partition').length, paxos.how).toBe(1);
      expect(svg.querySelectorAll('.band-crash').length, paxos.how).toBe(1);
    }
  });

  it('reads omission and skew windows from their records', () => {
    const { trace, how } = run('two-generals', [
      'faults=[{kind: omission, agent: alpha, sendRatio: 0.5, tickStart: 5, tickEnd: 20}, {kind: skew, agent: beta, rate: 0.5, tickStart: 3}]',
    ]);
    const end = (trace.stop?.tick ?? 0) + 1;
    expect(
      faultWindows(trace).map((w) => [w.kind, w.agent, w.label, w.fromTick, w.toTick]),
      how,
    ).toEqual([
      ['skew', 'beta', 'beta clock ×0.5', 3, end],
      ['omission', 'alpha', 'alpha omits', 5, 20],
    ]);
  });

  it('shows the load on the retry-storm service: 6 requests a tick before the trigger, 24 long after it, and no request ending ok after it', () => {
    const { trace, records, how } = run('retry-storm');
    const charts = convergenceView(trace, { width: 1000 });
    document.body.append(charts.element);
    expect(charts.charts, how).toEqual([
      'cumulative spend',
      'requests arriving at service per tick, over 10-tick buckets',
      'success rate',
    ]);
    const load = [...charts.element.querySelectorAll('svg.chart')][1] as SVGSVGElement;
    expect(load.querySelectorAll('.band-trigger').length, how).toBe(1);
    expect(load.querySelector('.band-label')?.textContent, how).toBe('trigger: fail at service');

    // Arrivals at the service counted from the records: deliveries to it of a message holding a request id.
    const requestMsgs = new Set(
      records
        .filter(
          (r) =>
            r.kind === 'send' &&
            r.peer === 'service' &&
            r.data !== null &&
            typeof r.data === 'object' &&
            'request' in (r.data as object),
        )
        .map((r) => r.msg),
    );
    const arrivals = (from: number, to: number) =>
      records.filter(
        (r) =>
          r.kind === 'deliver' &&
          r.agent === 'service' &&
          requestMsgs.has(r.msg) &&
          r.tick >= from &&
          r.tick < to,
      ).length /
      (to - from);
    expect(arrivals(50, 100), how).toBe(6);
    expect(arrivals(300, 400), how).toBe(24);
    const data = loadData(trace, (trace.stop?.tick ?? 0) + 1, 10);
    expect(data?.service, how).toBe('service');
    const at = (tick: number) => data?.arrivals.find(([t]) => t === tick)?.[1];
    expect(at(50), how).toBe(6);
    expect(at(300), how).toBe(24);
    // The caller's view: every request ended ok before the trigger, none long after it.
    const ok = (tick: number) => data?.endedOk.find(([t]) => t === tick)?.[1];
    expect(ok(50), how).toBe(1);
    expect(ok(300), how).toBe(0);
    // The service itself answers ok again after the trigger: its answers come too late.
    expect(data?.answeredOk.find(([t]) => t === 300)?.[1], how).toBe(1);
    charts.setCursor(300);
    expect(load.querySelector('.cursor-value')?.textContent, how).toBe('24 per tick');
  });

  it('folds the charts that say nothing for two-generals into one line each', () => {
    const { trace, how } = run('two-generals');
    const charts = convergenceView(trace, { width: 1000 });
    document.body.append(charts.element);
    expect(charts.charts, how).toEqual(['distinct values held by honest agents']);
    expect(charts.folded, how).toEqual([
      'No agent held a number, so there is no spread chart.',
      'No agent followed an injected instruction, so there is no infection chart.',
      'Nothing was spent, so there is no spend chart.',
      'No message carried a request id, so there is no load chart.',
    ]);
    expect(charts.element.querySelectorAll('.folded li').length, how).toBe(4);
    const storm = run('retry-storm');
    const lanes = lanesView(storm.trace, { width: 900 });
    document.body.append(lanes.element);
    expect(lanes.folded, storm.how).toBe(true);
    expect(lanes.element.textContent, storm.how).toBe(
      'Every agent stayed in one state and held no value, so there are no lanes.',
    );
  });

  it('moves the topology cursor through prompt-infection without redrawing it', () => {
    const { trace, how } = run('prompt-infection');
    const view = topologyView(trace, { width: 1000 });
    document.body.append(view.element);
    const elements = view.svg.querySelectorAll('*').length;
    const paths = view.svg.querySelectorAll('.links path').length;
    const step = 8;
    const t0 = performance.now();
    let calls = 0;
    for (let seq = 0; seq < trace.length; seq += step, calls++) view.setCursor(seq);
    const perCall = (performance.now() - t0) / calls;
    expect(view.svg.querySelectorAll('*').length, how).toBe(elements);
    expect(view.svg.querySelectorAll('.links path').length, how).toBe(paths);
    // Generous for a shared machine: a frame has 16 ms for every view.
    expect(perCall, `${perCall.toFixed(3)} ms per cursor move; ${how}`).toBeLessThan(8);
  });
});
