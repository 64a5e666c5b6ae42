// A test of my-protocol, written by `parley new protocol`; Node's own test runner runs it:
//   node --test my-protocol.test.mjs
// It runs the scenario with the parley command, as you would, and reads its --json result.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The parley command: $PARLEY_BIN, else the checkout that wrote this file.
const PARLEY_BIN = process.env.PARLEY_BIN ?? '__PARLEY_BIN__';
const scenario = fileURLToPath(new URL('./my-protocol.yaml', import.meta.url));

/** `parley run my-protocol.yaml --json` with `args`, as an object (exit 1, an unmet expectation, too). */
function run(...args) {
  try {
    return JSON.parse(
      execFileSync(process.execPath, [PARLEY_BIN, 'run', scenario, '--json', ...args], {
        encoding: 'utf8',
      }),
    );
  } catch (err) {
    if (err.status === 1 && err.stdout) return JSON.parse(err.stdout);
    throw err;
  }
}

test('my-protocol: every agent decides the asked value, at the documented seed', () => {
  const result = run();
  const statuses = Object.fromEntries(result.verdicts.map((v) => [v.property, v.status]));
  assert.deepEqual(statuses, { agreement: 'holds', validity: 'holds', termination: 'holds' });
  assert.equal(result.met, true);
});

test('my-protocol: two runs of one seed give the same trace', () => {
  assert.equal(run('--seed', '7').hash, run('--seed', '7').hash);
});
