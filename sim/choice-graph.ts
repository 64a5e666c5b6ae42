/**
 * The graph of the states an exploration went through (sim/explore.ts) and
 * of the choice points between them, for liveness under fair draws: does a
 * run exist that never decides, stays away from decision for ever, and yet
 * gives every marked draw (a coin) each of its values infinitely often?
 *
 * Nodes: a state between events (its fingerprint), and, inside the step
 * from it, one node after each choice made so far (the state's key and the
 * options taken). A node is a draw node when the choice made from it is an
 * agent's marked draw, a scheduler's node otherwise (a latency, a loss, a
 * crash: the adversary picks). A step without a choice is one edge.
 *
 * A fair run that never decides stays, from some point on, in a set T of
 * undecided nodes that is strongly connected and closed under draws (every
 * option of a draw node in T leads into T); conversely such a T gives one,
 * round and round through all its edges. This is the brief's "a cycle is
 * unfair if at some coin point on it the coin's other value was never taken
 * along the cycle", over cycles that may pass a point more than once. The
 * largest such sets are found as end components are: keep the undecided
 * nodes; repeatedly split them into strongly connected components, drop the
 * draw nodes with an option outside their own component (or not explored:
 * the search's bounds), and the nodes of components without an edge inside.
 * Pure.
 */

/** One choice point taken in a step: its options and the index taken, and whether it is a draw. */
export interface StepChoice {
  readonly options: number;
  readonly chosen: number;
  readonly draw: boolean;
}

export interface FairCycle {
  /** Nodes (states and points inside steps) of the sets found. */
  readonly nodes: number;
  /** States (between events) among them. */
  readonly states: number;
  /**
   * The choices (option indexes) from the start: the first path the search
   * took to one of the set's states, then once round a cycle inside the set
   * back to that state.
   */
  readonly vector: readonly number[];
  /** Events along that path: the run reaches the state after `entered`, and again after `events`. */
  readonly entered: number;
  readonly events: number;
}

export class ChoiceGraph {
  private readonly ids = new Map<string, number>();
  /** Per node, successor by option index. */
  private readonly next: Map<number, number>[] = [];
  /** Per node, the options of the choice made from it (1: a step without a choice). */
  private readonly options: number[] = [];
  private readonly draw: boolean[] = [];
  private readonly undecided: boolean[] = [];
  private readonly state: boolean[] = [];
  /** The node it was first reached from, and the option index (-1: no choice). */
  private readonly parent: number[] = [];
  private readonly parentOption: number[] = [];

  /** Nodes so far. */
  get size(): number {
    return this.options.length;
  }

  private node(
    key: string,
    undecided: boolean,
    state: boolean,
    from: number,
    option: number,
  ): number {
    let id = this.ids.get(key);
    if (id !== undefined) return id;
    id = this.options.length;
    this.ids.set(key, id);
    this.next.push(new Map());
    this.options.push(0);
    this.draw.push(false);
    this.undecided.push(undecided);
    this.state.push(state);
    this.parent.push(from);
    this.parentOption.push(option);
    return id;
  }

  /** The state a run starts in. */
  start(key: string, undecided: boolean): void {
    this.node(key, undecided, true, -1, -1);
  }

  /**
   * One event: from state `from` through `choices` (in order) to state `to`.
   * `undecided` of a state: some agent not down has not decided.
   */
  step(
    from: string,
    fromUndecided: boolean,
    choices: readonly StepChoice[],
    to: string,
    toUndecided: boolean,
  ): void {
    let u = this.node(from, fromUndecided, true, -1, -1);
    let key = from;
    for (let i = 0; i <= choices.length; i++) {
      const c = choices[i];
      const last = i === choices.length;
      this.options[u] = c === undefined ? 1 : c.options;
      this.draw[u] = c?.draw ?? false;
      const option = c === undefined ? 0 : c.chosen;
      if (!last) key = `${key}\u0001${option}`;
      const v = last
        ? this.node(to, toUndecided, true, u, c === undefined ? -1 : option)
        : this.node(key, fromUndecided, false, u, option);
      (this.next[u] as Map<number, number>).set(option, v);
      u = v;
    }
  }

