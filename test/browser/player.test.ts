import { afterEach, describe, expect, it } from 'vitest';
import { type Json, runScenario, type Trace } from '../../sim/index.ts';
import { traceFromJsonl } from '../../sim/trace-read.ts';
import { loadCatalog } from '../../viz/catalog.ts';
import { type AgentAt, CursorIndex } from '../../viz/cursor.ts';
import { exportsBar } from '../../viz/exports.ts';
import { player, SPEEDS } from '../../viz/player.ts';
import { runInWorker } from '../../viz/run-client.ts';
import { lamportView } from '../../viz/views/lamport.ts';

/** `npx parley run majority-vote-partition --seed 1` prints this hash. */
const MAJORITY_VOTE_HASH = '4c6f78db8d44770f81490e1ebfc76b41b25fda4672ea923f2e7447785a01a30d';

function run(name: string): { trace: Trace; seed: number } {
  const { scenario, source } = loadCatalog(name);
  const seed = source.seed ?? 1;
  return { trace: runScenario(scenario, { seed }).trace, seed };
}

/** Every agent at `seq`, read the plain way: walk the records 0..seq and apply each. */
function readUpTo(trace: Trace, seq: number): AgentAt[] {
  const at = new Map<
    string,
    { status: AgentAt['status']; state: string; value?: Json; decided?: Json }
  >(trace.agentIds.map((a) => [a, { status: 'pending', state: '' }]));
  for (let i = 0; i <= seq; i++) {
    const r = trace.record(i);
    const a = r.agent === undefined ? undefined : at.get(r.agent);
    if (a === undefined) continue;
    if (r.kind === 'start' || r.kind === 'restart') a.status = 'up';
    if (r.kind === 'crash') a.status = 'down';
    if (r.kind === 'state') a.state = r.data as string;
    if (r.kind === 'propose' || r.kind === 'hold' || r.kind === 'decide') a.value = r.data ?? null;
    if (r.kind === 'decide') a.decided = r.data ?? null;
  }
  return trace.agentIds.map((agent) => {
    const a = at.get(agent) as {
      status: AgentAt['status'];
      state: string;
      value?: Json;
      decided?: Json;
    };
    return { agent, status: a.status, state: a.state, value: a.value, decided: a.decided };
  });
}

const key = (k: string) =>
  document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));

afterEach(() => {
  document.body.replaceChildren();
});

