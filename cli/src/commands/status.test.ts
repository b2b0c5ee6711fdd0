import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getFreePort } from '@floodgate/shared/testing/index';
import { runStatus, type StatusReport } from './status.js';

const TOKEN = '-starts-with-a-dash_123';
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** What the fake gateway answers; tests change it. */
let state: {
  healthStatus: number;
  backends: {
    id: string;
    url: string;
    healthy: boolean;
    available: boolean;
    draining: boolean;
    inFlight: number;
  }[];
  balancerReachable: boolean;
};
const seenAuth: (string | undefined)[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const [status, body] = answer(req);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function answer(req: IncomingMessage): [number, unknown] {
  if (req.url === '/health')
    return [state.healthStatus, { status: state.healthStatus === 200 ? 'ok' : 'down' }];
  if (req.url !== '/api/v1/admin/dashboard') {
    return [404, { error: { code: 'NOT_FOUND', message: 'Not found', requestId: 'r2' } }];
  }
  seenAuth.push(req.headers.authorization);
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    return [
      401,
      { error: { code: 'INVALID_TOKEN', message: 'Session token is invalid or expired', requestId: 'r1' } },
    ];
  }
  return [
    200,
    {
      gateway: { uptimeSeconds: 5, inFlight: 1 },
      balancer: state.balancerReachable
        ? { reachable: true, status: { algorithm: 'round-robin', uptime: 5, backends: state.backends } }
        : { reachable: false, status: null, error: 'ECONNREFUSED' },
    },
  ];
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
  seenAuth.length = 0;
  state = {
    healthStatus: 200,
    balancerReachable: true,
    backends: [
      {
        id: 'api-1',
        url: 'http://127.0.0.1:3001',
        healthy: true,
        available: true,
        draining: false,
        inFlight: 0,
      },
      {
        id: 'api-2',
        url: 'http://127.0.0.1:3002',
        healthy: false,
        available: false,
        draining: false,
        inFlight: 0,
      },
    ],
  };
});

async function status(options: { url?: string; token?: string; json?: boolean }) {
  let stdout = '';
  let stderr = '';
  const code = await runStatus(
    { url: options.url ?? url, token: options.token, json: options.json, timeoutMs: 2000 },
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
  );
  return { code, stdout, stderr };
}

describe('floodgate status', () => {
  it('exits 0 and prints the gateway health when it answers 200; no admin call without a token', async () => {
    const r = await status({});
    assert.equal(r.code, 0);
    assert.match(r.stdout, /healthy \(HTTP 200\)/);
    assert.match(r.stdout, /status: healthy/);
    assert.equal(r.stderr, '');
    assert.equal(seenAuth.length, 0);
  });

  it('with a token, sends it as Bearer (never prints it) and lists the backends', async () => {
    const r = await status({ token: TOKEN });
    assert.equal(r.code, 0);
    assert.deepEqual(seenAuth, [`Bearer ${TOKEN}`]);
    assert.match(r.stdout, /backends \(2\)\s+algorithm round-robin/);
    assert.match(r.stdout, /api-1\s+http:\/\/127\.0\.0\.1:3001\s+healthy/);
    assert.match(r.stdout, /api-2\s+http:\/\/127\.0\.0\.1:3002\s+UNHEALTHY/);
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  });

  it('--json prints one parseable report', async () => {
    const r = await status({ token: TOKEN, json: true });
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout) as StatusReport;
    assert.equal(report.healthy, true);
    assert.equal(report.url, url);
    assert.deepEqual(report.gateway, { reachable: true, healthy: true, status: 200, body: { status: 'ok' } });
    const dashboard = report.dashboard as { balancer: { status: { backends: unknown[] } } };
    assert.equal(dashboard.balancer.status.backends.length, 2);
  });

  it('exits 1 with a one-line reason when /health is not 2xx', async () => {
    state.healthStatus = 503;
    const r = await status({ json: true });
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).healthy, false);
    assert.equal(r.stderr, `floodgate status: gateway ${url} unhealthy: /health answered 503\n`);
  });

  it('exits 1 when the token is refused, naming the error code', async () => {
    const r = await status({ token: 'wrong' });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'floodgate status: admin dashboard: INVALID_TOKEN: Session token is invalid or expired\n',
    );
  });

  it('exits 1 when no backend is available or the balancer is unreachable', async () => {
    for (const b of state.backends) b.available = false;
    let r = await status({ token: TOKEN });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'floodgate status: no backend is available\n');
    state.balancerReachable = false;
    r = await status({ token: TOKEN });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /load balancer unreachable from the gateway: ECONNREFUSED/);
  });

  it('exits 1 when the gateway cannot be reached', async () => {
    const dead = await getFreePort();
    const r = await status({ url: `http://127.0.0.1:${dead}`, json: true });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as StatusReport;
    assert.equal(report.gateway.reachable, false);
    assert.match(
      r.stderr,
      /^floodgate status: gateway http:\/\/127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED\n$/,
    );
  });

  it('exits 2 on a URL that is not http(s)', async () => {
    assert.equal((await status({ url: 'not a url' })).code, 2);
    const r = await status({ url: 'ftp://example.com' });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'floodgate status: URL must be http(s): ftp://example.com\n');
  });

  it('as a command: reads FLOODGATE_URL/FLOODGATE_TOKEN, takes a dash-leading --token, exits 2 on bad usage', async () => {
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const [code] = await once(child, 'exit');
      return { code, stdout, stderr };
    };
    const [fromEnv, fromArgs, bad] = await Promise.all([
      run(['status', '--json'], { FLOODGATE_URL: url, FLOODGATE_TOKEN: TOKEN }),
      run(['status', '--url', url, '--token', TOKEN]),
      run(['status', '--url', url, '--bogus']),
    ]);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal((JSON.parse(fromEnv.stdout) as StatusReport).dashboard !== undefined, true);
    assert.equal(fromArgs.code, 0, fromArgs.stderr);
    assert.match(fromArgs.stdout, /backends \(2\)/);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /Unknown argument: bogus/);
  });
});
