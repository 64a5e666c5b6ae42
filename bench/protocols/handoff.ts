import { handoff } from '../../scenarios/protocols/handoff.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'handoff',
  config: '1 orchestrator, 4 workers, 50 tasks, 20 % loss, no idempotency keys',
  scenario: {
    name: 'lossy-handoff',
    agents: [
      { id: 'boss', protocol: handoff, params: { tasks: 50 } },
      ...[1, 2, 3, 4].map((i) => ({ id: `w${i}`, protocol: handoff })),
    ],
    network: {
      defaults: { dropRatio: 0.2, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } },
    },
  },
};
