import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStackSpecs } from './create-stack-specs.js';
import { resolveStackOptions } from './stack-options.js';

describe('createStackSpecs', () => {
  const options = resolveStackOptions({ apiPorts: '4001,4002', lbPort: 4000, gatewayPort: 4080 }, {}, '/');

  it('starts api-1..N, the load balancer and the gateway from their sources, wired to each other', () => {
    const specs = createStackSpecs(options, { base: { PATH: '/bin', PORT: '1' }, overrides: {} }, '/repo');
    assert.deepEqual(
      specs.map((s) => s.name),
      ['api-1', 'api-2', 'load-balancer', 'gateway'],
    );
    const [api1, api2, lb, gw] = specs as [
      (typeof specs)[0],
      (typeof specs)[0],
      (typeof specs)[0],
      (typeof specs)[0],
    ];
    assert.equal(api1.command, process.execPath);
    assert.deepEqual(api1.args.slice(-2), ['--conditions=source', '/repo/api-server/src/main.ts']);
    assert.equal(lb.args.at(-1), '/repo/load-balancer/src/main.ts');
    assert.equal(gw.args.at(-1), '/repo/gateway/src/main.ts');
    assert.ok(
      api1.args.some((a) => a.endsWith('/process/parent-watchdog.ts')),
      'children watch their parent',
    );
    assert.equal(api1.env.PORT, '4001');
    assert.equal(api1.env.INSTANCE_ID, 'api-1');
    assert.equal(api2.env.PORT, '4002');
    assert.equal(api2.env.INSTANCE_ID, 'api-2');
    assert.equal(lb.env.LB_PORT, '4000');
    assert.equal(lb.env.API_SERVERS, 'http://127.0.0.1:4001,http://127.0.0.1:4002');
    assert.equal(gw.env.GATEWAY_PORT, '4080');
    assert.equal(gw.env.LB_URL, 'http://127.0.0.1:4000');
    assert.equal(api1.healthUrl, 'http://127.0.0.1:4001/health/ready');
    assert.equal(lb.healthUrl, 'http://127.0.0.1:4000/health');
    assert.equal(gw.healthUrl, 'http://127.0.0.1:4080/health');
    assert.equal(gw.env.PATH, '/bin', 'other variables pass through');
  });

  it('keeps internal processes on 127.0.0.1 unless HOST is set, and applies the resolution overrides', () => {
    const base = { DATABASE_URL: 'postgres://configured', REDIS_HOST: 'x', LOG_LEVEL: 'debug' };
    const overrides = { DATABASE_URL: 'postgres://embedded', REDIS_HOST: undefined };
    const specs = createStackSpecs(options, { base, overrides }, '/repo');
    for (const s of specs) {
      assert.equal(s.env.DATABASE_URL, 'postgres://embedded');
      assert.equal(s.env.REDIS_HOST, undefined);
      assert.equal(s.env.LOG_LEVEL, 'debug');
    }
    assert.equal(specs.find((s) => s.name === 'api-1')?.env.HOST, '127.0.0.1');
    assert.equal(specs.find((s) => s.name === 'load-balancer')?.env.HOST, '127.0.0.1');
    assert.equal(specs.find((s) => s.name === 'gateway')?.env.HOST, undefined, 'gateway: its own default');
    const withHost = createStackSpecs(options, { base: { HOST: '0.0.0.0' }, overrides: {} }, '/repo');
    assert.ok(withHost.every((s) => s.env.HOST === '0.0.0.0'));
  });

  it('gives the balancer and the gateway one random LB_ADMIN_TOKEN per run (or the configured one)', () => {
    const tokenOf = (specs: ReturnType<typeof createStackSpecs>, name: string) =>
      specs.find((s) => s.name === name)?.env.LB_ADMIN_TOKEN;
    const run1 = createStackSpecs(options, { base: {}, overrides: {} }, '/repo');
    const run2 = createStackSpecs(options, { base: {}, overrides: {} }, '/repo');
    const token = tokenOf(run1, 'load-balancer');
    assert.match(String(token), /^[A-Za-z0-9_-]{32}$/);
    assert.equal(tokenOf(run1, 'gateway'), token);
    assert.notEqual(tokenOf(run2, 'load-balancer'), token, 'a new token every run');
    assert.equal(tokenOf(run1, 'api-1'), undefined, 'api-servers do not get it');
    const configured = createStackSpecs(
      options,
      { base: { LB_ADMIN_TOKEN: 'mine' }, overrides: {} },
      '/repo',
    );
    assert.equal(tokenOf(configured, 'load-balancer'), 'mine');
    assert.equal(tokenOf(configured, 'gateway'), 'mine');
  });
});
