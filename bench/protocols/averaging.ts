import { averaging } from '../../scenarios/protocols/averaging.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'averaging',
  config: 'W-MSR F = 1, complete graph of 20, one Byzantine, 5 % loss, 50 rounds',
  scenario: {
    name: 'averaging',
    agents: Array.from({ length: 20 }, (_, i) => ({
      id: `a${i}`,
      protocol: averaging,
      params: { input: (i * 37) % 101, rule: 'w-msr', trimF: 1, roundsMax: 50 },
      ...(i === 19 ? { honest: false } : {}),
    })),
    network: {
      defaults: { dropRatio: 0.05, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } },
    },
  },
};
