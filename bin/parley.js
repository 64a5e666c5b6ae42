#!/usr/bin/env node
// The `parley` command: loads the TypeScript CLI through tsx, so the sources run as they are.
import { register } from 'tsx/esm/api';

register();
const { tuneV8 } = await import('../cli/v8.ts');
tuneV8();
const { guardTerminal } = await import('../cli/terminal.ts');
guardTerminal();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
