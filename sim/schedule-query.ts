/**
 * A schedule of `parley explore` in the page's query, as `parley run` takes
 * it on the command line: `choices=0,0,2` with `latencies=1,2`, `losses`,
 * `duplicates`, `crashes`, `restarts`, `partitions` with `partition=a,b/c`
 * (the groups) and `partitionFault` (the scenario's partition fault whose
 * timing the choices replace) (`parley explore` prints the link). The run is
 * then made with those choices instead of the network's draws, the same
 * trace as the command line's. Here, in sim/, because the page reads it
 * and the command line writes it. Pure.
 */
import { EXPLORE_DEFAULTS, type ScheduleSpec, scheduleSpecOf } from './explore.ts';

/** The schedule `query` names; undefined without `choices`; a sentence saying what is wrong otherwise. */
export function scheduleOfQuery(query: URLSearchParams): ScheduleSpec | string | undefined {
  const choices = query.get('choices');
  if (choices === null) return undefined;
  const list = (raw: string) => (raw.trim() === '' ? [] : raw.split(',').map((x) => Number(x)));
  const count = (name: string) => {
    const raw = query.get(name);
    return raw === null ? undefined : Number(raw);
  };
  const latencies = query.get('latencies');
  const duplicates = count('duplicates');
  const crashes = count('crashes');
  const restarts = count('restarts');
  const partitions = count('partitions');
  const partitionFault = count('partitionFault');
  const groups = query.get('partition');
  const spec = scheduleSpecOf({
    latencies: latencies === null ? [...EXPLORE_DEFAULTS.latencies] : list(latencies),
    losses: count('losses') ?? 0,
    ...(duplicates === undefined ? {} : { duplicates }),
    ...(crashes === undefined ? {} : { crashes }),
    ...(restarts === undefined ? {} : { restarts }),
    ...(partitions === undefined ? {} : { partitions }),
    ...(groups === null ? {} : { partitionGroups: groups.split('/').map((g) => g.split(',')) }),
    ...(partitionFault === undefined ? {} : { partitionFault }),
    choices: list(choices),
  });
  return typeof spec === 'string' ? `the link's schedule (choices=…): ${spec}` : spec;
}

/** `spec` as the query's parameters (the inverse of scheduleOfQuery). */
export function scheduleQuery(spec: ScheduleSpec): [string, string][] {
  return [
    ['latencies', spec.latencies.join(',')],
    ['losses', String(spec.losses)],
    ...(spec.duplicates === undefined
      ? []
      : [['duplicates', String(spec.duplicates)] as [string, string]]),
    ...(spec.crashes === undefined ? [] : [['crashes', String(spec.crashes)] as [string, string]]),
    ...(spec.restarts === undefined
      ? []
      : [['restarts', String(spec.restarts)] as [string, string]]),
    ...(spec.partitions === undefined
      ? []
      : [['partitions', String(spec.partitions)] as [string, string]]),
    ...(spec.partitionGroups === undefined
      ? []
      : [
          ['partition', spec.partitionGroups.map((g) => g.join(',')).join('/')] as [string, string],
        ]),
    ...(spec.partitionFault === undefined
      ? []
      : [['partitionFault', String(spec.partitionFault)] as [string, string]]),
    ['choices', spec.choices.join(',')],
  ];
}
