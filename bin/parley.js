#!/usr/bin/env node
// The `parley` command. It runs the compiled build (dist-cli/, written by
// scripts/build-cli.mjs at `npm install`, `npm ci` and `npm pack`) when that
// build was made from the sources as they are, and otherwise the TypeScript
// sources through tsx, saying nothing: an edited checkout runs what it holds,
// only slower to start (`npm run build:cli` makes it quick again). The choice
// reaches worker threads and the protocol-file resolve hook through
// PARLEY_BUILD (cli/compiled.mjs).
import { existsSync } from 'node:fs';
import { BUILD_ENV, currentBuild } from '../cli/compiled.mjs';

const build = currentBuild();
let modules;
if (build !== undefined) {
  process.env[BUILD_ENV] = build;
  // Stack traces name the TypeScript sources when asked for (reading the maps costs time).
  if (process.env.PARLEY_DEBUG === '1') process.setSourceMapsEnabled(true);
  modules = { v8: `${build}v8.js`, terminal: `${build}terminal.js`, main: `${build}main.js` };
} else if (existsSync(new URL('../cli/main.ts', import.meta.url))) {
  delete process.env[BUILD_ENV];
  const { register } = await import('tsx/esm/api');
  register();
  modules = { v8: '../cli/v8.ts', terminal: '../cli/terminal.ts', main: '../cli/main.ts' };
} else {
  process.stderr.write(
    'parley: this installation has neither its compiled build (dist-cli/build.json) nor its sources: install it again\n',
  );
  process.exit(3);
}
const { tuneV8 } = await import(modules.v8);
tuneV8();
const { guardTerminal } = await import(modules.terminal);
guardTerminal();
const { main } = await import(modules.main);
process.exitCode = await main(process.argv.slice(2));
