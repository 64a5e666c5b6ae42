import { promptInfection } from '../../scenarios/protocols/prompt-infection.ts';
import type { ProtocolBench } from './case.ts';

const params = { susceptibility: 0.05, recoveryRatio: 0.2, roundTicks: 10, roundsMax: 20 };

export const bench: ProtocolBench = {
  protocol: 'prompt-infection',
  config:
    '50 agents on the complete graph, one reader, β 0.05, δ 0.2 (above the threshold), 20 rounds, tagging on, uniform 1-3 tick latency',
  scenario: {
    name: 'prompt-infection',
    agents: Array.from({ length: 50 }, (_, i) => ({
      id: `a${i}`,
      protocol: promptInfection,
      params: i === 0 ? { ...params, source: 'page' } : params,
    })),
    network: { defaults: { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } } },
    trust: {
      zones: ['web', 'agents'],
      sources: [
        { id: 'page', zone: 'web', content: { instruction: { id: 'worm', kind: 'replicate' } } },
      ],
      mitigations: { tagging: true },
    },
  },
};
