import { majorityVote } from '../../scenarios/protocols/majority-vote.ts';
import type { ProtocolBench } from './case.ts';

const ids = Array.from({ length: 9 }, (_, i) => `v${i}`);

export const bench: ProtocolBench = {
  protocol: 'majority-vote',
  config: '9 voters, strict quorum, 10 % loss, uniform 1-5 tick latency',
  scenario: {
    name: 'majority-vote',
    agents: ids.map((id, i) => ({
      id,
      protocol: majorityVote,
      params: { input: i % 3 === 0 ? 'Y' : 'X', resendsMax: 5 },
    })),
    network: {
      defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } },
    },
  },
};
