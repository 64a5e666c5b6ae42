/**
 * A run's scenario back from its trace manifest: the manifest keeps the
 * scenario as data with protocols and schedulers by name, so a trace file
 * alone is enough to run it again. Pure.
 */

import { PROCESS_PROTOCOL } from '../programs.ts';
import type { AgentSpec, Json, Scenario, Scheduler } from '../spec.ts';
import type { Manifest } from '../trace.ts';
import type { Registry } from './load.ts';

/** A scheduler name as the manifest keeps it, e.g. `flp-adversary(faults=1, fastTicks=1)`. */
function scheduler(name: string, registry: Registry): Scheduler | string {
  const m = /^([^()]+)(?:\((.*)\))?$/.exec(name);
  const make = m === null ? undefined : registry.schedulers?.get(m[1] as string);
  if (m === null || make === undefined) return `unknown scheduler "${name}"`;
  const options: Record<string, unknown> = {};
  for (const part of (m[2] ?? '').split(',')) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (k) options[k] = v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  const made = make(options);
  return made.name === name ? made : `scheduler "${name}" cannot be rebuilt (got "${made.name}")`;
}

/** The scenario of a manifest, or a list of what is missing to rebuild it. */
export function scenarioFromManifest(manifest: Manifest, registry: Registry): Scenario | string[] {
  const spec = manifest.spec as Record<string, Json> | null;
  const problems: string[] = [];
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec['agents']))
    return ['the manifest holds no scenario spec'];
  const agents = (spec['agents'] as Record<string, Json>[]).map((a) => {
    const protocol =
      a['process'] !== undefined && a['protocol'] === PROCESS_PROTOCOL.name
        ? PROCESS_PROTOCOL
        : registry.protocols.get(String(a['protocol']));
    if (protocol === undefined)
      problems.push(`unknown protocol "${String(a['protocol'])}" for agent ${String(a['id'])}`);
    return { ...a, protocol } as unknown as AgentSpec;
  });
  const network = { ...((spec['network'] as Record<string, Json> | undefined) ?? {}) } as Record<
    string,
    unknown
  >;
  if (typeof network['scheduler'] === 'string') {
    const s = scheduler(network['scheduler'], registry);
    if (typeof s === 'string') problems.push(s);
    else network['scheduler'] = s;
  }
  if (problems.length > 0) return problems;
  const scenario: Record<string, unknown> = {
    name: String(spec['name'] ?? manifest.scenario),
    agents,
    network,
    faults: spec['faults'] ?? [],
    limits: spec['limits'] ?? {},
    params: manifest.params,
  };
  for (const key of ['checks', 'trust', 'cost', 'model'] as const)
    if (spec[key] !== undefined) scenario[key] = spec[key];
  return scenario as unknown as Scenario;
}
