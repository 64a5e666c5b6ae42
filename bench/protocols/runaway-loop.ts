import { runawayLoop } from '../../scenarios/protocols/runaway-loop.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'runaway-loop',
  config: 'no mitigation, a call every 10-14 ticks at cost 0.5-1.5, 10 % loss, 10,000 ticks',
  scenario: {
    name: 'runaway-loop',
    agents: [
      {
        id: 'agent',
        protocol: runawayLoop,
        params: { callTicks: 10, callJitterTicks: 4, costJitterRatio: 0.5 },
      },
      { id: 'tool', protocol: runawayLoop },
    ],
    network: { defaults: { dropRatio: 0.1 } },
    limits: { ticksMax: 10_000 },
  },
};
