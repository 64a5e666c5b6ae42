/** Entry of the `parley` command line. Node only. */
import { PARLEY_VERSION } from '../sim/index.ts';

const HELP = `parley ${PARLEY_VERSION}: a deterministic multi-agent coordination simulator

Usage: npx parley <command> [options]

Commands:
  version        print parley's version
  help           print this help

Scenario, run, replay, sweep and shrink commands come with the scenario format.
`;

function main(argv: readonly string[]): number {
  const [command] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    case 'version':
    case '--version':
    case '-V':
      process.stdout.write(`${PARLEY_VERSION}\n`);
      return 0;
    default:
      process.stderr.write(
        `parley: unknown command "${command}"; run \`npx parley help\` for the list\n`,
      );
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
