import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFloodgateError } from '@floodgate/shared';
import { resolveStackOptions } from './stack-options.js';

describe('resolveStackOptions', () => {
  it('defaults to 8080, 3000 and three api-servers on 3001-3003, data in <cwd>/.floodgate', () => {
    assert.deepEqual(resolveStackOptions({}, {}, '/work/app'), {
      gatewayPort: 8080,
      lbPort: 3000,
      apiPorts: [3001, 3002, 3003],
      dataDir: '/work/app/.floodgate',
      embedded: 'auto',
      production: false,
    });
  });

  it('takes env over defaults and options over env; the api port list sets the count', () => {
    const env = {
      GATEWAY_PORT: '9080',
      LB_PORT: '9000',
      FLOODGATE_API_PORTS: '9001, 9002',
      FLOODGATE_DATA_DIR: 'var/fg',
      FLOODGATE_EMBEDDED: 'false',
      NODE_ENV: 'production',
    };
    const fromEnv = resolveStackOptions({}, env, '/srv');
    assert.deepEqual(fromEnv, {
      gatewayPort: 9080,
      lbPort: 9000,
      apiPorts: [9001, 9002],
      dataDir: '/srv/var/fg',
      embedded: 'never',
      production: true,
    });
    const fromArgs = resolveStackOptions(
      { gatewayPort: 7080, lbPort: '7000', apiPorts: '7001,7002,7003,7004', dataDir: '/abs', embedded: true },
      env,
      '/srv',
    );
    assert.equal(fromArgs.gatewayPort, 7080);
    assert.equal(fromArgs.lbPort, 7000);
    assert.deepEqual(fromArgs.apiPorts, [7001, 7002, 7003, 7004]);
    assert.equal(fromArgs.dataDir, '/abs');
    assert.equal(fromArgs.embedded, 'force');
    assert.equal(resolveStackOptions({}, { FLOODGATE_EMBEDDED: 'true' }, '/').embedded, 'force');
  });

  it('rejects bad values with VALIDATION_FAILED naming the option', () => {
    const cases: [Parameters<typeof resolveStackOptions>[0], Record<string, string>, RegExp][] = [
      [{ apiPorts: '3001,abc' }, {}, /--api-ports\/FLOODGATE_API_PORTS: expected a port/],
      [{ apiPorts: ' , ' }, {}, /at least one port/],
      [{}, { GATEWAY_PORT: '70000' }, /--gateway-port\/GATEWAY_PORT/],
      [{ lbPort: 3001 }, {}, /port 3001 is used twice/],
      [{}, { FLOODGATE_EMBEDDED: 'sometimes' }, /FLOODGATE_EMBEDDED/],
    ];
    for (const [args, env, message] of cases) {
      assert.throws(
        () => resolveStackOptions(args, env, '/'),
        (err: unknown) =>
          isFloodgateError(err) && err.code === 'VALIDATION_FAILED' && message.test(err.message),
      );
    }
  });
});
