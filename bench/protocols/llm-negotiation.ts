import { llmNegotiation } from '../../scenarios/protocols/llm-negotiation.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'llm-negotiation',
  config: '10 agents, default parameters, 10 % loss, uniform 1-3 tick latency',
  scenario: {
    name: 'llm-negotiation',
    agents: Array.from({ length: 10 }, (_, i) => ({
      id: `agent-${i}`,
      protocol: llmNegotiation,
    })),
    network: {
      defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } },
    },
    limits: { ticksMax: 10_000, untilAllDecided: true },
  },
};
