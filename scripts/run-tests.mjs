#!/usr/bin/env node
// Runs every *.test.ts under the given directories with Node's test runner, TypeScript loaded by tsx
// and workspace packages resolved to their sources (the "source" export condition).
// Usage: node scripts/run-tests.mjs [--concurrency N] (dir | file.test.ts) ...
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
let concurrency = 4;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--concurrency') concurrency = Number(args[++i]);
  else dirs.push(args[i]);
}

const SKIP = new Set(['node_modules', 'dist', '.floodgate', '.git']);
function collect(dir, out) {
  if (dir.endsWith('.test.ts')) {
    out.push(dir);
    return;
  }
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (SKIP.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (name.endsWith('.test.ts')) out.push(full);
  }
}

const files = [];
for (const d of dirs.length ? dirs : ['.']) collect(resolve(d), files);
files.sort();
if (files.length === 0) {
  console.error(`run-tests: no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--conditions=source', '--test', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'test' } },
);
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
