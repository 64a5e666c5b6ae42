/**
 * Random faults as schedules: each random fault of a scenario becomes one
 * timeline per agent it touches (one for a partition), and each timeline gives
 * its on/off transitions in tick order, drawing from its own stream
 * (`fault/K/AGENT`, or `fault/K`, K the fault's position among the
 * scenario's random faults). The engine applies a transition as it applies a
 * fixed fault: the same crash, restart, partition, heal, omission and skew
 * records. Timelines are lazy, one transition ahead, so a run pays only for
 * the faults it reaches.
 */
import { deriveStream, type Stream } from './rng.ts';
import type { DurationDistribution, RandomFaultSpec } from './spec.ts';

/**
 * A whole number of ticks of at least 1 with mean `meanTicks` (a whole
 * number of at least 1) drawn from `distribution` with the uniform draw `u`
 * in [0, 1). Pure. The exponential uses Math.log, as the exponential
 * latency does; the cross-engine hash test covers it.
 */
export function durationTicks(
  distribution: DurationDistribution,
  meanTicks: number,
  u: number,
): number {
  switch (distribution) {
    case 'constant':
      return meanTicks;
    case 'uniform':
      return 1 + Math.floor(u * (2 * meanTicks - 1));
    case 'exponential': {
      // Geometric on 1, 2, …: P(D > k) = q^k with q = 1 - 1/m, so E[D] = 1 / (1 - q) = m.
      if (meanTicks <= 1) return 1;
      return 1 + Math.floor(Math.log(1 - u) / Math.log(1 - 1 / meanTicks));
    }
  }
}

/**
 * What is left, in whole ticks of at least 1, of a phase in progress seen at
 * a random tick of a stationary alternation: P(R = k) = P(D >= k) / E[D]
 * (the discrete equilibrium distribution of renewal theory), from two
 * uniform draws. Pure.
 * - exponential: memoryless, R has D's own distribution;
 * - constant m: uniform on 1..m;
 * - uniform on 1..N (N = 2m - 1): P(R = k) is proportional to N + 1 - k,
 *   which is min(a, b) for a uniform on 1..N+1 and b on 1..N (each pair
 *   k <= d of the triangle is hit by exactly two of the N(N + 1) pairs (a, b)).
 */
export function residualTicks(
  distribution: DurationDistribution,
  meanTicks: number,
  u1: number,
  u2: number,
): number {
  switch (distribution) {
    case 'exponential':
      return durationTicks('exponential', meanTicks, u1);
    case 'constant':
      return 1 + Math.floor(u1 * meanTicks);
    case 'uniform': {
      const n = 2 * meanTicks - 1;
      return Math.min(1 + Math.floor(u1 * (n + 1)), 1 + Math.floor(u2 * n));
    }
  }
}

/** One change of a random fault: it starts holding (`on`) or stops at `tick`. */
export interface Transition {
  readonly tick: number;
  readonly on: boolean;
  /** A partition's two sides as it starts: the agents cut off, then the others. */
  readonly groups?: readonly (readonly string[])[];
  /** A skewed clock's rate, local ticks per tick, as it starts. */
  readonly rate?: number;
}

/**
 * The transitions of one random fault at one agent (or of a partition), in
 * tick order. Mutable: each call draws from the timeline's stream. A
 * transition with the state it already has is a no-op the engine skips.
 */
export interface FaultTimeline {
  /** The next transition, or undefined when the fault will never change again. */
  next(): Transition | undefined;
}

/** Down with probability `ratio` from tickStart to tickEnd, once for the whole span. */
class DownOnce implements FaultTimeline {
  private step = 0;
  constructor(
    private readonly stream: Stream,
    private readonly ratio: number,
    private readonly tickStart: number,
    private readonly tickEnd: number | undefined,
  ) {}
  next(): Transition | undefined {
    if (this.step === 0) {
      this.step = 1;
      if (this.stream.next() < this.ratio) return { tick: this.tickStart, on: true };
      this.step = 2;
      return undefined;
    }
    if (this.step === 1 && this.tickEnd !== undefined) {
      this.step = 2;
      return { tick: this.tickEnd, on: false };
    }
    return undefined;
  }
}

/**
 * Down with probability `ratio`, independently for each interval of
 * `intervalTicks` from tickStart. Rather than one draw per interval, it
 * draws how long each run of equal intervals lasts: after an interval in
 * state s, the next K intervals stay in s with P(K >= k) = r^k, r the
 * probability of s (a geometric number), which is the same law, at one draw
 * per change, so a long run costs nothing while nothing changes.
 */
