/**
 * The fast path steps machines as xstate does: each machine here is stepped
 * by both through a scope that records every call (effects, timers set and
 * cancelled, log lines, custom actions as they run), and the snapshots and
 * the records must be equal after every event.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyStateMachine,
  and,
  assign,
  cancel,
  createMachine,
  type EventObject,
  emit,
  enqueueActions,
  log,
  not,
  or,
  raise,
  sendTo,
  setup,
  spawnChild,
  stateIn,
} from 'xstate';
import { SharedScope } from '../../sim/agent.ts';
import { bindAgentStream, note, random } from '../../sim/effects.ts';
import { compileMachine, FastMachine } from '../../sim/fast/index.ts';
import { deriveStream } from '../../sim/index.ts';

/** Where custom actions of the machines below write, in order with the scope's calls. */
let sink: unknown[] = [];
const mark = (what: unknown) => sink.push(['mark', what]);

interface Stepper {
  getInitialSnapshot(scope: unknown, input: unknown): unknown;
  transition(snapshot: unknown, event: EventObject, scope: unknown): unknown;
}

function view(s: unknown): unknown {
  const x = s as { status: string; value: unknown; context: unknown; error: unknown };
  const error = x.error === undefined ? undefined : String((x.error as Error)?.message ?? x.error);
  return { status: x.status, value: x.value, context: x.context, error };
}

/** Every observable call of stepping `m` from `input` through `events`, with the snapshot after each. */
function run(m: Stepper, input: unknown, events: readonly EventObject[]): unknown[] {
  const out: unknown[] = [];
  sink = [];
  const shared = new SharedScope({
    effect: (e) => sink.push(['effect', e]),
    schedule: (event, delay, id) => sink.push(['schedule', event, delay, id]),
    cancel: (id) => sink.push(['cancel', id]),
    unsupported: (what) => {
      throw new Error(`unsupported: ${what}`);
    },
  });
  (shared.scope as { logger: unknown }).logger = (...args: unknown[]) =>
    sink.push(['log', ...args]);
  bindAgentStream(deriveStream(7, 'agent/x'));
  try {
    let s = m.getInitialSnapshot(shared.scope, input);
    out.push(view(s));
    if ((s as { status: string }).status === 'error') shared.discard();
    else shared.flush();
    out.push(sink.splice(0));
    for (const event of events) {
      try {
        s = m.transition(s, event, shared.scope);
        out.push(view(s));
        shared.flush();
      } catch (err) {
        out.push(['threw', String((err as Error)?.message ?? err)]);
        shared.discard();
      }
      out.push(sink.splice(0));
    }
  } finally {
    bindAgentStream(null);
  }
  return out;
}

function fastOf(machine: AnyStateMachine): FastMachine {
  const fast = compileMachine(machine);
  if (!(fast instanceof FastMachine)) throw new Error(`does not compile: ${fast.unsupported}`);
  return fast;
}

/** Steps `machine` on xstate and on the fast path and expects the same records. */
function same(machine: AnyStateMachine, input: unknown, events: readonly EventObject[]): unknown[] {
  const expected = run(machine, input, events);
  expect(run(fastOf(machine), input, events)).toEqual(expected);
  return expected;
}

const ev = (type: string, more: Record<string, unknown> = {}): EventObject => ({ type, ...more });

/** What an enqueueActions body gets, untyped: the machines here mix names and shapes on purpose. */
interface LooseArgs {
  context: { n: number };
  event: EventObject;
  enqueue: ((action: unknown) => void) & {
    assign(assignment: unknown): void;
    emit(event: unknown): void;
    raise(event: unknown, options?: unknown): void;
    cancel(id: unknown): void;
  };
  check: (guard: unknown) => boolean;
}
const loose = (body: (args: LooseArgs) => void) => enqueueActions(body as never);

