import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { relay } from '../../scenarios/protocols/relay.ts';
import { FastMachine, FastPathError, fastProtocol, machineFor } from '../../sim/fast/index.ts';
import type { Protocol } from '../../sim/index.ts';

const parallel: Protocol = {
  name: 'two-regions',
  machine: createMachine({ id: 'p', type: 'parallel', states: { a: {}, b: {} } }),
};

describe('choosing the engine per protocol', () => {
  it('steps a protocol on xstate, on the fast path, or on the fast path where it compiles', () => {
    expect(machineFor(relay, 'xstate')).toBe(relay.machine);
    expect(machineFor(relay, 'fast')).toBeInstanceOf(FastMachine);
    expect(machineFor(relay, 'auto')).toBe(machineFor(relay, 'fast'));
    expect(machineFor(parallel, 'auto')).toBe(parallel.machine);
  });

  it('refuses to force the fast path on a machine outside the subset, naming the feature', () => {
    expect(() => machineFor(parallel, 'fast')).toThrow(FastPathError);
    expect(() => machineFor(parallel, 'fast')).toThrow(
      'protocol two-regions cannot run on the fast path: it uses parallel states (#p); run it with --engine auto or xstate',
    );
  });

  it('copies a protocol onto the fast path with everything else unchanged', () => {
    const copy = fastProtocol(relay);
    expect('unsupported' in copy).toBe(false);
    const { machine, ...rest } = copy as Protocol;
    const { machine: _, ...original } = relay;
    expect(rest).toEqual(original);
    expect(machine).toBeInstanceOf(FastMachine);
    expect(fastProtocol(parallel)).toEqual({ unsupported: 'parallel states (#p)' });
  });
});
