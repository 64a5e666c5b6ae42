import { benOr } from '../../scenarios/protocols/ben-or.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'ben-or',
  config: 'n = 5, f = 2, inputs 0 1 0 1 0, random coin, uniform 1-20 tick latency',
  scenario: {
    name: 'ben-or',
    agents: Array.from({ length: 5 }, (_, i) => ({
      id: `p${i}`,
      protocol: benOr,
      params: { faults: 2 },
    })),
    network: { defaults: { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 20 } } },
  },
};
