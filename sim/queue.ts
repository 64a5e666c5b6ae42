/**
 * The event queue, ordered by (tick, seq). `seq` is assigned by the queue on
 * push and only grows, so two events at the same tick come out in the order
 * they were pushed, whatever the engine.
 *
 * Most events of a run are due within a few ticks, so the queue is a calendar:
 * a ring of RING_TICKS buckets, one per tick of the window [base, base +
 * RING_TICKS), each a FIFO, which is (tick, seq) order within the bucket
 * because seq only grows. Events due outside the window go to a binary heap.
 * Pop takes the smaller of the ring's first event and the heap's top by
 * (tick, seq), so the order is exact wherever an event was put; the window
 * moves up to the tick of each event popped, which no queued event precedes.
 */

/** What the queue needs of an event: its tick; the queue assigns `seq`. */
export interface Queued {
  tick: number;
  seq: number;
}

/** The events due at one tick of the ring's window, read from `head` on. */
interface Bucket<T> {
  readonly items: T[];
  head: number;
}

/** Ticks the ring covers: a power of two, more than most latencies and timers. */
const RING_TICKS = 1024;
const RING_MASK = RING_TICKS - 1;

export class EventQueue<T extends Queued> {
  private seqNext = 0;
  /** Events due outside the ring's window, as a binary min-heap. */
  private readonly heap: T[] = [];
  /**
   * One FIFO per tick of the window: bucket `tick & RING_MASK`. Made on
   * first use, and the array grows as they are: a short run touches few of
   * them, and a sweep starts thousands of runs (a 1024-slot array up front
   * was a tenth of making a run).
   */
  private readonly buckets: (Bucket<T> | undefined)[] = [];
  /** Lowest tick the ring can hold; no queued event is due before it. */
  private base = 0;
  private ringCount = 0;
  /** While the ring holds events: a tick at or before its first event's, where the search for it starts. */
  private ringFirst = -1;

  get size(): number {
    return this.ringCount + this.heap.length;
  }

  /** The seq the next pushed event will get. */
  get nextSeq(): number {
    return this.seqNext;
  }

  /** Every queued event, in no particular order (for a state's fingerprint). */
  all(): T[] {
    const out = this.heap.slice();
    for (const bucket of this.buckets)
      if (bucket !== undefined)
        for (let i = bucket.head; i < bucket.items.length; i++) out.push(bucket.items[i] as T);
    return out;
  }

  /**
   * Every queued event in (tick, seq) order (for a state's fingerprint):
   * the ring walked from its first tick, each bucket a FIFO of one tick,
   * merged with the heap's events sorted. Pure.
   */
  ordered(): T[] {
    const ring: T[] = [];
    let left = this.ringCount;
    for (let tick = this.ringFirst; left > 0; tick++) {
      const bucket = this.buckets[tick & RING_MASK];
      if (bucket === undefined) continue;
      const items = bucket.items;
      for (let i = bucket.head; i < items.length; i++) ring.push(items[i] as T);
      left -= items.length - bucket.head;
    }
    if (this.heap.length === 0) return ring;
    const heap = this.heap.slice().sort((x, y) => x.tick - y.tick || x.seq - y.seq);
    const out: T[] = [];
    let i = 0;
    let j = 0;
    while (i < ring.length || j < heap.length) {
      const r = ring[i];
      const h = heap[j];
      if (
        h === undefined ||
        (r !== undefined && (r.tick < h.tick || (r.tick === h.tick && r.seq < h.seq)))
      ) {
        out.push(r as T);
        i++;
      } else {
        out.push(h);
        j++;
      }
    }
    return out;
  }

  /** Adds `event` (its `seq` is overwritten) and returns the seq it got. */
  push(event: T): number {
    const seq = this.seqNext++;
    event.seq = seq;
    const tick = event.tick;
    if (tick >= this.base && tick - this.base < RING_TICKS) {
      const b = tick & RING_MASK;
      const bucket = this.buckets[b];
      if (bucket === undefined) this.buckets[b] = { items: [event], head: 0 };
      else bucket.items.push(event);
      if (this.ringCount++ === 0 || tick < this.ringFirst) this.ringFirst = tick;
      return seq;
    }
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as T;
      if (p.tick < tick || (p.tick === tick && p.seq < seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    return seq;
  }

  /** The first event of the ring, or undefined when it is empty. */
  private ringPeek(): T | undefined {
    if (this.ringCount === 0) return undefined;
    let tick = this.ringFirst;
    for (;;) {
      const b = tick & RING_MASK;
      const bucket = this.buckets[b];
      if (bucket !== undefined && bucket.head < bucket.items.length) {
        this.ringFirst = tick;
        return bucket.items[bucket.head];
      }
      tick++;
    }
  }

  /** The earliest event without removing it, or undefined when empty. */
  peek(): T | undefined {
    const ring = this.ringPeek();
    const top = this.heap[0];
    if (ring === undefined) return top;
    if (top === undefined) return ring;
    return top.tick < ring.tick || (top.tick === ring.tick && top.seq < ring.seq) ? top : ring;
  }

  /**
   * Fills `out` with the earliest queued events in (tick, seq) order, those
   * due by `tickMax`, at most `countMax` of them. It may stop short of
   * either bound (at an event of the heap, which it does not search): `out`
   * is always a prefix of the queue's order. Leaves the queue as it is.
   */
  first(tickMax: number, countMax: number, out: T[]): void {
    out.length = 0;
    const ring = this.ringPeek();
    if (ring === undefined) return;
    const top = this.heap[0];
    const end = Math.min(tickMax, this.base + RING_TICKS - 1);
    for (let tick = ring.tick; tick <= end; tick++) {
      const bucket = this.buckets[tick & RING_MASK];
      if (bucket === undefined) continue;
      const items = bucket.items;
      for (let i = bucket.head; i < items.length; i++) {
        const ev = items[i] as T;
        if (out.length >= countMax) return;
        if (top !== undefined && (top.tick < ev.tick || (top.tick === ev.tick && top.seq < ev.seq)))
          return;
        out.push(ev);
      }
    }
  }

  /** Removes and returns the earliest event, or undefined when empty. */
  pop(): T | undefined {
    const ring = this.ringPeek();
    const top = this.heap[0];
    let out: T;
    if (
      ring === undefined ||
      (top !== undefined &&
        (top.tick < ring.tick || (top.tick === ring.tick && top.seq < ring.seq)))
    ) {
      if (top === undefined) return undefined;
      this.heapPop();
      out = top;
    } else {
      const bucket = this.buckets[ring.tick & RING_MASK] as Bucket<T>;
      const items = bucket.items;
      const head = bucket.head + 1;
      if (head === items.length) {
        items.length = 0;
        bucket.head = 0;
      } else {
        items[head - 1] = undefined as unknown as T;
        bucket.head = head;
      }
      this.ringCount--;
      out = ring;
    }
    // Nothing queued is due before `out`, so the window can start at its tick.
    if (out.tick > this.base) this.base = out.tick;
    return out;
  }

  private heapPop(): void {
    const heap = this.heap;
    const n = heap.length;
    const last = heap.pop() as T;
    if (n === 1) return;
    const size = n - 1;
    let i = 0;
    // Sift down.
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      let c = l;
      let child = heap[l] as T;
      if (r < size) {
        const rc = heap[r] as T;
        if (rc.tick < child.tick || (rc.tick === child.tick && rc.seq < child.seq)) {
          c = r;
          child = rc;
        }
      }
      if (last.tick < child.tick || (last.tick === child.tick && last.seq < child.seq)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
  }
}