class DownIntervals implements FaultTimeline {
  private started = false;
  private done = false;
  private on = false;
  /** The tick the current run of equal intervals ends. */
  private runEnd = 0;
  constructor(
    private readonly stream: Stream,
    private readonly ratio: number,
    private readonly intervalTicks: number,
    private readonly tickStart: number,
    private readonly tickEnd: number | undefined,
  ) {}
  /** The end of a run in state `on` whose first interval starts at `from` (Infinity: it never ends). */
  private endOf(from: number, on: boolean): number {
    const stay = on ? this.ratio : 1 - this.ratio;
    const u = this.stream.next();
    if (stay >= 1) return Number.POSITIVE_INFINITY;
    const more = stay <= 0 ? 0 : Math.floor(Math.log(1 - u) / Math.log(stay));
    return from + (more + 1) * this.intervalTicks;
  }
  next(): Transition | undefined {
    if (this.done) return undefined;
    if (!this.started) {
      this.started = true;
      this.on = this.stream.next() < this.ratio;
      this.runEnd = this.endOf(this.tickStart, this.on);
      if (this.on) return { tick: this.tickStart, on: true };
    }
    const tick = this.runEnd;
    if (this.tickEnd !== undefined && tick >= this.tickEnd) {
      this.done = true;
      return this.on ? { tick: this.tickEnd, on: false } : undefined;
    }
    if (tick === Number.POSITIVE_INFINITY) {
      this.done = true;
      return undefined;
    }
    this.on = !this.on;
    this.runEnd = this.endOf(tick, this.on);
    return { tick, on: this.on };
  }
}

/**
 * A stationary alternation of off phases (mean `offMeanTicks`) and on phases
 * (mean `onMeanTicks`) from tickStart: it starts on with probability
 * on / (off + on), its first phase the residual of one in progress, so the
 * probability of being on is the same at every tick. At tickEnd it stops,
 * off. `onStart` adds what an on phase needs drawn (a partition's sides).
 */
class Alternation implements FaultTimeline {
  private started = false;
  private done = false;
  private on = false;
  /** The tick the current phase ends. */
  private phaseEnd = 0;
  constructor(
    private readonly stream: Stream,
    private readonly offMeanTicks: number,
    private readonly onMeanTicks: number,
    private readonly distribution: DurationDistribution,
    private readonly tickStart: number,
    private readonly tickEnd: number | undefined,
    private readonly onStart: (stream: Stream, t: Transition) => Transition = (_, t) => t,
  ) {}
  next(): Transition | undefined {
    if (this.done) return undefined;
    const s = this.stream;
    if (!this.started) {
      this.started = true;
      this.on = s.next() < this.onMeanTicks / (this.offMeanTicks + this.onMeanTicks);
      const mean = this.on ? this.onMeanTicks : this.offMeanTicks;
      this.phaseEnd = this.tickStart + residualTicks(this.distribution, mean, s.next(), s.next());
      if (this.tickEnd !== undefined && this.tickStart >= this.tickEnd) {
        this.done = true;
        return undefined;
      }
      if (this.on) return this.onStart(s, { tick: this.tickStart, on: true });
    }
    const tick = this.phaseEnd;
    if (this.tickEnd !== undefined && tick >= this.tickEnd) {
      this.done = true;
      return this.on ? { tick: this.tickEnd, on: false } : undefined;
    }
    this.on = !this.on;
    const mean = this.on ? this.onMeanTicks : this.offMeanTicks;
    this.phaseEnd = tick + durationTicks(this.distribution, mean, s.next());
    return this.on ? this.onStart(s, { tick, on: true }) : { tick, on: false };
  }
}

/** Crash-stop: one crash at tickStart + a geometric time with mean perTicks, if before tickEnd. */
class CrashOnce implements FaultTimeline {
  private done = false;
  constructor(
    private readonly stream: Stream,
    private readonly perTicks: number,
    private readonly tickStart: number,
    private readonly tickEnd: number | undefined,
  ) {}
  next(): Transition | undefined {
    if (this.done) return undefined;
    this.done = true;
    const tick = this.tickStart + durationTicks('exponential', this.perTicks, this.stream.next());
    return this.tickEnd !== undefined && tick >= this.tickEnd ? undefined : { tick, on: true };
  }
}

