import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';

describe('protocol registry', () => {
  it('lists every protocol under the name its traces carry', () => {
    expect([...PROTOCOLS.keys()]).toEqual([
      'ack-retransmit',
      'averaging',
      'ben-or',
      'broadcast-client',
      'byzantine-om',
      'compromised',
      'debate',
      'gossip',
      'handoff',
      'llm-agent',
      'llm-assistant',
      'llm-negotiation',
      'majority-vote',
      'paxos',
      'prompt-infection',
      'raft-election',
      'relay',
      'retry-storm',
      'runaway-loop',
      'three-phase-commit',
      'two-generals',
      'two-phase-commit',
    ]);
    for (const [name, p] of PROTOCOLS) expect(p.name).toBe(name);
    expect([...SCHEDULERS.keys()]).toEqual(['flp-adversary']);
    expect(SCHEDULERS.get('flp-adversary')?.({ slowTicks: 20 }).name).toBe(
      'flp-adversary(faults=1, fastTicks=1, slowTicks=20)',
    );
  });
});
