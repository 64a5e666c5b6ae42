/**
 * The plain-JS floor: the relay workload hand-written as a heap loop with
 * the same network model (four sfc32 draws per message, uniform latency,
 * loss) and switch-based agents. What the engine is compared against.
 */
import { deriveStream, type Stream } from '../sim/index.ts';

export interface FloorResult {
  events: number;
  checksum: number;
}

/** Runs `agents` relay agents with `tokens` tokens each until `eventsMax` deliveries. */
export function runFloor(
  agents: number,
  tokens: number,
  eventsMax: number,
  latencyMin: number,
  latencyMax: number,
  dropRatio: number,
  seed: number,
): FloorResult {
  // Heap of (tick, seq, target, hops) in parallel arrays.
  let size = 0;
  let cap = 1024;
  let ticks = new Float64Array(cap);
  let seqs = new Float64Array(cap);
  let targets = new Int32Array(cap);
  let hopsCol = new Int32Array(cap);
  let seqNext = 0;
  const less = (i: number, j: number) =>
    (ticks[i] as number) < (ticks[j] as number) ||
    (ticks[i] === ticks[j] && (seqs[i] as number) < (seqs[j] as number));
  const swap = (i: number, j: number) => {
    let t = ticks[i] as number;
    ticks[i] = ticks[j] as number;
    ticks[j] = t;
    t = seqs[i] as number;
    seqs[i] = seqs[j] as number;
    seqs[j] = t;
    t = targets[i] as number;
    targets[i] = targets[j] as number;
    targets[j] = t;
    t = hopsCol[i] as number;
    hopsCol[i] = hopsCol[j] as number;
    hopsCol[j] = t;
  };
  const push = (tick: number, target: number, hops: number) => {
    if (size === cap) {
      cap *= 2;
      const grow = <T extends Float64Array | Int32Array>(a: T, b: T) => {
        b.set(a);
        return b;
      };
      ticks = grow(ticks, new Float64Array(cap));
      seqs = grow(seqs, new Float64Array(cap));
      targets = grow(targets, new Int32Array(cap));
      hopsCol = grow(hopsCol, new Int32Array(cap));
    }
    let i = size++;
    ticks[i] = tick;
    seqs[i] = seqNext++;
    targets[i] = target;
    hopsCol[i] = hops;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const popTo = (): void => {
    size--;
    swap(0, size);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && less(r, l) ? r : l;
      if (!less(c, i)) break;
      swap(i, c);
      i = c;
    }
  };

  const agentStreams: Stream[] = [];
  const retired = new Int32Array(agents);
  const state = new Uint8Array(agents);
  const links = new Map<number, Stream>();
  const link = (s: number, t: number) => {
    const key = s * agents + t;
    let l = links.get(key);
    if (l === undefined) {
      l = deriveStream(seed, `net/${s}->${t}`);
      links.set(key, l);
    }
    return l;
  };
  let now = 0;
  const send = (source: number, hops: number) => {
    const r = agentStreams[source] as Stream;
    let target = r.int(0, agents - 2);
    if (target >= source) target++;
    const s = link(source, target);
    const uDrop = s.next();
    s.next();
    const uLatency = s.next();
    s.next();
    if (uDrop < dropRatio) return;
    push(now + latencyMin + Math.floor(uLatency * (latencyMax - latencyMin + 1)), target, hops);
  };
  for (let a = 0; a < agents; a++) agentStreams.push(deriveStream(seed, `agent/${a}`));
  for (let a = 0; a < agents; a++) for (let k = 0; k < tokens; k++) send(a, 0);

  let events = 0;
  let checksum = 0;
  while (size > 0 && events < eventsMax) {
    now = ticks[0] as number;
    const target = targets[0] as number;
    const hops = hopsCol[0] as number;
    popTo();
    events++;
    switch (state[target]) {
      case 0:
        // idle: forward the token
        send(target, hops + 1);
        checksum = (checksum + target * 31 + hops) | 0;
        break;
      default:
        retired[target] = (retired[target] as number) + 1;
    }
  }
  return { events, checksum };
}
