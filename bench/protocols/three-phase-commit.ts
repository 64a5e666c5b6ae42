import { threePhaseCommit } from '../../scenarios/protocols/three-phase-commit.ts';
import type { ProtocolBench } from './case.ts';

const IDS = ['coord', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];

export const bench: ProtocolBench = {
  protocol: 'three-phase-commit',
  config:
    '1 coordinator, 8 participants voting no with p = 0.05, 10 % loss, uniform 1-5 tick latency',
  scenario: {
    name: 'three-phase-commit',
    agents: IDS.map((id) => ({ id, protocol: threePhaseCommit, params: { noRatio: 0.05 } })),
    network: {
      defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } },
    },
    limits: { ticksMax: 1000, untilAllDecided: true },
  },
};
