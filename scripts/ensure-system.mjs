#!/usr/bin/env node
// Makes sure the Debian packages the tests need are installed: Chromium for
// the browser tests, Slurm and munge for the sweep-on-a-cluster test, pandas
// for the test that sweep files load in it, SimPy for the benchmark's peer
// (bench/simpy.py; not needed when the python3 on PATH imports simpy). Installs
// what is missing with apt-get when we are root, or says exactly what to do.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the python3 on PATH imports simpy already (a pip or pyenv install). */
function importsSimpy() {
  try {
    execFileSync('python3', ['-c', 'import simpy'], { stdio: 'ignore', cwd: '/' });
    return true;
  } catch {
    return false;
  }
}
const needs = [
  { path: chromium, pkg: 'chromium' },
  { path: '/usr/sbin/slurmctld', pkg: 'slurm-wlm' },
  { path: '/usr/sbin/munged', pkg: 'munge' },
  { path: '/usr/lib/python3/dist-packages/pandas', pkg: 'python3-pandas' },
  { path: '/usr/lib/python3/dist-packages/simpy', pkg: 'python3-simpy3', elsewhere: importsSimpy },
];
const missing = needs.filter((n) => !existsSync(n.path) && !n.elsewhere?.());
if (missing.length === 0) process.exit(0);
const pkgs = [...new Set(missing.map((n) => n.pkg))];

if (typeof process.getuid === 'function' && process.getuid() === 0) {
  console.error(
    `parley: installing Debian packages the tests need: ${pkgs.join(', ')} (a minute or two)…`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
      stdio: 'inherit',
      env,
    });
  } catch (err) {
    console.error(`parley: installing ${pkgs.join(', ')} failed: ${err.message}`);
    process.exit(1);
  }
  const still = needs.filter((n) => !existsSync(n.path) && !n.elsewhere?.());
  if (still.length === 0) process.exit(0);
  console.error(`parley: installed, but still missing: ${still.map((n) => n.path).join(', ')}`);
  process.exit(1);
}
console.error(
  `parley: the tests need ${missing.map((n) => n.path).join(', ')}.\n` +
    `  Install them with: sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}\n` +
    '  (or point PARLEY_CHROMIUM at a Chromium binary).',
);
process.exit(1);
