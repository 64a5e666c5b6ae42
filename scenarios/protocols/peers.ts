/**
 * Drawing random contacts for a round, from the stepping agent's own stream:
 * the shared step of gossip's calls and prompt-infection's random peers.
 */
import { randomInt } from '../../sim/effects.ts';

/**
 * Most peers one draw may pick: Floyd's draw compares each pick with those
 * before it, so a draw of `count` costs count^2 comparisons.
 */
export const PEERS_PER_DRAW_MAX = 300;

/**
 * `count` distinct indices of [0, size), uniformly at random without
 * replacement (Floyd's algorithm: exactly `count` draws from the agent's
 * stream, none when count >= size, which gives every index in order).
 * Call only while an agent steps. Not pure: it advances the agent's stream.
 */
export function drawIndices(size: number, count: number): number[] {
  if (count >= size) return Array.from({ length: size }, (_, i) => i);
  const chosen: number[] = [];
  for (let j = size - count; j < size; j++) {
    const t = randomInt(0, j);
    chosen.push(chosen.includes(t) ? j : t);
  }
  return chosen;
}

/**
 * `count` distinct peers of the agent at `index` in `agents` (every agent but
 * itself is a candidate), uniformly at random without replacement, as ids;
 * all the others when count >= agents.length - 1. Advances the agent's stream.
 */
export function drawPeers(agents: readonly string[], index: number, count: number): string[] {
  return drawIndices(agents.length - 1, count).map((c) => agents[c >= index ? c + 1 : c] as string);
}

/** `count` distinct members of `pool`, uniformly at random without replacement. Advances the agent's stream. */
export function drawFrom(pool: readonly string[], count: number): string[] {
  return drawIndices(pool.length, count).map((c) => pool[c] as string);
}
