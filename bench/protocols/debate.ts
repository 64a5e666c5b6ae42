import { debate } from '../../scenarios/protocols/debate.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'debate',
  config: '9 agents, majority debate, 3 rounds, accuracy 0.6, lossless 1-tick latency',
  scenario: {
    name: 'debate',
    agents: Array.from({ length: 9 }, (_, i) => ({
      id: `agent-${i}`,
      protocol: debate,
      params: { mode: 'debate', rounds: 3 },
    })),
    limits: { untilAllDecided: true },
  },
};
