import { twoGenerals } from '../../scenarios/protocols/two-generals.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'two-generals',
  config: '4 hops, 10 % loss, uniform 1-3 tick latency',
  scenario: {
    name: 'two-generals',
    agents: [
      { id: 'alpha', protocol: twoGenerals, params: { hops: 4, deadlineTicks: 50 } },
      { id: 'beta', protocol: twoGenerals, params: { hops: 4, deadlineTicks: 50 } },
    ],
    network: {
      defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } },
    },
  },
};
