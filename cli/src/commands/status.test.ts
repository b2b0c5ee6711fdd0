import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { getFreePort } from '@floodgate/shared/testing';
import { captureIo } from '../testing/capture-io.js';
import { type FakeGateway, startFakeGateway } from '../testing/fake-gateway.js';
import { runCli } from '../testing/run-cli.js';
import { runStatus, type StatusReport } from './status.js';

const TOKEN = '-starts-with-a-dash_123';

describe('floodgate status', () => {
  let fake: FakeGateway;
  before(async () => {
    fake = await startFakeGateway(TOKEN);
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());

  const status = async (options: { url?: string; token?: string; json?: boolean }) => {
    const c = captureIo();
    const code = await runStatus({ url: fake.url, timeoutMs: 2000, ...options }, c.io);
    return { code, stdout: c.out(), stderr: c.err() };
  };

  it('exits 0 and prints the gateway health when it answers 200; no admin call without a token', async () => {
    const r = await status({});
    assert.equal(r.code, 0);
    assert.match(r.stdout, /healthy \(HTTP 200\)/);
    assert.match(r.stdout, /status: healthy/);
    assert.equal(r.stderr, '');
    assert.deepEqual(
      fake.seen.map((s) => s.url),
      ['/health'],
    );
  });

  it('with a token lists every backend with health, availability and breaker state (never the token)', async () => {
    const r = await status({ token: TOKEN });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.seen.at(-1)?.auth, `Bearer ${TOKEN}`);
    assert.match(r.stdout, /backends \(2\)\s+algorithm round-robin/);
    assert.match(
      r.stdout,
      /\n {2}api-1 {2}http:\/\/127\.0\.0\.1:3001 {2}healthy, breaker closed, in-flight 0\n/,
    );
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  });

  it('shows a breaker the balancer reports open (circuitState), and a drained or unhealthy backend', async () => {
    const breaker = fake.breakers.get('api-1');
    assert.ok(breaker);
    breaker.circuitState = 'open';
    breaker.forced = true;
    (fake.backends[1] as { healthy: boolean }).healthy = false;
    const r = await status({ token: TOKEN });
    assert.match(r.stdout, /\n {2}api-1 {2}\S+ {2}healthy, unavailable, breaker open, in-flight 0\n/);
    assert.match(r.stdout, /\n {2}api-2 {2}\S+ {2}UNHEALTHY, breaker closed, in-flight 0\n/);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'floodgate status: no backend is available\n');
  });

  it('--json prints one parseable report', async () => {
    const r = await status({ token: TOKEN, json: true });
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout) as StatusReport;
    assert.equal(report.healthy, true);
    assert.deepEqual(report.gateway, { reachable: true, healthy: true, status: 200, body: { status: 'ok' } });
    assert.equal(report.dashboard?.balancer.status?.backends[0]?.circuitState, 'closed');
  });

  it('exits 1 with a one-line reason: /health not 2xx, token refused, balancer unreachable, gateway down', async () => {
    fake.healthStatus = 503;
    assert.equal(
      (await status({})).stderr,
      `floodgate status: gateway ${fake.url} unhealthy: /health answered 503\n`,
    );
    fake.healthStatus = 200;
    const refused = await status({ token: 'wrong' });
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'floodgate status: admin dashboard: INVALID_TOKEN: Session token is invalid or expired\n',
    );
    fake.balancerReachable = false;
    const lbDown = await status({ token: TOKEN });
    assert.equal(
      lbDown.stderr,
      'floodgate status: load balancer unreachable from the gateway: ECONNREFUSED\n',
    );
    const dead = await status({ url: `http://127.0.0.1:${await getFreePort()}`, json: true });
    assert.equal(dead.code, 1);
    assert.equal((JSON.parse(dead.stdout) as StatusReport).gateway.reachable, false);
    assert.match(
      dead.stderr,
      /^floodgate status: gateway http:\/\/127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED\n$/,
    );
  });

  it('exits 2 on a URL that is not http(s)', async () => {
    assert.equal((await status({ url: 'not a url' })).code, 2);
    const r = await status({ url: 'ftp://example.com' });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'floodgate status: URL must be http(s): ftp://example.com\n');
  });

  it('as a command: reads FLOODGATE_URL/FLOODGATE_TOKEN, takes a dash-leading --token, 2 on bad usage', {
    timeout: 90_000,
  }, async () => {
    const [fromEnv, fromArgs, bad] = await Promise.all([
      runCli(['status', '--json'], { FLOODGATE_URL: fake.url, FLOODGATE_TOKEN: TOKEN }),
      runCli(['status', '--url', fake.url, '--token', TOKEN]),
      runCli(['status', '--url', fake.url, '--bogus']),
    ]);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.ok((JSON.parse(fromEnv.stdout) as StatusReport).dashboard);
    assert.equal(fromArgs.code, 0, fromArgs.stderr);
    assert.match(fromArgs.stdout, /backends \(2\)/);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'floodgate status: unknown command or option: bogus (see floodgate status --help)\n',
    );
  });
});
