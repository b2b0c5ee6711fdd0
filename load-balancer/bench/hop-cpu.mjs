#!/usr/bin/env node
// CPU cost of the balancer hop alone: a bare node:http backend process, the load balancer process
// (main.ts) in front of it, autocannon driving the balancer on 127.0.0.1. Prints requests/s, p50/p99
// and the balancer's CPU time per request (user + system, from /proc), which is what the ≤ 80 µs
// budget is about and which, unlike rps, barely depends on what else the machine is doing.
// Usage: node load-balancer/bench/hop-cpu.mjs [--duration 10] [--connections 50] [--entry path/to/main.ts]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    entry: { type: 'string', default: resolve(here, '../src/main.ts') },
  },
});

const BACKEND = `
const http = require('node:http');
const body = JSON.stringify({ status: 'ok', instanceId: 'bench' });
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));`;

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
}

async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never became ready`);
}

const run = (opts) => new Promise((res, rej) => autocannon(opts, (err, r) => (err ? rej(err) : res(r))));

const [backendPort, lbPort] = [await freePort(), await freePort()];
const children = [];
try {
  const backend = spawn(process.execPath, ['-e', BACKEND], {
    env: { ...process.env, PORT: String(backendPort) },
    stdio: 'ignore',
  });
  children.push(backend);
  const lb = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', values.entry], {
    cwd: resolve(here, '../..'),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LB_PORT: String(lbPort),
      API_SERVERS: `http://127.0.0.1:${backendPort}`,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(lb);
  await waitFor(`http://127.0.0.1:${backendPort}/`);
  await waitFor(`http://127.0.0.1:${lbPort}/health`);
  const url = `http://127.0.0.1:${lbPort}/api/v1/status`;
  const connections = Number(values.connections);
  await run({ url, connections, duration: Number(values.warmup) });
  const cpuBefore = cpuMicros(lb.pid);
  const r = await run({ url, connections, duration: Number(values.duration) });
  const cpu = cpuMicros(lb.pid) - cpuBefore;
  const total = r.requests.total;
  console.log(
    JSON.stringify({
      entry: values.entry,
      rps: Math.round(r.requests.average),
      p50ms: r.latency.p50,
      p99ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      requests: total,
      lbCpuMicrosPerRequest: Math.round((cpu / total) * 10) / 10,
      loadavg1: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    }),
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
}
