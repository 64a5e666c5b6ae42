import { paxos } from '../../scenarios/protocols/paxos.ts';
import type { ProtocolBench } from './case.ts';

const IDS = ['a', 'b', 'c', 'd', 'e'];

export const bench: ProtocolBench = {
  protocol: 'paxos',
  config: '5 agents all proposing, 10 % loss, uniform 1-10 tick latency',
  scenario: {
    name: 'paxos',
    agents: IDS.map((id) => ({ id, protocol: paxos, params: { input: `value-${id}` } })),
    network: {
      defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 10 } },
    },
    limits: { ticksMax: 2000, untilAllDecided: true },
  },
};
