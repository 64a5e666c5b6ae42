#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the browser tests: installs it
// with apt-get when it is missing and we are root, or says exactly what to do.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

if (typeof process.getuid === 'function' && process.getuid() === 0) {
  console.error(
    `parley: ${path} is missing; installing Debian's chromium package (about a minute)…`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env,
    });
  } catch (err) {
    console.error(`parley: installing chromium failed: ${err.message}`);
    process.exit(1);
  }
  if (existsSync(path)) process.exit(0);
  console.error(`parley: chromium installed but ${path} is still missing`);
  process.exit(1);
}
console.error(
  `parley: the browser tests need Chromium at ${path}.\n` +
    '  Install it with: sudo apt-get install -y chromium\n' +
    '  or point PARLEY_CHROMIUM at a Chromium binary.',
);
process.exit(1);
