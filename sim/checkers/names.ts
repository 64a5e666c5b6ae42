/** The properties parley can check, by name (scenario files refer to these). Pure. */
export const CHECKER_NAMES = [
  'agreement',
  'validity',
  'termination',
  'integrity',
  'convergence',
  'leader-per-term',
  'minority-commit',
  'duplicate-execution',
  'infection',
  'budget',
  'runaway',
  'load-amplification',
  'breach',
  'destructive-action',
  'attack-success',
  'utility',
] as const;

export type CheckerName = (typeof CHECKER_NAMES)[number];

export function isCheckerName(name: unknown): name is CheckerName {
  return typeof name === 'string' && (CHECKER_NAMES as readonly string[]).includes(name);
}
