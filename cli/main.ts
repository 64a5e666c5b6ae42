/**
 * Entry of the `parley` command line. Node only. Only what every command
 * needs is imported here: the scenario loader, the engine and each
 * command's own module come in one import (commands.ts) when a command uses
 * them, so that `parley --version`, `help` and `list` start at once.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { ENGINE_CHOICES, type EngineChoice, FastPathError } from '../sim/fast/choice.ts';
import { checkSeed } from '../sim/rng.ts';
import { PARLEY_VERSION } from '../sim/version.ts';
import { catalogNames, plainCatalogDescription } from './catalog-names.ts';
import { internalErrorText, reproduceCommand, shellWord, UsageError } from './errors.ts';
import { checkWritable, safeStem, writeWhole } from './files.ts';
import { portOf, SERVE_PORT_DEFAULT, serve } from './serve.ts';

/**
 * Exit codes: 0 done (and every expectation met), 1 an expectation unmet, 2
 * invalid input, 3 a bug (an engine invariant broke, in parley or in a protocol).
 */
const EXIT_UNMET = 1;
const EXIT_INVALID = 2;
const EXIT_BUG = 3;

/** Commands that run no scenario, and so start without the engine's hosts. */
const HOSTLESS = new Set(['list', 'version', 'serve', 'new', 'schema', 'merge', 'export']);

/**
 * The scenario, variant and overrides of the command running now, so that a
 * broken invariant is reported with the command that reproduces it.
 */
let running: { name: string; variant?: string | undefined; set: readonly string[] } | undefined;

function seedOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(
      `the seed is a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
    );
  checkSeed(n);
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--engine`: how protocol machines are stepped; the trace is the same whichever. */
const engineOption = () =>
  new Option(
    '--engine <engine>',
    'step protocol machines on xstate, on the compiled fast path, or on the fast path where the machine compiles (auto); the trace is the same',
  )
    .choices(ENGINE_CHOICES)
    .default('auto' as EngineChoice);

function program(): Command {
  // The options every command that loads a scenario takes, defined once.
  const variantOption = () => new Option('--variant <name>', 'apply a variant named in the file');
  const setOption = () =>
    new Option('--set <path=value>', 'override a value by its dotted path (repeatable)')
      .argParser(collect)
      .default([] as string[]);

  const p = new Command('parley')
    .description('a deterministic multi-agent coordination simulator')
    .version(PARLEY_VERSION, '-V, --version')
    .showHelpAfterError('(run `npx parley help` for the commands)')
    .exitOverride()
    // Before a command that may run a scenario: process agents' programs and
    // model agents' calls go through this machine's hosts.
    .hook('preAction', async (_p, command) => {
      if (HOSTLESS.has(command.name())) return;
      const { registerModelHost, registerProcessHost } = await import('./commands.ts');
      registerProcessHost();
      registerModelHost();
    });

  p.command('list')
    .description('the scenario catalogue, one line each')
    .action(async () => {
      const names = catalogNames();
      const width = Math.max(...names.map((n) => n.length));
      const lines: string[] = [];
      for (const name of names) {
        // A description not written plainly is read by the YAML parser, loaded then.
        const description =
          plainCatalogDescription(name) ?? (await import('./commands.ts')).catalogDescription(name);
        lines.push(`${name.padEnd(width)}  ${description ?? ''}\n`);
      }
      process.stdout.write(lines.join(''));
    });

  p.command('show')
    .description("a scenario's lesson and its resolved parameters")
    .argument('<scenario>', 'a catalogue name or a YAML/JSON file')
    .addOption(variantOption())
    .addOption(setOption())
    .action(async (name, o) => {
      const { prepareNamed, loadNamed, lessonOf, scenarioYaml } = await import('./commands.ts');
      await prepareNamed(name, { variant: o.variant, overrides: o.set });
      const { source } = loadNamed(name, { variant: o.variant, overrides: o.set });
      const lesson = lessonOf(name);
      if (lesson !== undefined)
        process.stdout.write(`${lesson.trimEnd()}\n\n## Resolved parameters\n\n`);
      process.stdout.write(scenarioYaml(source));
    });

  p.command('schema')
    .description('the JSON Schema of scenario files, for editors')
    .action(async () => {
      const { PROTOCOLS, SCHEDULERS, scenarioJsonSchema } = await import('./commands.ts');
      const schema = scenarioJsonSchema(PROTOCOLS.values(), SCHEDULERS);
      process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });

  p.command('run')
    .description('run a scenario once and judge it')
    .argument('<scenario>', 'a catalogue name or a YAML/JSON file')
    .option('--seed <n>', "root seed; default the scenario's documented seed, else 1", seedOption)
    .addOption(variantOption())
    .addOption(setOption())
    .addOption(engineOption())
    .option('--trace <file>', 'write the trace as JSONL')
    .option('--out <file>', 'the same as --trace')
    .option('--json', 'print the result as JSON')
    .option(
      '--cassette <file>',
      "model agents' replies: answer from this JSONL file of recorded replies, ask the model only for requests it lacks, and append those",
    )
    .option(
      '--story',
      "print the run's key moments in words, one per line (tick first), after the verdicts; with --json, a moments array",
    )
    .option(
      '--check-determinism',
      'run it twice here and once in a fresh thread, and compare the traces line by line (exit 1 on a difference)',
    )
    .option(
      '--choices <indexes>',
      "a schedule from `parley explore`: the option taken at each choice point (the network's loss and latency draws, chosen faults and marked draws)",
    )
    .option('--latencies <ticks>', 'with --choices: the latencies of the schedule (default 1,2)')
    .option('--losses <k>', 'with --choices: the losses the schedule could choose (default 0)')
    .option('--duplicates <k>', 'with --choices: the duplicates the schedule could choose')
    .option('--crashes <c>', 'with --choices: the crashes the schedule could choose')
    .option('--restarts <r>', 'with --choices: the restarts the schedule could choose')
    .option('--partitions <p>', 'with --choices: the partition starts the schedule could choose')
    .option(
      '--partition <groups>',
      "with --partitions: the partition's groups (a,b,c/d,e); default the scenario's partition fault",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npx parley run two-phase-commit\n  npx parley run paxos-lossy --seed 9 --set network.dropRatio=0.4 --trace t.jsonl\n  npx parley run lossy-handoff --variant mitigated --json\n  npx parley run two-generals --seed 2 --story\n  npx parley run ./ask-confirm.yaml --check-determinism',
    )
    .action(async (name, o) => {
      const {
        catalogModels,
        cassetteHost,
        checkDeterminism,
        hostsMade,
        judge,
        keyMoments,
        loadNamed,
        NodeModelHost,
        prepareNamed,
        programStderr,
        registerModelHostFor,
        runSchedule,
        runScenario,
        scheduleChooser,
        scheduleFlags,
        stopSentence,
        storyLines,
        troubleLines,
        viewOf,
      } = await import('./commands.ts');
      const tracePath = o.trace ?? o.out;
      running = { name, variant: o.variant, set: o.set };
      await prepareNamed(name, { variant: o.variant, overrides: o.set });
      const { scenario, source } = loadNamed(name, { variant: o.variant, overrides: o.set });
      const seed = o.seed ?? source.seed ?? 1;
      if (tracePath !== undefined) checkWritable(tracePath);
      const schedule = runSchedule(o, scenario);
      if (schedule !== undefined && o.checkDeterminism === true)
        throw new UsageError('--check-determinism does not take a schedule (--choices) yet');
      if (o.checkDeterminism === true) {
        // Model agents answer in every run as in one: from --cassette, else a catalogue scenario's cassette.
        registerModelHostFor(name, o.cassette);
        const d = await checkDeterminism(
          scenario,
          seed,
          { name, variant: o.variant, set: o.set, cassette: o.cassette },
          o.engine,
        );
        if (tracePath !== undefined) writeWhole(tracePath, d.trace.lines());
        const where = `${scenario.name} · seed ${seed}`;
        if (o.json)
          process.stdout.write(
            `${JSON.stringify({ scenario: scenario.name, seed, identical: d.identical, hash: d.trace.hash(), message: d.message })}\n`,
          );
        else process.stdout.write(`${where}: ${d.message}\n`);
        if (!d.identical) process.exitCode = EXIT_UNMET;
        return;
      }
      const made = hostsMade.length;
      // A catalogue scenario whose agents ask a model answers from its cassette.
      const models =
        o.cassette === undefined
          ? catalogModels(name, scenario)
          : cassetteHost(o.cassette, () => new NodeModelHost());
      const run = runScenario(scenario, {
        seed,
        engine: o.engine,
        ...(schedule === undefined ? {} : { chooser: scheduleChooser(schedule) }),
        ...(models === undefined ? {} : { models }),
      });
      models?.close();
      // One index of the trace for the checkers, the troubles and the story.
      const view = viewOf(run.trace);
      const judged = judge(view);
      if (tracePath !== undefined) writeWhole(tracePath, run.trace.lines());
      // What process agents' programs wrote on standard error: beside the trace, and the end of it for a failed one.
      const host = hostsMade.length > made ? hostsMade.at(-1) : undefined;
      const stderrNotes =
        host === undefined ? [] : programStderr(host.stderr, view, tracePath, o.json === true);
      const reproduce = [
        reproduceCommand(name, seed, o.variant, o.set),
        ...(schedule === undefined ? [] : scheduleFlags(schedule)),
        ...(o.cassette === undefined ? [] : [`--cassette ${shellWord(o.cassette)}`]),
      ].join(' ');
      const troubles = troubleLines(view);
      const moments = o.story === true ? keyMoments(view, judged.verdicts) : undefined;
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({
            scenario: scenario.name,
            seed,
            stop: run.stop,
            events: run.events,
            records: run.trace.length,
            hash: run.trace.hash(),
            decisions: run.decisions,
            verdicts: judged.verdicts,
            met: judged.met,
            troubles,
            reproduce,
            ...(moments === undefined ? {} : { moments }),
          })}\n`,
        );
      } else {
        const out: string[] = [
          `${scenario.name} · seed ${seed} · ${run.events} events · ${run.trace.length} records`,
          `${stopSentence(run.stop, scenario.limits)}`,
          `decisions: ${new Set(run.decisions.map((d) => d.agent)).size} of ${scenario.agents.length} agents`,
          ...troubles.map((t) => `  ! ${t}`),
          ...stderrNotes,
        ];
        const width = Math.max(...judged.verdicts.map((v) => v.property.length));
        for (const v of judged.verdicts) {
          const mark = v.expect === undefined ? '·' : v.met ? '✓' : '✗';
          const expected = v.expect === undefined ? '' : ` (expected ${v.expect})`;
          const records =
            v.records.length > 0
              ? ` [records ${v.records.slice(0, 8).join(', ')}${v.records.length > 8 ? ', …' : ''}]`
              : '';
          out.push(
            `  ${mark} ${v.property.padEnd(width)}  ${v.status}${expected}: ${v.summary}${records}`,
          );
          // Scalar metrics, rounded for reading; --json keeps them exact.
          const metrics = Object.entries(v.metrics ?? {})
            .filter(
              ([, x]) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean',
            )
            .map(
              ([k, x]) =>
                `${k} ${typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(4)) : x}`,
            );
          if (metrics.length > 0)
            out.push(`    ${' '.repeat(width)}  metrics: ${metrics.join(', ')}`);
        }
        out.push(judged.met ? 'every expectation met' : 'some expectations were not met');
        // A failure a scenario expects but this seed did not show: luck, not a bug; say so.
        const unshown = judged.verdicts.filter((v) => v.expect === 'fails' && !v.met);
        if (unshown.length > 0 && source.seed !== undefined && seed !== source.seed)
          out.push(
            `this seed did not show the ${unshown.map((v) => v.property).join(' and ')} failure the scenario expects; the documented seed is ${source.seed}; a sweep shows how often it fails: npx parley sweep ${shellWord(name)}`,
          );
        out.push(
          `trace hash ${run.trace.hash()}${tracePath === undefined ? '' : ` (written to ${tracePath})`}`,
        );
        out.push(`reproduce: ${reproduce}`);
        if (moments !== undefined)
          out.push(
            moments.length === 0 ? 'key moments: none found' : 'key moments:',
            ...storyLines(moments).map((line) => `  ${line}`),
          );
        process.stdout.write(`${out.join('\n')}\n`);
      }
      if (!judged.met) process.exitCode = EXIT_UNMET;
    });

  p.command('explore')
    .description(
      "every schedule of a small configuration: the network's latencies and losses, chosen faults and protocols' marked draws become choices; a violation of a safety check, or what was covered",
    )
    .argument('<scenario>', 'a catalogue name or a YAML/JSON file')
    .option(
      '--seed <n>',
      "seed of what is not a choice (agents' unmarked draws, the scenario's faults); default the scenario's, else 1",
      seedOption,
    )
    .addOption(variantOption())
    .addOption(setOption())
    .option(
      '--depth <d>',
      'most choice points a schedule explores; past it each takes its first option (default 30)',
    )
    .option('--losses <k>', 'most messages a schedule may lose (default 0)')
    .option('--duplicates <k>', 'most message copies a schedule may duplicate (default 0)')
    .option('--crashes <c>', 'most agents a schedule may crash, one before an event (default 0)')
    .option(
      '--restarts <r>',
      'most restarts a schedule may choose, of agents it crashed, one before an event (default 0)',
    )
    .option(
      '--partitions <p>',
      'most times a schedule may start the partition (default 0); while it is in force, before each event, whether it heals',
    )
    .option(
      '--partition <groups>',
      "the partition's groups, agents by commas, groups by slashes (a,b,c/d,e); default the scenario's first partition fault, whose timing the choices then replace",
    )
    .option(
      '--liveness',
      'judge termination on complete runs too, and report a schedule that comes back to a state on its own path with an agent up undecided (a cycle)',
    )
    .option('--latencies <ticks>', 'the latencies a message copy may take (default 1,2)')
    .option(
      '--states-max <n>',
      'most distinct states kept, and most schedules waiting for bfs (default 1000000)',
    )
    .option('--schedules-max <n>', 'most schedules run (default 1000000)')
    .option('--time-max <seconds>', 'stop the search after this many seconds (say 60 or 0.5)')
    .option('--memory-max <MB>', 'stop the search when the JavaScript heap reaches this many MB')
    .option(
      '--strategy <name>',
      'dfs (depth-first), iddfs (iterative deepening: the fewest choice points), bfs (breadth-first: the fewest too, each schedule run once) or pct (random priority schedules)',
    )
    .option('--runs <n>', 'pct: random schedules run (default 1000)')
    .option(
      '--pct-depth <d>',
      'pct: the bug depth targeted, d - 1 priority change points per run (default 3)',
    )
    .option('--no-prune', 'run every schedule, without state fingerprints')
    .option('--out <file>', 'where a violating trace goes; default NAME-violation.jsonl')
    .addHelpText(
      'after',
      `
Each message that would reach the network is a choice point: its latency
from --latencies and, while fewer than --losses were chosen, whether it is
lost (the links' loss and latency draws are replaced); while fewer than
--duplicates were chosen, whether a copy goes twice; while fewer than
--crashes, before each event, whether an agent up crashes (and which);
while fewer than --restarts, whether an agent the schedule crashed
restarts (its persistent keys kept); with --partitions P, before each
event, whether the partition (--partition, else the scenario's partition
fault, not scheduled then) starts, at most P times, or, in force, heals.
A draw a protocol marks (choose, coin: Ben-Or's random coin) is a choice
point too, with every option explored.
Depth-first over the choices, from the start for each schedule; a state
(fingerprint of agents, pending events, partitions, decisions, choices
used) already explored with as many choices left is not explored again.
Breadth-first (bfs) runs the same tree level by level, each schedule from
the start too (the frontier holds prefixes of choices), so its violation
has the fewest explored choice points, as iddfs's, without running the
shallow levels again. PCT (Burckhardt et al., ASPLOS 2010) gives the agents
random priorities and d - 1 change points among k = --depth sends; a
sender's rank picks its latency, and faults (--losses, --duplicates,
--crashes) happen at change points; it prints the documented bound
1/(n·k^(d-1)) on finding a bug of depth d in one run, and the runs done.
With --liveness, a cycle through a marked draw is no violation unless a
fair draw cannot leave it: the states seen form a graph, and an undecided
set of them, strongly connected, that every value of each draw in it
stays in, is a fair cycle (a violation).
The scenario's safety checks (agreement, validity, integrity, breach) are
judged at every state, and a schedule stops at its first violation. Each
bound hit (--depth, --states-max, --schedules-max, --time-max,
--memory-max, --runs) is printed. Exit 1 on a violation (its trace written
to --out, with the \`parley run\` command that makes it again and the
page's link that opens it at the violating record), 0 on none, 2 on bad
input.

Examples:
  npx parley explore two-generals --set network.dropRatio=0 --losses 1 --strategy iddfs
  npx parley explore majority-vote-partition --variant mitigated --set params.resendsMax=0 --partitions 1 --latencies 1
  npx parley explore two-phase-commit --set faults=[] --crashes 1 --restarts 1 --latencies 1
  npx parley explore two-generals --set network.dropRatio=0 --set params.hops=3 --losses 1 --strategy pct --pct-depth 2 --depth 10`,
    )
    .action(async (name, o) => {
      running = { name, variant: o.variant, set: o.set };
      const { prepareNamed, exploreCommand } = await import('./commands.ts');
      await prepareNamed(name, { variant: o.variant, overrides: o.set });
      const r = await exploreCommand(name, o, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`${r.lines.join('\n')}\n`);
      if (r.result === undefined) process.exitCode = 130;
      else if (r.result.violation !== undefined) process.exitCode = EXIT_UNMET;
    });

  p.command('replay')
    .description("run a trace's manifest again and check the new trace is identical, line for line")
    .argument('<trace>', 'a JSONL trace written by `parley run --out`')
    .option(
      '--protocols <dir>',
      "where the run's protocol files are (their paths as the scenario wrote them start here); default the trace's folder",
    )
    .option(
      '--live',
      "start process agents' programs again (from --protocols or the trace's folder) and ask model agents' model again, instead of answering from the recording, and name the first step whose output differs",
    )
    .option(
      '--cassette <file>',
      "model agents' replies from this JSONL file of recorded replies instead of the trace's, the model asked for requests it lacks (appended)",
    )
    .addOption(engineOption())
    .addHelpText(
      'after',
      '\nExamples:\n  npx parley run paxos-lossy --out t.jsonl && npx parley replay t.jsonl\n  npx parley replay broadcast.jsonl --live',
    )
    .action(async (file, o) => {
      const { replay, cassetteHost, NodeModelHost } = await import('./commands.ts');
      const outcome = await replay(
        file,
        undefined,
        o.protocols,
        o.engine,
        o.live === true,
        o.cassette === undefined ? undefined : cassetteHost(o.cassette, () => new NodeModelHost()),
      );
      process.stdout.write(`${file}: ${outcome.message}\n`);
      if (!outcome.identical) process.exitCode = EXIT_UNMET;
    });

  p.command('diff')
    .description(
      'compare two runs: two trace files, or a scenario against its variant, another seed or overrides',
    )
    .argument('<a>', 'a JSONL trace, or a scenario (catalogue name or YAML/JSON file)')
    .argument('[b]', 'the second JSONL trace, when comparing files')
    .option(
      '--seed <n>',
      "a scenario's seed for both runs; default its documented seed, else 1",
      seedOption,
    )
    .option(
      '--variant <name>',
      'the second run applies this variant; the first runs the scenario as it is',
    )
    .option('--set <path=value>', 'an override for both runs (repeatable)', collect, [] as string[])
    .option('--seed-b <n>', 'the second run uses this seed instead', seedOption)
    .option(
      '--set-b <path=value>',
      'an override for the second run only, after --set (repeatable)',
      collect,
      [] as string[],
    )
    .option('--json', 'print the comparison as one JSON object')
    .option(
      '--cassette <file>',
      "model agents answer from this cassette first, and the model's new answers are appended; default a catalogue scenario's own cassette",
    )
    .addHelpText(
      'after',
      `
A scenario runs twice: A with --seed and --set (used by both runs), B the
same changed by --variant, --seed-b and --set-b. It prints whether the runs
are identical, the first record that differs in each (seq, tick and the line
as the trace writes it), the verdicts that changed (judged again from each
trace's checks for files) and every metric of both, marking those that
differ. Exit 0 identical, 1 they differ, 2 bad input.

Examples:
  npx parley diff confused-deputy-db --variant mitigated
  npx parley diff two-generals --seed 2 --seed-b 3
  npx parley diff paxos-lossy --set-b network.dropRatio=0.4
  npx parley diff a.jsonl b.jsonl --json`,
    )
    .action(async (a, b, o) => {
      if (b === undefined) running = { name: a, variant: o.variant, set: [...o.set, ...o.setB] };
      else if (o.cassette !== undefined)
        throw new UsageError(
          '--cassette is for a scenario run twice; two trace files carry their own model replies',
        );
      const { diff, registerModelHostFor } = await import('./commands.ts');
      if (b === undefined) registerModelHostFor(a, o.cassette);
      const r = await diff(a, b, o);
      process.stdout.write(r.output);
      if (!r.identical) process.exitCode = EXIT_UNMET;
    });

  p.command('sweep')
    .description(
      'run a grid of parameters times many seeds on all cores; tidy rows to CSV, JSONL or Parquet',
    )
    .argument('<scenario>', 'a catalogue name or a YAML/JSON file')
    .option(
      '--vary <path=values>',
      'an axis: path=v1,v2,… (a YAML list without its brackets: quote a value with a comma) or path=start:stop:step (repeatable); default the scenario sweep',
      collect,
      [] as string[],
    )
    .option(
      '--seeds <n|start:stop>',
      'seeds per grid point: N for seeds 1..N, or a range such as 1001:2000 (a second sweep with new seeds); default the scenario sweep, else 10',
    )
    .option(
      '--workers <n>',
      'runs at once, on worker threads and, where every machine is compiled, the command itself; default the number of cores',
    )
    .option('--out <file>', 'rows file, .csv, .jsonl or .parquet; default NAME-sweep.csv')
    .option('--shard <i/n>', 'run only shard i of n (merge the shards with `parley merge`)')
    .option('--resume', 'continue an interrupted sweep in --out, or finish it')
    .option(
      '--spreadsheet-safe',
      'prefix a quote to CSV cells starting with = + - @ tab or CR (not to numbers such as -0.5), so a spreadsheet does not run them as formulas; the data is then no longer exact',
    )
    .addOption(variantOption())
    .addOption(setOption())
    .addOption(engineOption())
    .option(
      '--cassette <file>',
      "model agents' replies: answer from this JSONL file of recorded replies; every worker asks the model for requests it lacks and appends each answer as one whole line",
    )
    .option('--stop-after <n>', 'stop after n rows, as an interruption would (for testing resume)')
    .addHelpText(
      'after',
      `
Files: the rows (--out), FILE.manifest.json (what was run; once finished, the
row count and SHA-256 of the rows), and NAME.summary.csv (each check's rate per
grid point, and the mean and percentiles of ticks, events and metrics). CSV, JSONL and Parquet hold the values exactly as they are, for
pandas, R and DuckDB; a cell such as =HYPERLINK(…) from a scenario's text is
written as it is. Opening a CSV in a spreadsheet? Add --spreadsheet-safe.
Ctrl-C stops after the runs in progress (twice: at once); --resume continues.
A path fixed by --variant or --set wins over the scenario's sweep axis on it
(or inside or around it): that axis is dropped, with a line on stderr; an
explicit --vary on a path --set or --variant fixes is refused (exit 2).

Examples:
  npx parley sweep two-generals
  npx parley sweep lossy-handoff --vary network.dropRatio=0:0.4:0.1 --seeds 200 --out handoff.csv
  npx parley sweep two-generals --vary 'params.plan="attack, at dawn",retreat' --seeds 20
  npx parley sweep gossip-loss --shard 1/4 --out part1.csv`,
    )
    .action(async (name, o) => {
      const { prepareNamed, readCassette, sweep } = await import('./commands.ts');
      await prepareNamed(name, { variant: o.variant, overrides: o.set, vary: o.vary, sweep: true });
      // A bad cassette line is told here, once, before any worker starts.
      if (o.cassette !== undefined) readCassette(o.cassette);
      const { interrupted } = await sweep(name, o);
      if (interrupted) process.exitCode = 130;
    });

  p.command('merge')
    .description(
      'join the shards of a sweep into one file and its summary, checking each shard against its manifest and that no run is missing or doubled',
    )
    .argument(
      '<files...>',
      'the shard files (each with its .manifest.json beside it); summaries and manifests a glob also matches are skipped',
    )
    .requiredOption(
      '--out <file>',
      "the merged file, in the shards' format (.csv, .jsonl or .parquet)",
    )
    .option(
      '--spreadsheet-safe',
      'prefix a quote to CSV cells starting with = + - @ tab or CR (not to numbers), for spreadsheets',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npx parley merge part1.csv part2.csv part3.csv --out all.csv\n  npx parley merge part*.csv --out all.csv      # part1.summary.csv and the manifests are skipped',
    )
    .action(async (files, o) => {
      const { merge } = await import('./commands.ts');
      const r = await merge(files, o.out, { spreadsheetSafe: o.spreadsheetSafe === true });
      process.stdout.write(`${r.rows} runs merged into ${o.out}; summary in ${r.summaryPath}\n`);
    });

  p.command('export')
    .description('a trace as a ShiViz log (vector clocks) or a static SVG space-time diagram')
    .argument('<trace>', 'a JSONL trace written by `parley run --trace`')
    .requiredOption('--format <format>', 'shiviz or svg')
    .option('--out <file>', 'the output file; default the trace name with .shiviz.log or .svg')
    .addHelpText(
      'after',
      '\nExamples:\n  npx parley export t.jsonl --format svg\n  npx parley export t.jsonl --format shiviz   # paste into https://bestchai.bitbucket.io/shiviz/',
    )
    .action(async (file, o) => {
      if (o.format !== 'shiviz' && o.format !== 'svg')
        throw new UsageError(`--format ${o.format}: use shiviz or svg`);
      const { readTrace, shivizLines, traceSvgLines } = await import('./commands.ts');
      const trace = readTrace(file);
      const out =
        o.out ?? file.replace(/\.jsonl$/, '') + (o.format === 'svg' ? '.svg' : '.shiviz.log');
      writeWhole(out, o.format === 'svg' ? traceSvgLines(trace) : shivizLines(trace));
      process.stdout.write(`${out}\n`);
    });

  p.command('shrink')
    .description('find a smaller run that still violates the same property, at the same seed')
    .argument(
      '<scenario>',
      'a catalogue name, a YAML/JSON file, or a JSONL trace of the failing run',
    )
    .option(
      '--seed <n>',
      "the failing seed; default the trace's, or the scenario's documented seed",
      seedOption,
    )
    .option(
      '--property <name>',
      'the property to keep violated; default the first check that fails',
    )
    .addOption(variantOption())
    .addOption(setOption())
    .option('--out <file>', 'the shrunk scenario; default NAME-shrunk.yaml')
    .option('--force', 'overwrite the shrunk scenario file if it exists')
    .option(
      '--protocols <dir>',
      "for a trace: where the run's protocol files are; default the trace's folder",
    )
    .option(
      '--cassette <file>',
      "model agents answer from this cassette first (the model's new answers are appended); default a catalogue scenario's own cassette, or a trace's recorded replies",
    )
    .addHelpText(
      'after',
      '\nExample:\n  npx parley shrink llm-negotiation --seed 3 && npx parley run llm-negotiation-shrunk.yaml',
    )
    .action(async (name, o) => {
      running = { name, variant: o.variant, set: o.set };
      const {
        prepareNamed,
        scenarioYaml,
        prepareTrace,
        rebaseProtocolPaths,
        registerModelHostFor,
        registerModelHostForTrace,
        scheduleFlags,
        shrink,
      } = await import('./commands.ts');
      if (name.endsWith('.jsonl')) await prepareTrace(name, o.protocols);
      else await prepareNamed(name, { variant: o.variant, overrides: o.set });
      // The default name comes from the scenario's text: one safe path segment, here.
      const outOf = (scenarioName: string) => o.out ?? `${safeStem(scenarioName)}-shrunk.yaml`;
      if (o.out !== undefined && existsSync(o.out) && o.force !== true)
        throw new UsageError(`--out ${o.out} exists: add --force to overwrite it`);
      // Model agents answer as in `run` (a trace: its own replies first); a candidate that needs a reply no model gives is left out.
      if (name.endsWith('.jsonl')) registerModelHostForTrace(name, o.cassette);
      else registerModelHostFor(name, o.cassette);
      const r = shrink(name, o);
      const out = outOf(r.source.name);
      if (existsSync(out) && o.force !== true)
        throw new UsageError(`${out} exists: add --force to overwrite it, or choose --out`);
      // Model agents' replies go beside it, so the shrunk scenario runs without the model.
      const cassette = r.models.length === 0 ? undefined : cassetteBeside(out);
      if (cassette !== undefined && existsSync(cassette) && o.force !== true)
        throw new UsageError(`${cassette} exists: add --force to overwrite it, or choose --out`);
      // Protocol file paths start from the shrunk file's folder.
      const shrunk = rebaseProtocolPaths(r.source, r.files, dirname(resolve(out)));
      writeWhole(out, [scenarioYaml(shrunk).trimEnd()]);
      if (cassette !== undefined)
        writeWhole(
          cassette,
          r.models.map((m) => JSON.stringify(m)),
        );
      const width = Math.max(...r.dimensions.map((d) => d.name.length));
      const lines = [
        `${r.property} still fails the same way at seed ${r.seed} after ${r.runs} runs; agents ${r.agentsBefore} -> ${r.agentsAfter}`,
        ...r.dimensions.map(
          (d) =>
            `  ${d.name.padEnd(width)}  ${d.before === d.after ? d.before : `${d.before} -> ${d.after}`}`,
        ),
        ...(r.removed.length === 0
          ? ['nothing could be removed or lowered']
          : ['steps kept:', ...r.removed.map((x) => `  ${x}`)]),
        ...(r.unanswered === 0
          ? []
          : [
              `${r.unanswered} candidate run${r.unanswered === 1 ? '' : 's'} left out: a model agent's call reached no model (the replies were not recorded); with the model running, or a --cassette holding them, shrink can go further`,
            ]),
        r.schedule !== undefined
          ? `written to ${out}; the shrunk schedule runs with: npx parley run ${shellWord(out)} ${scheduleFlags(r.schedule).join(' ')}`
          : cassette === undefined
            ? `written to ${out}; see it with: npx parley run ${shellWord(out)}`
            : `written to ${out}, its model replies to ${cassette}; see it with: npx parley run ${shellWord(out)} --cassette ${shellWord(cassette)}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  p.command('new')
    .description(
      'start a protocol of your own: NAME.ts, NAME.yaml and NAME.test.mjs in this folder',
    )
    .argument('<what>', 'protocol')
    .argument('<name>', "the protocol's name, e.g. ask-confirm")
    .addHelpText(
      'after',
      '\nExample:\n  npx parley new protocol ask-confirm && npx parley run ask-confirm.yaml',
    )
    .action(async (what, name) => {
      if (what !== 'protocol')
        throw new UsageError(
          `parley new ${what}: parley makes only protocols: parley new protocol NAME`,
        );
      const { newProtocol } = await import('./commands.ts');
      process.stdout.write(`${newProtocol(name).join('\n')}\n`);
    });

  p.command('serve')
    .description('serve the page (built) on this machine and print its URL')
    .option('--host [address]', 'serve it on every network interface (or on ADDRESS), for a room')
    .option(
      '--port <n>',
      `the port; default ${SERVE_PORT_DEFAULT}, or the next free one; 0 for any free port`,
      portOf,
    )
    .addHelpText('after', '\nExamples:\n  npx parley serve\n  npx parley serve --host --port 8080')
    .action(async (o) => {
      const { lines } = await serve({ host: o.host, port: o.port });
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  p.command('version')
    .description("print parley's version")
    .action(() => {
      process.stdout.write(`${PARLEY_VERSION}\n`);
    });

  return p;
}

/**
 * Runs one parley command line (`argv` without `node parley`) and returns its
 * exit code; what it says goes to stdout and stderr. Callable more than once
 * in a process (the command-line fuzz test does).
 */
export async function main(argv: readonly string[]): Promise<number> {
  running = undefined;
  process.exitCode = 0;
  try {
    const p = program();
    if (argv.length === 0) {
      p.outputHelp();
      return 0;
    }
    await p.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : EXIT_INVALID;
    }
    if ((err as Error)?.name === 'ScenarioLoadError') {
      // A scenario failed to load, so the loader's module is loaded already.
      const { ScenarioLoadError, formatProblem } = await import('./commands.ts');
      if (err instanceof ScenarioLoadError) {
        process.stderr.write(`${err.problems.map((p) => formatProblem(err.file, p)).join('\n')}\n`);
        return EXIT_INVALID;
      }
    }
    if (
      err instanceof UsageError ||
      err instanceof FastPathError ||
      (err as Error)?.name === 'ScenarioError' ||
      // A model agent's request that no recording or live model answers.
      (err as Error)?.name === 'ModelHostError'
    ) {
      process.stderr.write(`parley: ${(err as Error).message}\n`);
      return EXIT_INVALID;
    }
    const code = (err as NodeJS.ErrnoException)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && 'path' in (err as object)) {
      // A file the user named could not be read or written (no such folder, no permission, disk full).
      const e = err as NodeJS.ErrnoException;
      process.stderr.write(
        `parley: ${e.path}: ${e.syscall === 'open' || e.syscall === 'rename' ? 'cannot write or read it' : e.syscall}: ${code}\n`,
      );
      return EXIT_INVALID;
    }
    process.stderr.write(`${internalErrorText(err, running)}\n`);
    return EXIT_BUG;
  }
}

/** The cassette kept beside shrunk scenario file `out`: NAME.cassette.jsonl. */
function cassetteBeside(out: string): string {
  return `${out.replace(/\.(ya?ml|json)$/i, '')}.cassette.jsonl`;
}