describe('the fast path steps like xstate', () => {
  it('enters and exits nested states in xstate order, by key, #id, .child and reenter', () => {
    const m = setup({
      actions: { mark: (_, p: unknown) => mark(p) },
    }).createMachine({
      id: 'm',
      context: { n: 0 },
      entry: { type: 'mark', params: 'root+' },
      exit: { type: 'mark', params: 'root-' },
      initial: { target: 'p', actions: { type: 'mark', params: 'root-initial' } },
      on: {
        top: { target: '.q', actions: { type: 'mark', params: 'top' } },
        topAgain: { target: '.p', reenter: true },
        deep: '#deep',
      },
      states: {
        p: {
          entry: { type: 'mark', params: 'p+' },
          exit: { type: 'mark', params: 'p-' },
          initial: 'a',
          on: {
            self: { target: 'p' },
            selfAgain: { target: 'p', reenter: true },
            child: { target: '.b' },
            childAgain: { target: '.b', reenter: true },
            toQ: { target: 'q', actions: { type: 'mark', params: 'p->q' } },
          },
          states: {
            a: {
              entry: { type: 'mark', params: 'a+' },
              exit: { type: 'mark', params: 'a-' },
              on: { next: 'b', stay: { target: 'a' }, again: { target: 'a', reenter: true } },
            },
            b: {
              entry: { type: 'mark', params: 'b+' },
              exit: { type: 'mark', params: 'b-' },
              on: { up: '#m.q', parent: { target: '#m.p' } },
            },
          },
        },
        q: {
          entry: { type: 'mark', params: 'q+' },
          exit: { type: 'mark', params: 'q-' },
          initial: 'x',
          on: { back: 'p' },
          states: {
            x: { on: { next: 'y' } },
            y: {
              initial: 'z',
              states: { z: { id: 'deep', entry: { type: 'mark', params: 'z+' } } },
            },
          },
        },
      },
    });
    const events = [
      'next',
      'stay',
      'again',
      'self',
      'child',
      'childAgain',
      'selfAgain',
      'parent',
      'toQ',
      'next',
      'back',
      'top',
      'topAgain',
      'deep',
      'back',
      'up',
      'unknown',
    ].map((t) => ev(t));
    const records = same(m, {}, events);
    expect(records.length).toBe(2 + 2 * events.length);
  });

  it('runs eventless transitions, raised events and assignments in xstate order', () => {
    const m = setup({
      actions: { mark: (_, p: unknown) => mark(p) },
      guards: { below: ({ context }, p: { n: number }) => (context as { n: number }).n < p.n },
    }).createMachine({
      id: 'r',
      context: ({ input }) => ({ n: (input as { n: number }).n, seen: [] as string[] }),
      initial: 'idle',
      states: {
        idle: {
          on: {
            go: {
              target: 'count',
              actions: [
                raise({ type: 'first' }),
                raise({ type: 'second' }),
                { type: 'mark', params: 'go' },
              ],
            },
            first: { actions: { type: 'mark', params: 'first in idle' } },
          },
        },
        count: {
          entry: assign({ n: ({ context }) => context.n + 1 }),
          always: [
            { guard: { type: 'below', params: { n: 5 } }, target: 'count', reenter: true },
            { guard: ({ context }) => context.n === 5, actions: assign({ n: 6 }) },
          ],
          on: {
            first: { actions: assign({ seen: ({ context }) => [...context.seen, 'first'] }) },
            second: {
              target: 'done',
              actions: assign({ seen: ({ context }) => [...context.seen, 'second'] }),
            },
          },
        },
        done: {
          entry: emit(({ context }) => note(context.n) as never),
          always: { actions: { type: 'mark', params: 'targetless always' } },
          on: {
            loop: { actions: raise({ type: 'loop2' }) },
            loop2: { actions: { type: 'mark', params: 'loop2' } },
          },
        },
      },
    });
    same(m, { n: 0 }, [ev('go'), ev('loop'), ev('go')]);
    same(m, { n: 9 }, [ev('go')]);
  });

  it('schedules after delays and delayed raises with xstate ids, and cancels them on exit', () => {
    const m = setup({
      delays: {
        slow: ({ context }) => (context as { d: number }).d * 2,
        missing: undefined as never,
      },
      guards: { ready: ({ context }) => (context as { d: number }).d > 2 },
    }).createMachine({
      id: 'timers',
      context: ({ input }) => ({ d: (input as { d: number }).d }),
      initial: 'waiting',
      states: {
        waiting: {
          entry: [
            raise({ type: 'ping' }, { delay: 7, id: 'ping-id' }),
            raise(({ context }) => ({ type: 'pong', d: context.d }), {
              delay: ({ context }) => context.d,
            }),
            raise({ type: 'named' }, { delay: 'slow' }),
          ],
          after: {
            10: 'late',
            slow: [{ guard: 'ready', target: 'ready' }, { target: 'late' }],
          },
          on: {
            stop: { actions: cancel('ping-id') },
            stopFn: { actions: cancel(({ context }) => `id-${context.d}`) },
            ping: { actions: emit(note('ping') as never) },
          },
        },
        ready: { entry: raise({ type: 'now' }, { delay: 'missing' }), on: { now: 'late' } },
        late: {},
      },
    });
    same(m, { d: 3 }, [
      ev('stop'),
      ev('stopFn'),
      ev('ping'),
      ev('xstate.after.slow.timers.waiting'),
    ]);
    same(m, { d: 1 }, [
      ev('xstate.after.10.timers.waiting'),
      ev('xstate.after.slow.timers.waiting'),
    ]);
    same(m, { d: 1 }, [ev('xstate.after.slow.timers.waiting')]);
  });

  it('runs enqueueActions with named, parameterised and builtin actions, check and log', () => {
    // Untyped on purpose: the machine mixes names, objects and builtins as xstate allows at run time.
    const m = createMachine(
      {
        id: 'q',
        context: { n: 0 },
        on: {
          go: {
            actions: loose(({ context, event, enqueue, check }) => {
              enqueue.assign({ n: context.n + 10 });
              enqueue.emit(({ context: c }: { context: { n: number } }) => note(c.n));
              enqueue.emit(note('static'));
              if (check('even')) enqueue('mark');
              if (check({ type: 'over', params: { n: 5 } }))
                enqueue({ type: 'mark', params: 'over 5' });
              if (check(and(['even', not('even')] as never)))
                enqueue({ type: 'mark', params: 'never' });
              if (check(or([() => false, 'even'] as never)))
                enqueue({ type: 'mark', params: 'or' });
              enqueue('nested');
              enqueue('logIt');
              enqueue(log('plain'));
              enqueue(emit(note('builtin') as never));
              enqueue.raise({ type: 'later' }, { delay: 3, id: 'later-id' });
              enqueue.cancel('later-id');
              enqueue.raise({ type: 'inner' });
              enqueue(({ context: c }: { context: { n: number } }) =>
                mark(['inline', c.n, event.type]),
              );
              enqueue('notImplemented');
            }),
          },
          inner: {
            actions: [
              { type: 'mark', params: ({ event }: { event: EventObject }) => event.type },
              'nested',
            ],
          },
        },
      } as never,
      {
        actions: {
          mark: (_: unknown, p: unknown) => mark(p),
          bump: assign(({ context }) => ({ n: (context as { n: number }).n + 1 })),
          nested: loose(({ context, enqueue }) => {
            enqueue({ type: 'mark', params: `nested at ${context.n}` });
            enqueue('bump');
          }),
          logIt: log(({ context }) => (context as { n: number }).n, 'n is'),
        },
        guards: {
          even: ({ context }: { context: { n: number } }) => context.n % 2 === 0,
          over: ({ context }: { context: { n: number } }, p: { n: number }) => context.n > p.n,
        },
      } as never,
    );
    same(m, {}, [ev('go'), ev('go'), ev('inner')]);
  });

  it('matches exact, prefix and wildcard descriptors in xstate order', () => {
    const m = setup({ actions: { mark: (_, p: unknown) => mark(p) } }).createMachine({
      id: 'w',
      initial: 'a',
      on: { '*': { actions: { type: 'mark', params: 'root *' } } },
      states: {
        a: {
          on: {
            'x.*': { actions: { type: 'mark', params: 'x.*' } },
            'x.y.*': {
              guard: ({ event }) => event.type !== 'x.y.skip',
              actions: { type: 'mark', params: 'x.y.*' },
            },
            'x.y.z': { actions: { type: 'mark', params: 'exact' } },
          },
        },
      },
    });
    same(
      m,
      {},
      ['x.y.z', 'x.y.w', 'x.y.skip', 'x.q', 'y', 'x'].map((t) => ev(t)),
    );
  });

  it('evaluates guards as xstate does: inline, named, params, and, or, not, stateIn', () => {
    const m = setup({
      guards: {
        pos: ({ context }) => (context as { n: number }).n > 0,
        atLeast: ({ context }, p: { n: number }) => (context as { n: number }).n >= p.n,
        alias: 'pos' as never,
      },
    }).createMachine({
      id: 'g',
      context: ({ input }) => ({ n: (input as { n: number }).n }),
      initial: 'a',
      states: {
        a: {
          on: {
            t: [
              { guard: and(['pos', { type: 'atLeast', params: { n: 3 } }]), target: 'b' },
              { guard: or([not('pos'), ({ context }) => context.n === 2]), target: 'c' },
              {
                guard: { type: 'atLeast', params: ({ context }) => ({ n: context.n }) },
                actions: assign({ n: 0 }),
              },
            ],
            s: { guard: stateIn('#g.a'), target: 'b' },
            alias: { guard: 'alias', target: 'c' },
          },
        },
        b: { on: { s: { guard: stateIn({ b: 'never' } as never), target: 'a' }, back: 'a' } },
        c: {},
      },
    });
    for (const n of [-1, 0, 1, 2, 3, 4])
      same(m, { n }, [ev('t'), ev('s'), ev('s'), ev('back'), ev('alias'), ev('t')]);
  });

  it('shows guards with a check the snapshot xstate would show, during the initial microstep too', () => {
    const probe = loose(({ enqueue, check }) => {
      enqueue({
        type: 'mark',
        params: [check(stateIn({ p: 'a' })), check(stateIn('#s.p.b')), check(stateIn('#s.q'))],
      });
    });
    const m = createMachine(
      {
        id: 's',
        entry: probe,
        initial: 'p',
        states: {
          p: {
            entry: probe,
            exit: probe,
            initial: 'a',
            states: {
              a: { entry: probe, on: { next: { target: 'b', actions: probe } } },
              b: { entry: probe },
            },
            on: { out: '#s.q' },
          },
          q: { entry: probe },
        },
      } as never,
      { actions: { mark: (_: unknown, p: unknown) => mark(p) } } as never,
    );
    same(m, {}, [ev('next'), ev('out')]);
  });

  it('fails as xstate fails: throwing guards and actions, missing guards, bad raises, error events, stop', () => {
    const m = setup({
      guards: {
        boom: () => {
          throw new Error('guard boom');
        },
      },
    }).createMachine({
      id: 'f',
      context: ({ input }) => {
        if ((input as { bad?: boolean }).bad) throw new Error('bad input');
        return { n: 1 };
      },
      initial: 'a',
      states: {
        a: {
          on: {
            named: { guard: 'boom' },
            inline: {
              guard: () => {
                throw new Error('inline boom');
              },
            },
            missing: { guard: 'nope' as never },
            act: {
              actions: () => {
                throw new Error('action boom');
              },
            },
            raiseText: { actions: raise('text' as never) },
            always: { guard: 'boom' },
            go: 'b',
          },
        },
        b: { always: { guard: 'boom', target: 'a' } },
      },
    });
    same(m, {}, [
      ev('named'),
      ev('inline'),
      ev('missing'),
      ev('act'),
      ev('raiseText'),
      ev('xstate.error.actor.x', { error: 'e' }),
      ev('go'),
    ]);
    same(m, {}, [ev('xstate.stop'), ev('go'), ev('xstate.init')]);
    same(m, {}, [{ type: 5 } as never, ev('go')]);
    same(m, { bad: true }, []);
  });

  it('stops an endless loop of eventless transitions at maxIterations, as xstate does', () => {
    const m = createMachine({
      id: 'loop',
      options: { maxIterations: 50 },
      context: { n: 0 },
      initial: 'a',
      states: {
        a: { on: { go: 'b' } },
        b: { always: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
      },
    } as never);
    same(m, {}, [ev('go')]);
  });

  it('draws from the agent stream in the same order (randomness in guards, actions and delays)', () => {
    const m = setup({
      delays: { jitter: () => 1 + Math.floor(random() * 10) },
    }).createMachine({
      id: 'rand',
      context: { n: 0 },
      initial: 'a',
      states: {
        a: {
          after: { jitter: 'b' },
          on: {
            roll: [
              { guard: () => random() < 0.3, target: 'b' },
              { actions: assign({ n: () => random() }) },
            ],
          },
        },
        b: { always: { guard: () => random() < 0.5, target: 'a' }, on: { roll: 'a' } },
      },
    });
    same(
      m,
      {},
      Array.from({ length: 30 }, () => ev('roll')),
    );
  });

  it('copies narrow and wide contexts on assign as xstate does: the same keys, order, symbols and prototype', () => {
    const tag = Symbol('tag');
    /**
     * A context of `width` - 1 keys, an integer-like key and a symbol among them,
     * and, when `ownProto`, an own __proto__ key besides (which xstate's first
     * assign drops: Object.assign sets a prototype there, and a string is
     * not one). The machine starts from this object itself.
     */
    const wide = (width: number, ownProto: boolean): Record<string | symbol, unknown> => {
      const c: Record<string | symbol, unknown> = { n: 0 };
      for (let i = 1; i < width - 3; i++) c[`k${i}`] = i;
      c['7'] = 'seven';
      if (ownProto)
        Object.defineProperty(c, '__proto__', { value: 'own', enumerable: true, writable: true });
      c[tag] = 'symbol';
      return c;
    };
    for (const [width, ownProto] of [
      [8, true],
      [24, true],
      [24, false],
      [40, false],
    ] as const) {
      const m = createMachine({
        id: 'w',
        // An object, not a function: xstate keeps an own __proto__ key of it until the first assign.
        context: wide(width, ownProto),
        on: {
          bump: { actions: assign({ n: ({ context }) => (context['n'] as number) + 1 }) },
          add: {
            actions: assign(({ context }) => ({
              [`new${context['n'] as number}`]: true,
              3: 'three',
            })),
          },
        },
      });
      const steps = [ev('bump'), ev('add'), ev('bump'), ev('add')];
      // run() gives the view after the start, then after each step, each followed by the calls made.
      const described = (stepper: Stepper) =>
        run(stepper, {}, steps)
          .filter((_, i) => i % 2 === 0)
          .map((v) => {
            const c = (v as { context: Record<string | symbol, unknown> }).context;
            return {
              json: JSON.stringify(c),
              keys: Reflect.ownKeys(c).map(String),
              prototype: Object.getPrototypeOf(c) === Object.prototype,
              ownProto: Object.hasOwn(c, '__proto__'),
            };
          });
      const expected = described(m);
      expect(described(fastOf(m)), `${width} keys`).toEqual(expected);
      const last = expected.at(-1) as { keys: string[]; ownProto: boolean };
      expect(last.keys).toEqual(
        expect.arrayContaining(['3', '7', 'n', `k${width - 4}`, 'new1', 'new2', 'Symbol(tag)']),
      );
      expect(last.keys).toHaveLength(width + 2);
      expect(last.ownProto).toBe(false);
    }
  });

  it('names the first feature outside the subset', () => {
    const child = createMachine({});
    const unsupported = (machine: AnyStateMachine) => {
      const r = compileMachine(machine);
      return 'unsupported' in r ? r.unsupported : 'compiled';
    };
    expect(
      unsupported(createMachine({ id: 'p', type: 'parallel', states: { a: {}, b: {} } })),
    ).toBe('parallel states (#p)');
    expect(
      unsupported(
        createMachine({ id: 'h', initial: 'a', states: { a: {}, h: { type: 'history' } } }),
      ),
    ).toBe('history states (#h.h)');
    expect(
      unsupported(createMachine({ id: 'd', initial: 'a', states: { a: { type: 'final' } } })),
    ).toBe('final states (#d.a)');
    expect(
      unsupported(
        setup({ actors: { child } }).createMachine({ id: 'i', invoke: { src: 'child' } }),
      ),
    ).toBe('invoke (#i)');
    expect(
      unsupported(createMachine({ id: 's', entry: sendTo('x', { type: 'y' }) } as never)),
    ).toBe('the xstate.sendTo action ("sendTo")');
    expect(unsupported(createMachine({ id: 'c', entry: spawnChild(child) }))).toBe(
      'the xstate.spawnChild action ("spawnChild")',
    );
  });
});
