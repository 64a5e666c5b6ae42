import { retryStorm } from '../../scenarios/protocols/retry-storm.ts';
import type { ProtocolBench } from './case.ts';

export const bench: ProtocolBench = {
  protocol: 'retry-storm',
  config:
    'metastable: 6 requests a tick, capacity 10, 3 immediate retries, 10-tick timeout, trigger [100, 150), 1,000 ticks',
  scenario: {
    name: 'retry-storm',
    agents: [
      {
        id: 'client',
        protocol: retryStorm,
        params: { requestsPerTick: 6, retriesMax: 3, timeoutTicks: 10 },
      },
      {
        id: 'service',
        protocol: retryStorm,
        params: { capacityPerTick: 10, failTickStart: 100, failTickEnd: 150 },
      },
    ],
    limits: { ticksMax: 1000 },
  },
};