  /** The largest undecided sets that are strongly connected and closed under draws; undefined when none. */
  fairCycle(): FairCycle | undefined {
    const n = this.size;
    const inSet = new Uint8Array(n);
    for (let v = 0; v < n; v++) if (this.undecided[v] === true) inSet[v] = 1;
    for (;;) {
      const comp = this.components(inSet);
      let changed = false;
      for (let v = 0; v < n; v++) {
        if (inSet[v] === 0) continue;
        const next = this.next[v] as Map<number, number>;
        const c = comp[v];
        let inside = false;
        let leaves = false;
        for (const w of next.values()) {
          if (inSet[w] === 1 && comp[w] === c) inside = true;
          else leaves = true;
        }
        if (this.draw[v] === true && (leaves || next.size < (this.options[v] as number)))
          inside = false;
        if (!inside) {
          inSet[v] = 0;
          changed = true;
        }
      }
      if (!changed) break;
    }
    let nodes = 0;
    let states = 0;
    let first = -1;
    for (let v = 0; v < n; v++)
      if (inSet[v] === 1) {
        nodes++;
        if (this.state[v] === true) {
          states++;
          if (first < 0) first = v;
        }
      }
    if (nodes === 0 || first < 0) return undefined;
    const vector: number[] = [];
    let entered = 0;
    for (let v = first; this.parent[v] !== -1; v = this.parent[v] as number) {
      const o = this.parentOption[v] as number;
      if (o >= 0) vector.push(o);
      if (this.state[v] === true) entered++;
    }
    vector.reverse();
    // Once round: breadth-first inside the set from `first` back to it.
    const from = new Int32Array(n).fill(-1);
    const via = new Int32Array(n);
    const queue = [first];
    let back = -1;
    for (let q = 0; q < queue.length && back < 0; q++) {
      const u = queue[q] as number;
      for (const [o, w] of this.next[u] as Map<number, number>) {
        if (inSet[w] === 0) continue;
        if (w === first) {
          back = u;
          via[first] = o;
          break;
        }
        if (from[w] !== -1) continue;
        from[w] = u;
        via[w] = o;
        queue.push(w);
      }
    }
    const lap: number[] = [];
    let events = entered;
    for (let v = first, u = back; ; v = u, u = from[v] as number) {
      if ((this.options[u] as number) > 1) lap.push(via[v] as number);
      if (this.state[v] === true) events++;
      if (u === first) break;
    }
    return { nodes, states, vector: [...vector, ...lap.reverse()], entered, events };
  }

  /** Strongly connected components of the nodes in `inSet` (Tarjan's, iterative): a component id per node. */
  private components(inSet: Uint8Array): Int32Array {
    const n = this.size;
    const index = new Int32Array(n).fill(-1);
    const low = new Int32Array(n);
    const comp = new Int32Array(n).fill(-1);
    const onStack = new Uint8Array(n);
    const stack: number[] = [];
    let counter = 0;
    let comps = 0;
    for (let root = 0; root < n; root++) {
      if (inSet[root] === 0 || index[root] !== -1) continue;
      const work: { v: number; it: Iterator<number> }[] = [];
      const open = (v: number) => {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = 1;
        work.push({ v, it: (this.next[v] as Map<number, number>).values() });
      };
      open(root);
      while (work.length > 0) {
        const top = work[work.length - 1] as { v: number; it: Iterator<number> };
        const step = top.it.next();
        if (step.done !== true) {
          const w = step.value;
          if (inSet[w] === 0) continue;
          if (index[w] === -1) open(w);
          else if (onStack[w] === 1)
            low[top.v] = Math.min(low[top.v] as number, index[w] as number);
          continue;
        }
        work.pop();
        const v = top.v;
        const parent = work[work.length - 1];
        if (parent !== undefined)
          low[parent.v] = Math.min(low[parent.v] as number, low[v] as number);
        if (low[v] === index[v]) {
          for (;;) {
            const w = stack.pop() as number;
            onStack[w] = 0;
            comp[w] = comps;
            if (w === v) break;
          }
          comps++;
        }
      }
    }
    return comp;
  }
}
