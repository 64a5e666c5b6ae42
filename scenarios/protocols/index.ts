/**
 * Every protocol parley ships, by the name scenario files use, and the
 * network schedulers. Adding a protocol: one file here, one line below.
 */
import type { Protocol } from '../../sim/index.ts';
import { declareScheduler, type SchedulerFactory } from '../../sim/scenario/options.ts';
import { ackRetransmit } from './ack-retransmit.ts';
import { averaging } from './averaging.ts';
import { benOr } from './ben-or.ts';
import { broadcastClient } from './broadcast-client.ts';
import { byzantineOM } from './byzantine-om.ts';
import { compromised } from './compromised.ts';
import { debate } from './debate.ts';
import {
  FLP_ADVERSARY_OPTIONS,
  type FlpAdversaryOptions,
  flpAdversary,
  flpScheduler,
} from './flp-adversary.ts';
import { gossip } from './gossip.ts';
import { handoff } from './handoff.ts';
import { llmAgent } from './llm-agent.ts';
import { llmAssistant } from './llm-assistant.ts';
import { llmNegotiation } from './llm-negotiation.ts';
import { majorityVote } from './majority-vote.ts';
import { paxos } from './paxos.ts';
import { promptInfection } from './prompt-infection.ts';
import { raftElection } from './raft-election.ts';
import { relay } from './relay.ts';
import { retryStorm } from './retry-storm.ts';
import { runawayLoop } from './runaway-loop.ts';
import { threePhaseCommit } from './three-phase-commit.ts';
import { twoGenerals } from './two-generals.ts';
import { twoPhaseCommit } from './two-phase-commit.ts';

const all: readonly Protocol[] = [
  ackRetransmit,
  averaging,
  benOr,
  broadcastClient,
  byzantineOM,
  compromised,
  debate,
  gossip,
  handoff,
  llmAgent,
  llmAssistant,
  llmNegotiation,
  majorityVote,
  paxos,
  promptInfection,
  raftElection,
  relay,
  retryStorm,
  runawayLoop,
  threePhaseCommit,
  twoGenerals,
  twoPhaseCommit,
];

/** Protocols by name. */
export const PROTOCOLS: ReadonlyMap<string, Protocol> = new Map(all.map((p) => [p.name, p]));

/**
 * Network schedulers (adversaries that choose latencies) by name: each builds
 * one from its options, and declares them (`SchedulerFactory.options`) so
 * that the loader checks them.
 */
export const SCHEDULERS: ReadonlyMap<string, SchedulerFactory> = new Map([
  [
    'flp-adversary',
    declareScheduler((o) => flpAdversary(o as FlpAdversaryOptions), FLP_ADVERSARY_OPTIONS),
  ],
]);

export {
  ackRetransmit,
  averaging,
  benOr,
  byzantineOM,
  debate,
  flpAdversary,
  flpScheduler,
  gossip,
  handoff,
  llmAgent,
  llmAssistant,
  llmNegotiation,
  majorityVote,
  paxos,
  raftElection,
  relay,
  retryStorm,
  runawayLoop,
  threePhaseCommit,
  twoGenerals,
  twoPhaseCommit,
};
