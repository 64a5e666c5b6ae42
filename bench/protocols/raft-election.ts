import { raftElection } from '../../scenarios/protocols/raft-election.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'raft-election',
  config: '5 nodes, 5 % loss, uniform 2-12 tick latency, 2,000 ticks',
  scenario: {
    name: 'raft-election',
    agents: Array.from({ length: 5 }, (_, i) => ({ id: `n${i}`, protocol: raftElection })),
    network: {
      defaults: { dropRatio: 0.05, latency: { kind: 'uniform', ticksMin: 2, ticksMax: 12 } },
    },
    limits: { ticksMax: 2000 },
  },
};
