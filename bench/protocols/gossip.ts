import { gossip } from '../../scenarios/protocols/gossip.ts';
import type { ProtocolBench } from './case.ts';

const params = { mode: 'push-pull', fanout: 1, roundTicks: 10, roundsMax: 40 };

export const bench: ProtocolBench = {
  protocol: 'gossip',
  config: 'push-pull, 200 agents, 5 % loss, uniform 1-4 tick latency, until all informed',
  scenario: {
    name: 'gossip',
    agents: Array.from({ length: 200 }, (_, i) => ({ id: `g${i}`, protocol: gossip, params })),
    network: {
      defaults: { dropRatio: 0.05, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 4 } },
    },
    limits: { untilAllDecided: true },
  },
};