describe('the run worker, the player and the exports in headless Chromium', () => {
  it('runs majority-vote-partition at seed 1 in the worker to the hash the command line gives', async () => {
    const reply = await runInWorker({ scenarioName: 'majority-vote-partition', seed: 1 });
    if (!reply.ok) throw new Error(`the worker failed: ${reply.error}`);
    const trace = traceFromJsonl(reply.jsonl);
    const how = 'npx parley run majority-vote-partition --seed 1';
    expect(trace.hash(), how).toBe(MAJORITY_VOTE_HASH);
    expect(reply.summary.hash, how).toBe(MAJORITY_VOTE_HASH);
    expect(reply.summary.records).toBe(trace.length);
    expect(trace.toJSONL()).toBe(reply.jsonl);
    expect(reply.summary.decisions.map((d) => `${d.agent}:${String(d.value)}`)).toEqual([
      'a:X',
      'b:X',
      'c:X',
      'd:Y',
      'e:Y',
    ]);
  });

  it('reports a scenario that does not load, and an unknown scenario, as errors', async () => {
    const bad = await runInWorker({ scenarioName: 'two-generals', overrides: ['no.such.path=1'] });
    expect(bad.ok).toBe(false);
    const missing = await runInWorker({ scenarioName: 'no-such-scenario' });
    expect(missing).toEqual({
      ok: false,
      load: false,
      error: 'no scenario "no-such-scenario" in the catalogue',
    });
  });

  it('stepping forward n records then back n lands on the states the trace says, exactly', () => {
    const { trace, seed } = run('majority-vote-partition');
    const index = new CursorIndex(trace);
    const p = player(trace, { start: 0 });
    document.body.append(p.element);
    const how = `majority-vote-partition at seed ${seed} (npm start, ?scenario=majority-vote-partition&at=SEQ)`;
    for (const n of [1, 7, 40, 150]) {
      const from = p.position();
      for (let i = 0; i < n; i++) key('ArrowRight');
      expect(p.position(), how).toBe(from + n);
      expect(index.at(p.position()), `${how}, at ${p.position()}`).toEqual(
        readUpTo(trace, p.position()),
      );
      for (let i = 0; i < n; i++) p.step(-1);
      expect(p.position(), how).toBe(from);
      expect(index.at(from), `${how}, at ${from}`).toEqual(readUpTo(trace, from));
      p.seek(from + 13);
    }
    // Every position agrees with the plain reading, not only the ones stepped to.
    for (let s = 0; s < trace.length; s++)
      expect(index.at(s), `${how}, at ${s}`).toEqual(readUpTo(trace, s));
    // At the end: the three-agent side decided X, the cut-off two decided Y on their own count.
    key('End');
    expect(p.position()).toBe(trace.length - 1);
    expect(
      index.at(p.position()).map((a) => `${a.agent} ${a.status} ${a.state} ${String(a.decided)}`),
    ).toEqual([
      'a up decided X',
      'b up decided X',
      'c up decided X',
      'd up decided Y',
      'e up decided Y',
    ]);
    key('Home');
    expect(p.position()).toBe(0);
    expect(index.at(0).every((a) => a.status === 'pending')).toBe(true);
    p.dispose();
  });

  it('shows a crashed agent as down until it restarts', () => {
    const { trace } = run('two-phase-commit');
    const crash = [...trace.records()].find((r) => r.kind === 'crash');
    expect(crash, 'two-phase-commit crashes its coordinator').toBeDefined();
    const index = new CursorIndex(trace);
    const seq = crash?.seq as number;
    const before = index.at(seq - 1).find((a) => a.agent === crash?.agent);
    const after = index.at(seq).find((a) => a.agent === crash?.agent);
    expect(before?.status).toBe('up');
    expect(after?.status).toBe('down');
    expect(index.at(seq)).toEqual(readUpTo(trace, seq));
  });

  it('plays to the last record at max speed and at 1,000 records per second', async () => {
    const { trace } = run('majority-vote-partition');
    for (const speed of [SPEEDS.length - 1, 2]) {
      const p = player(trace, { start: 0, speed, keys: null });
      document.body.append(p.element);
      const seen: number[] = [];
      p.onChange((s) => seen.push(s));
      const stopped = new Promise<void>((resolve) => p.onPlaying((on) => on || resolve()));
      p.play();
      expect(p.playing()).toBe(true);
      await stopped;
      expect(p.position()).toBe(trace.length - 1);
      expect(seen.at(-1)).toBe(trace.length - 1);
      // Positions only move forward while playing.
      expect(seen.every((s, i) => i === 0 || s > (seen[i - 1] as number))).toBe(true);
      p.dispose();
    }
  });

  it('keys change the speed and space plays and pauses', () => {
    const { trace } = run('two-generals');
    const p = player(trace, { start: 0 });
    expect(p.speed()).toBe(100);
    key('+');
    expect(p.speed()).toBe(1000);
    key('+');
    key('+');
    expect(p.speed()).toBe(Number.POSITIVE_INFINITY);
    key('-');
    key('-');
    key('-');
    key('-');
    expect(p.speed()).toBe(10);
    key(' ');
    expect(p.playing()).toBe(true);
    key(' ');
    expect(p.playing()).toBe(false);
    p.dispose();
  });

  it('exports the trace as JSONL whose end line carries the run hash, and the diagram as SVG and PNG', async () => {
    const { trace, seed } = run('majority-vote-partition');
    const lamport = lamportView(trace, { width: 900 });
    const files: { blob: Blob; name: string }[] = [];
    const bar = exportsBar(trace, {
      canvas: lamport.canvas,
      download: (blob, name) => files.push({ blob, name }),
    });
    document.body.append(lamport.element, bar);
    (bar.querySelector('.export-trace') as HTMLButtonElement).click();
    (bar.querySelector('.export-svg') as HTMLButtonElement).click();
    const png = new Promise<void>((resolve) => {
      const wait = () => (files.length === 3 ? resolve() : setTimeout(wait, 20));
      wait();
    });
    (bar.querySelector('.export-png') as HTMLButtonElement).click();
    await png;
    const [jsonl, svg, image] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];
    expect(jsonl.name).toBe(`majority-vote-partition-seed${seed}.jsonl`);
    const text = await jsonl.blob.text();
    const end = JSON.parse(text.trimEnd().split('\n').at(-1) as string);
    expect(end).toEqual({
      type: 'end',
      records: trace.length,
      stop: 'quiescent',
      tick: 220,
      hash: MAJORITY_VOTE_HASH,
    });
    expect(traceFromJsonl(text).hash()).toBe(MAJORITY_VOTE_HASH);
    expect(svg.name).toBe(`majority-vote-partition-seed${seed}.svg`);
    expect(await svg.blob.text()).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(image.name).toBe(`majority-vote-partition-seed${seed}.png`);
    expect(image.blob.type).toBe('image/png');
    const head = new Uint8Array(await image.blob.slice(0, 8).arrayBuffer());
    expect([...head]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  });

  it('draws the playback cursor on the diagram at the cursor tick', () => {
    const { trace } = run('majority-vote-partition');
    const lamport = lamportView(trace, { width: 900 });
    document.body.append(lamport.element);
    const send = [...trace.records()].find((r) => r.kind === 'send' && r.tick === 40) as {
      seq: number;
      tick: number;
    };
    const x = (lamport.pointOf(send.seq) as { x: number }).x;
    /** Pixels in the columns around `px` that are the cursor's blue (blue well above red). */
    const blueAt = (px: number) => {
      const ratio = lamport.canvas.width / lamport.canvas.clientWidth;
      const ctx = lamport.canvas.getContext('2d') as CanvasRenderingContext2D;
      const left = Math.round((px - 1.5) * ratio);
      const { data } = ctx.getImageData(left, 0, Math.round(3 * ratio), lamport.canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4)
        if ((data[i + 2] as number) - (data[i] as number) > 80) n++;
      return n;
    };
    expect(blueAt(x)).toBe(0);
    lamport.setCursor(40);
    expect(blueAt(x)).toBeGreaterThan(50);
    lamport.setCursor(null);
    expect(blueAt(x)).toBe(0);
  });
});
