import { byzantineOM } from '../../scenarios/protocols/byzantine-om.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'byzantine-om',
  config: 'OM(2), 7 generals, one traitorous lieutenant, 156 messages per run',
  scenario: {
    name: 'byzantine-om',
    agents: Array.from({ length: 7 }, (_, i) => ({
      id: `g${i}`,
      protocol: byzantineOM,
      params: { m: 2 },
      ...(i === 3 ? { honest: false } : {}),
    })),
    limits: { untilAllDecided: true },
  },
};
