import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type KeyView, runKeys } from './keys.js';

const TOKEN = '-admin-token_42';
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const KEY = `fg_abcd1234_${'s'.repeat(43)}`;

/** A fake gateway admin API holding keys in memory. */
let keys: (KeyView & { key: string })[];
const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += String(c);
  });
  req.on('end', () => {
    seen.push({
      method: req.method as string,
      url: req.url as string,
      auth: req.headers.authorization,
      body,
    });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      send(res, 401, {
        error: { code: 'INVALID_TOKEN', message: 'Session token is invalid or expired', requestId: 'r' },
      });
      return;
    }
    const view = ({ key: _key, ...k }: KeyView & { key: string }) => k;
    if (req.method === 'POST' && req.url === '/api/v1/admin/keys') {
      const { name, tier } = JSON.parse(body) as { name: string; tier: string };
      const created = {
        id: keys.length + 1,
        prefix: 'abcd1234',
        name,
        tier,
        key: KEY,
        createdAt: '2026-01-01T00:00:00.000Z',
        lastUsedAt: null,
        revokedAt: null,
      };
      keys.push(created);
      send(res, 201, created);
    } else if (req.method === 'GET' && req.url === '/api/v1/admin/keys') {
      send(res, 200, { data: keys.map(view) });
    } else if (req.method === 'DELETE' && req.url?.startsWith('/api/v1/admin/keys/')) {
      const k = keys.find((x) => String(x.id) === req.url?.split('/').pop());
      if (!k) {
        send(res, 404, {
          error: { code: 'NOT_FOUND', message: `No API key ${req.url.split('/').pop()}`, requestId: 'r' },
        });
        return;
      }
      k.revokedAt = '2026-01-02T00:00:00.000Z';
      send(res, 200, view(k));
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
  keys = [];
  seen.length = 0;
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('floodgate keys', () => {
  it('create prints the key once with the admin token; --json prints the answer', async () => {
    const c = capture();
    assert.equal(
      await runKeys({ action: 'create', name: 'acme', tier: 'pro' }, { url, token: TOKEN }, c.io),
      0,
    );
    assert.match(c.out.join(''), new RegExp(`created key 1 \\(abcd1234\\) for acme, tier pro\\n${KEY}\\n`));
    assert.deepEqual(seen[0], {
      method: 'POST',
      url: '/api/v1/admin/keys',
      auth: `Bearer ${TOKEN}`,
      body: '{"name":"acme","tier":"pro"}',
    });
    const j = capture();
    assert.equal(
      await runKeys({ action: 'create', name: 'b', tier: 'free' }, { url, token: TOKEN, json: true }, j.io),
      0,
    );
    assert.equal(JSON.parse(j.out.join('')).key, KEY);
    assert.deepEqual(c.err, []);
  });

  it('list prints a table (or JSON) without secrets', async () => {
    await runKeys({ action: 'create', name: 'acme', tier: 'pro' }, { url, token: TOKEN }, capture().io);
    const c = capture();
    assert.equal(await runKeys({ action: 'list' }, { url, token: TOKEN }, c.io), 0);
    const text = c.out.join('');
    assert.match(text, /^ID\s+PREFIX\s+NAME\s+TIER\s+STATUS/);
    assert.match(text, /\n1\s+abcd1234\s+acme\s+pro\s+active\s+never/);
    assert.ok(!text.includes(KEY));
    const j = capture();
    assert.equal(await runKeys({ action: 'list' }, { url, token: TOKEN, json: true }, j.io), 0);
    assert.equal(JSON.parse(j.out.join(''))[0].prefix, 'abcd1234');
  });

  it('revoke: 0 when revoked, 1 with a one-line reason when not found, 2 for a malformed id', async () => {
    await runKeys({ action: 'create', name: 'acme', tier: 'pro' }, { url, token: TOKEN }, capture().io);
    const ok = capture();
    assert.equal(await runKeys({ action: 'revoke', id: '1' }, { url, token: TOKEN }, ok.io), 0);
    assert.equal(ok.out.join(''), 'revoked key 1 (abcd1234) of acme\n');
    const missing = capture();
    assert.equal(await runKeys({ action: 'revoke', id: '77' }, { url, token: TOKEN }, missing.io), 1);
    assert.equal(missing.err.join(''), 'floodgate keys revoke: NOT_FOUND: No API key 77\n');
    const bad = capture();
    assert.equal(await runKeys({ action: 'revoke', id: '1; DROP' }, { url, token: TOKEN }, bad.io), 2);
    assert.equal(bad.err.length, 1);
  });

  it('2 without a token, 1 with a refused token or an unreachable gateway', async () => {
    const none = capture();
    assert.equal(await runKeys({ action: 'list' }, { url }, none.io), 2);
    const refused = capture();
    assert.equal(await runKeys({ action: 'list' }, { url, token: 'wrong' }, refused.io), 1);
    assert.match(refused.err.join(''), /^floodgate keys list: INVALID_TOKEN: .+\n$/);
    const down = capture();
    assert.equal(await runKeys({ action: 'list' }, { url: 'http://127.0.0.1:9', token: TOKEN }, down.io), 1);
    assert.equal(down.err.length, 1);
  });

  it('the CLI exits 2 on bad usage and 1 on failure, with one line on stderr', {
    timeout: 20_000,
  }, async () => {
    const run = async (args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += String(c);
      });
      child.stdout.on('data', (c: Buffer) => {
        stdout += String(c);
      });
      const [code] = (await once(child, 'exit')) as [number];
      return { code, stderr, stdout };
    };
    const [usage, notFound, created] = await Promise.all([
      run(['keys', 'create', '--name', 'x', '--tier', 'platinum', '--token', TOKEN, '--url', url]),
      run(['keys', 'revoke', '5', '--token', TOKEN, '--url', url]),
      run([
        'keys',
        'create',
        '--name',
        'cli',
        '--tier',
        'enterprise',
        '--json',
        '--token',
        TOKEN,
        '--url',
        url,
      ]),
    ]);
    assert.equal(usage.code, 2, usage.stderr);
    assert.equal(notFound.code, 1, notFound.stderr);
    assert.equal(notFound.stderr.trim().split('\n').length, 1);
    assert.match(notFound.stderr, /NOT_FOUND/);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).tier, 'enterprise');
  });
});
