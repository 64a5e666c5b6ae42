/**
 * The default scenario until the catalogue lands: stop-and-wait delivery of
 * five messages over a link that loses 30% and duplicates 20% of messages.
 */
import type { Scenario } from '../sim/index.ts';
import { ackRetransmit } from './protocols/ack-retransmit.ts';

export const lossyAck: Scenario = {
  name: 'lossy-ack',
  agents: [
    {
      id: 'alice',
      protocol: ackRetransmit,
      params: { role: 'sender', peer: 'bob', count: 5, timeoutTicks: 12 },
    },
    { id: 'bob', protocol: ackRetransmit, params: { role: 'receiver', peer: 'alice', count: 5 } },
  ],
  network: {
    defaults: {
      dropRatio: 0.3,
      duplicateRatio: 0.2,
      latency: { kind: 'uniform', ticksMin: 1, ticksMax: 8 },
    },
  },
};
