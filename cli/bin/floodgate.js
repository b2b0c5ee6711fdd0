#!/usr/bin/env node
// Runs the floodgate CLI from its TypeScript sources: node --import tsx --conditions=source src/main.ts.
// tsx is resolved from here, so the command works from any directory.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const child = spawn(
  process.execPath,
  ['--import', import.meta.resolve('tsx'), '--conditions=source', main, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the child through the terminal; forwarding covers signals sent to this pid only.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
