/**
 * The event heap: a binary min-heap ordered by (tick, seq). `seq` is assigned
 * by the queue on push and only grows, so two events at the same tick come out
 * in the order they were pushed, whatever the engine.
 */

/** What the heap needs of an event: its tick; the queue assigns `seq`. */
export interface Queued {
  tick: number;
  seq: number;
}

export class EventQueue<T extends Queued> {
  private readonly heap: T[] = [];
  private seqNext = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The seq the next pushed event will get. */
  get nextSeq(): number {
    return this.seqNext;
  }

  /** Adds `event` (its `seq` is overwritten) and returns the seq it got. */
  push(event: T): number {
    const seq = this.seqNext++;
    event.seq = seq;
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as T;
      if (p.tick < event.tick || (p.tick === event.tick && p.seq < seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    return seq;
  }

  /** The earliest event without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest event, or undefined when empty. */
  pop(): T | undefined {
    const heap = this.heap;
    const n = heap.length;
    if (n === 0) return undefined;
    const top = heap[0] as T;
    const last = heap.pop() as T;
    if (n > 1) {
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
    return top;
  }
}
