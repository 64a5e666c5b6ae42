/**
 * Spend: what calls and messages cost, and the budgets and rate limits that
 * bound it. Pure; the engine charges it at each `spend` effect and, with
 * `perMessage`, at each send, and only when the scenario has a `cost`
 * section or an agent has a budget or a rate limit.
 *
 * - `spend(amount, what)` charges the acting agent. It is refused (reason
 *   `rate`, `budget` or `budgetRun`) when it would exceed the agent's rate
 *   limit (at most `amountMax` per window of `perTicks` ticks, windows
 *   aligned on multiples of `perTicks`), the agent's `budget`, or the run's
 *   `budgetRun`; the agent then receives `{ type: 'spend.refused', reason }`.
 *   A refused spend costs nothing: budgets are hard caps.
 * - `perMessage` charges every send to its sender under the same limits; a
 *   send that cannot be paid for is dropped (reason `budget`).
 */
export interface CostSpec {
  /** Charged to the sender of every message; default 0. */
  readonly perMessage?: number;
  /** Hard cap on the whole run's spend; default none. */
  readonly budgetRun?: number;
  /** What amounts are counted in, for people: 'usd', 'tokens'…; default 'usd'. */
  readonly unit?: string;
}

export interface RateLimit {
  readonly amountMax: number;
  readonly perTicks: number;
}

/** What the cost model needs of an agent (from its AgentSpec). */
export interface CostAgent {
  readonly budget?: number | undefined;
  readonly rateLimit?: RateLimit | undefined;
}

export type SpendRefusal = 'rate' | 'budget' | 'budgetRun';

/** The spend state of one run. */
export class Cost {
  readonly perMessage: number;
  private readonly budgetRun: number;
  /** Total spent per agent. */
  readonly spent: Float64Array;
  totalRun = 0;
  private readonly windowStart: Float64Array;
  private readonly windowSpent: Float64Array;

  constructor(
    spec: CostSpec | undefined,
    private readonly agents: readonly CostAgent[],
  ) {
    this.perMessage = spec?.perMessage ?? 0;
    this.budgetRun = spec?.budgetRun ?? Infinity;
    this.spent = new Float64Array(agents.length);
    this.windowStart = new Float64Array(agents.length).fill(-1);
    this.windowSpent = new Float64Array(agents.length);
  }

  /** Why charging `amount` to agent `a` at `tick` would be refused, or undefined; charges nothing. */
  refusal(a: number, amount: number, tick: number): SpendRefusal | undefined {
    const agent = this.agents[a] as CostAgent;
    const rate = agent.rateLimit;
    if (rate !== undefined) {
      const start = tick - (tick % rate.perTicks);
      const spent = this.windowStart[a] === start ? (this.windowSpent[a] as number) : 0;
      if (spent + amount > rate.amountMax) return 'rate';
    }
    if ((this.spent[a] as number) + amount > (agent.budget ?? Infinity)) return 'budget';
    if (this.totalRun + amount > this.budgetRun) return 'budgetRun';
    return undefined;
  }

  /** Charges `amount` to agent `a` at `tick`, or says why it cannot. */
  charge(a: number, amount: number, tick: number): SpendRefusal | undefined {
    const agent = this.agents[a] as CostAgent;
    const rate = agent.rateLimit;
    if (rate !== undefined) {
      const start = tick - (tick % rate.perTicks);
      if (this.windowStart[a] !== start) {
        this.windowStart[a] = start;
        this.windowSpent[a] = 0;
      }
    }
    const refused = this.refusal(a, amount, tick);
    if (refused !== undefined) return refused;
    if (rate !== undefined) this.windowSpent[a] = (this.windowSpent[a] as number) + amount;
    this.spent[a] = (this.spent[a] as number) + amount;
    this.totalRun += amount;
    return undefined;
  }
}
