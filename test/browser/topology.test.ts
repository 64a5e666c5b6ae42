import { afterEach, describe, expect, it } from 'vitest';
import { check, runScenario, type Trace, viewOf } from '../../sim/index.ts';
import { loadCatalog } from '../../viz/catalog.ts';
import { topologyView } from '../../viz/views/topology.ts';

function run(name: string, seed: number): Trace {
  const { scenario } = loadCatalog(name);
  return runScenario(scenario, { seed }).trace;
}

/** Message sends per directed link, counted straight from the trace. */
function sendsPerLink(trace: Trace): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of trace.records())
    if (r.kind === 'send' && r.agent !== undefined && r.peer !== undefined) {
      const key = `${r.agent} → ${r.peer}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  return out;
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('the topology view in headless Chromium', () => {
  it('draws taint-boundary at seed 2 as three named zones with the breach path page → reader → planner', () => {
    const how = 'taint-boundary at seed 2 (viz/dev/topology.html?scenario=taint-boundary&seed=2)';
    const trace = run('taint-boundary', 2);
    const view = topologyView(trace, { width: 900 });
    document.body.append(view.element);
    expect(view.zones(), how).toEqual(['web', 'user', 'prod']);
    const zoneNames = [...view.svg.querySelectorAll('.zone-name')].map((t) => t.textContent);
    expect(zoneNames, how).toEqual(['web', 'user', 'prod']);
    expect(view.svg.querySelectorAll('.zone rect').length, how).toBe(3);

    const nodes = view.nodes();
    expect(
      nodes.map((n) => [n.id, n.kind, n.zone]),
      how,
    ).toEqual([
      ['page', 'source', 'web'],
      ['reader', 'agent', 'user'],
      ['planner', 'agent', 'prod'],
    ]);
    // Each node sits inside its zone's region, and the zones run left to right by trust.
    const regions = [...view.svg.querySelectorAll('.zone rect')].map((r) => ({
      x0: Number(r.getAttribute('x')),
      x1: Number(r.getAttribute('x')) + Number(r.getAttribute('width')),
    }));
    for (const n of nodes) {
      const region = regions[n.level] as { x0: number; x1: number };
      expect(n.x, `${n.id} inside zone ${n.zone}; ${how}`).toBeGreaterThan(region.x0);
      expect(n.x, `${n.id} inside zone ${n.zone}; ${how}`).toBeLessThan(region.x1);
    }
    const labels = [...view.svg.querySelectorAll('.node text')].map((t) => t.textContent);
    expect(labels, how).toEqual(['page', 'reader', 'planner']);

    // The breach path is the verdict's chain: the source read, then each agent it passed.
    const verdict = check(viewOf(trace), 'breach');
    expect(verdict.status, how).toBe('fails');
    const chainAgents = [...new Set(verdict.records.map((s) => trace.record(s).agent as string))];
    expect(chainAgents, how).toEqual(['reader', 'planner']);
    expect(view.breachPath(), how).toEqual(['page', ...chainAgents]);
    const hops = [...view.svg.querySelectorAll('.breach-hop')].map((g) => [
      g.getAttribute('data-from'),
      g.getAttribute('data-to'),
    ]);
    expect(hops, how).toEqual([
      ['page', 'reader'],
      ['reader', 'planner'],
    ]);
    const onPath = [...view.svg.querySelectorAll('.node.on-path text')].map((t) => t.textContent);
    expect(onPath, how).toEqual(['page', 'reader', 'planner']);
    expect(view.element.querySelector('.breach-text')?.textContent, how).toBe(
      'breach path: page (web) → reader (user) → planner (prod)',
    );

    // Links: exactly those that carried something, one read and one report, lossless by default.
    expect(view.links(), how).toEqual([
      { source: 'page', target: 'reader', count: 1, dropRatio: undefined },
      { source: 'reader', target: 'planner', count: 1, dropRatio: 0 },
    ]);
    expect(view.infected(), how).toEqual([]);
  });

  it('marks as infected exactly the agents the infection checker counts at the end of prompt-infection at seed 1', () => {
    const how =
      'prompt-infection at seed 1 (viz/dev/topology.html?scenario=prompt-infection&seed=1)';
    const trace = run('prompt-infection', 1);
    const view = topologyView(trace, { width: 900 });
    document.body.append(view.element);
    const verdict = check(viewOf(trace), 'infection');
    const finalFraction = verdict.metrics?.['finalFraction'] as number;
    const expected = Math.round(finalFraction * trace.agentIds.length);
    expect(expected, how).toBe(20);
    expect(view.infected().length, how).toBe(expected);
    expect(view.svg.querySelectorAll('.node.agent.infected').length, how).toBe(expected);
    expect(view.nodes().filter((n) => n.infected).length, how).toBe(expected);
    // Every link drawn carries exactly the sends the trace holds on it; all 380 directed pairs talked.
    const sends = sendsPerLink(trace);
    const agentLinks = view.links().filter((l) => l.dropRatio !== undefined);
    expect(agentLinks.length, how).toBe(sends.size);
    expect(sends.size, how).toBe(20 * 19);
    for (const l of agentLinks) expect(l.count, how).toBe(sends.get(`${l.source} → ${l.target}`));
    expect(view.breachPath(), how).toEqual([]);
  });

  it('draws the same picture for the same trace', () => {
    const trace = run('prompt-infection', 1);
    const a = topologyView(trace, { width: 900 });
    const b = topologyView(run('prompt-infection', 1), { width: 900 });
    expect(a.svg.outerHTML).toBe(b.svg.outerHTML);
    expect(a.nodes()).toEqual(b.nodes());
  });

  it('says how many nodes and links it did not draw when capped', () => {
    const trace = run('prompt-infection', 1);
    const view = topologyView(trace, { width: 900, nodesMax: 6, linksMax: 10 });
    document.body.append(view.element);
    // The source and five agents a0..a4; 380 directed agent links and one read in the run.
    expect(view.stats()).toEqual({ nodes: 21, nodesDrawn: 6, links: 381, linksDrawn: 10 });
    expect(view.svg.querySelectorAll('.node').length).toBe(6);
    const notes = [...view.element.querySelectorAll('.note')].map((p) => p.textContent).join('\n');
    expect(notes).toContain('6 of 21 nodes drawn (at most 6); 15 not drawn.');
    expect(notes).toContain(
      '10 of 381 links drawn (the busiest among the nodes drawn); 371 not drawn.',
    );
  });

  it('shows an agent id holding markup as text and creates no element from it', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const { scenario } = loadCatalog('taint-boundary');
    const renamed = {
      ...scenario,
      agents: scenario.agents.map((a, i) => (i === 0 ? { ...a, id: hostile } : a)),
    };
    const { trace } = runScenario(renamed, { seed: 2 });
    expect(trace.agentIds).toContain(hostile);
    const view = topologyView(trace, { width: 900 });
    document.body.append(view.element);
    expect(view.breachPath()).toEqual(['page', hostile, 'planner']);
    expect(view.element.textContent).toContain(hostile);
    expect(document.querySelectorAll('img').length).toBe(0);
    expect(document.body.innerHTML).not.toContain('<img');
  });
});
