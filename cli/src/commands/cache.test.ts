import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCache } from './cache.js';

const TOKEN = 'cache-admin-token';
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** A fake gateway cache admin API; `down` lists one instance as unreachable. */
let down = false;
const seen: { method: string; url: string; body: string }[] = [];

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const instances = () => [
  { id: 'api-1', url: 'http://127.0.0.1:3001', ok: true },
  down
    ? { id: 'api-2', url: 'http://127.0.0.1:3002', ok: false, error: 'ECONNREFUSED' }
    : { id: 'api-2', url: 'http://127.0.0.1:3002', ok: true },
];

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += String(c);
  });
  req.on('end', () => {
    seen.push({ method: req.method as string, url: req.url as string, body });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      send(res, 401, {
        error: { code: 'INVALID_TOKEN', message: 'Session token is invalid', requestId: 'r' },
      });
    } else if (req.method === 'GET' && req.url === '/api/v1/admin/cache') {
      send(res, 200, {
        ok: !down,
        instances: { total: 2, reachable: down ? 1 : 2 },
        totals: { l1: { entries: 7, bytes: 900, hits: 90, misses: 10, evictions: 0 }, l2: { hits: 6 } },
        hitRatio: { l1: 0.9, l2: 0.06, combined: 0.96 },
        perInstance: instances().map((i) => ({
          ...i,
          stats: i.ok ? { coherence: { leaseValid: true, bus: 'up' }, l1: { entries: 4 } } : undefined,
        })),
      });
    } else if (req.method === 'POST' && req.url === '/api/v1/admin/cache/clear') {
      const scope = JSON.parse(body || '{}');
      send(res, 200, {
        ok: !down,
        scope,
        instances: instances().map((i) => ({ ...i, cleared: i.ok ? { l1: 3, l2: 'deleted 1' } : undefined })),
      });
    } else send(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found', requestId: 'r' } });
  });
}

let server: Server;
let url: string;
before(async () => {
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  down = false;
  seen.length = 0;
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('floodgate cache', () => {
  it('stats: totals, hit ratios and instances; --json prints the answer', async () => {
    const a = io();
    assert.equal(await runCache({ action: 'stats' }, { url, token: TOKEN }, a.io), 0);
    const text = a.out.join('');
    assert.match(text, /api-servers {2}2\/2 answering/);
    assert.match(text, /L1 90\.0 % {2}L2 6\.0 % {2}combined 96\.0 %/);
    assert.match(text, /api-1 {2}http:\/\/127\.0\.0\.1:3001 {2}coherent, bus up, L1 4 entries/);
    assert.deepEqual(a.err, []);
    const j = io();
    assert.equal(await runCache({ action: 'stats' }, { url, token: TOKEN, json: true }, j.io), 0);
    assert.equal(JSON.parse(j.out.join('')).hitRatio.combined, 0.96);
  });

  it('clear sends the scope: everything, a key, a prefix', async () => {
    for (const [what, body] of [
      [{ action: 'clear' }, '{}'],
      [{ action: 'clear', key: 'resource:42' }, '{"key":"resource:42"}'],
      [{ action: 'clear', prefix: 'list:' }, '{"prefix":"list:"}'],
    ] as const) {
      const a = io();
      assert.equal(await runCache(what, { url, token: TOKEN }, a.io), 0);
      assert.equal(seen.at(-1)?.body, body);
      assert.match(a.out.join(''), /api-2 {2}http:\/\/127\.0\.0\.1:3002 {2}L1 3 entries, L2 deleted 1/);
    }
  });

  it('exit 1 with one line naming the instance that did not answer', async () => {
    down = true;
    for (const what of [{ action: 'stats' }, { action: 'clear' }] as const) {
      const a = io();
      assert.equal(await runCache(what, { url, token: TOKEN }, a.io), 1);
      assert.equal(a.err.length, 1);
      assert.match(a.err[0] as string, /1 of 2 api-servers did not answer: api-2 \(ECONNREFUSED\)\n$/);
    }
    const bad = io();
    assert.equal(await runCache({ action: 'stats' }, { url, token: 'wrong' }, bad.io), 1);
    assert.match(bad.err.join(''), /^floodgate cache stats: INVALID_TOKEN: Session token is invalid\n$/);
  });

  it('exit 2 on bad usage, before any request', async () => {
    for (const [what, token] of [
      [{ action: 'stats' }, undefined],
      [{ action: 'clear', key: 'a', prefix: 'b' }, TOKEN],
      [{ action: 'clear', key: 'has space' }, TOKEN],
    ] as const) {
      const a = io();
      assert.equal(await runCache(what, { url, token }, a.io), 2);
      assert.equal(a.err.length, 1);
    }
    assert.equal(seen.length, 0);
  });

  it('through the real binary: exit codes and output', async () => {
    const run = async (...args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN, ...args], {
        env: { PATH: process.env.PATH, FLOODGATE_URL: url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      const [code] = await once(child, 'exit');
      return { code, out, err };
    };
    const ok = await run('cache', 'clear', '--key', 'resource:7', '--token', TOKEN, '--json');
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual(JSON.parse(ok.out).scope, { key: 'resource:7' });
    const both = await run('cache', 'clear', '--key', 'a', '--prefix', 'b', '--token', TOKEN);
    assert.equal(both.code, 2);
    assert.match(both.err, /mutually exclusive/);
    const none = await run('cache', 'nope', '--token', TOKEN);
    assert.equal(none.code, 2);
  });
});