/** A clock rate drawn uniformly from [rateMin, rateMax], held from tickStart to tickEnd. */
class SkewOnce implements FaultTimeline {
  private step = 0;
  constructor(
    private readonly stream: Stream,
    private readonly rateMin: number,
    private readonly rateMax: number,
    private readonly tickStart: number,
    private readonly tickEnd: number | undefined,
  ) {}
  next(): Transition | undefined {
    this.step++;
    if (this.step === 1) {
      const rate = this.rateMin + this.stream.next() * (this.rateMax - this.rateMin);
      return { tick: this.tickStart, on: true, rate };
    }
    if (this.step === 2 && this.tickEnd !== undefined) return { tick: this.tickEnd, on: false };
    return undefined;
  }
}

/** The largest minority of n agents: floor((n - 1) / 2), and 1 when n <= 2. */
export function minorityMax(n: number): number {
  return Math.max(1, Math.floor((n - 1) / 2));
}

/**
 * Draws a partition's sides: `size` agents (default a size uniform from 1 to
 * minorityMax(n)) from `pool` (agent indices in scenario order) by a partial
 * Fisher-Yates shuffle, then the sides in scenario order: those cut off,
 * then every other agent of `ids`.
 */
function drawSides(
  s: Stream,
  ids: readonly string[],
  pool: readonly number[],
  size: number | undefined,
): (readonly string[])[] {
  const k = Math.min(size ?? s.int(1, minorityMax(ids.length)), pool.length);
  const order = [...pool];
  for (let j = 0; j < k; j++) {
    const r = s.int(j, order.length - 1);
    const t = order[j] as number;
    order[j] = order[r] as number;
    order[r] = t;
  }
  const cut = new Uint8Array(ids.length);
  for (let j = 0; j < k; j++) cut[order[j] as number] = 1;
  const side: string[] = [];
  const rest: string[] = [];
  ids.forEach((id, i) => {
    (cut[i] === 1 ? side : rest).push(id);
  });
  return [side, rest];
}

/** One timeline of a random fault and the agent it acts on (-1 for a partition). */
export interface FaultTimelineOf {
  readonly agent: number;
  readonly timeline: FaultTimeline;
}

/**
 * The timelines of random fault `f`, the `ordinal`-th random fault of the
 * scenario, for a run with root seed `seed` over agents `ids`. Each
 * agent's timeline draws from
 * `fault/ORDINAL/ID`, a partition from `fault/ORDINAL`. Pure apart from the
 * returned timelines' own state.
 */
export function faultTimelines(
  f: RandomFaultSpec,
  ordinal: number,
  seed: number,
  ids: readonly string[],
): FaultTimelineOf[] {
  const index = new Map(ids.map((id, i) => [id, i]));
  const pool =
    f.agents === undefined ? ids.map((_, i) => i) : f.agents.map((id) => index.get(id) as number);
  const tickStart = f.tickStart ?? 0;
  const tickEnd = f.tickEnd;
  const stream = (agent: number) => deriveStream(seed, `fault/${ordinal}/${ids[agent] as string}`);
  const each = (make: (s: Stream) => FaultTimeline) =>
    pool.map((agent) => ({ agent, timeline: make(stream(agent)) }));
  switch (f.kind) {
    case 'down':
      return each((s) =>
        f.intervalTicks === undefined
          ? new DownOnce(s, f.downRatio, tickStart, tickEnd)
          : new DownIntervals(s, f.downRatio, f.intervalTicks, tickStart, tickEnd),
      );
    case 'churn':
      return each(
        (s) =>
          new Alternation(
            s,
            f.upMeanTicks,
            f.downMeanTicks,
            f.distribution ?? 'exponential',
            tickStart,
            tickEnd,
          ),
      );
    case 'crash-rate':
      return each((s) => new CrashOnce(s, f.perTicks, tickStart, tickEnd));
    case 'random-omission':
      return each(
        (s) =>
          new Alternation(
            s,
            f.gapMeanTicks,
            f.durationMeanTicks,
            f.distribution ?? 'exponential',
            tickStart,
            tickEnd,
          ),
      );
    case 'random-skew':
      return each((s) => new SkewOnce(s, f.rateMin, f.rateMax, tickStart, tickEnd));
    case 'random-partition': {
      const s = deriveStream(seed, `fault/${ordinal}`);
      const timeline = new Alternation(
        s,
        f.gapMeanTicks,
        f.durationMeanTicks,
        f.distribution ?? 'exponential',
        tickStart,
        tickEnd,
        (st, t) => ({ ...t, groups: drawSides(st, ids, pool, f.size) }),
      );
      return [{ agent: -1, timeline }];
    }
  }
}
