import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureIo } from '../testing/capture-io.js';
import { type FakeGateway, startFakeGateway } from '../testing/fake-gateway.js';
import { runRateLimits } from './rate-limits.js';

const TOKEN = 'rate-limits-token';

describe('floodgate rate-limits', () => {
  let fake: FakeGateway;
  before(async () => {
    fake = await startFakeGateway(TOKEN);
  });
  after(() => fake.close());

  it('prints the mode, the tiers, the route policies and the top consumers', async () => {
    const c = captureIo();
    assert.equal(await runRateLimits({ url: fake.url, token: TOKEN }, c.io), 0);
    assert.match(c.out(), /^rate limiting degraded, 2 live gateways\n/);
    assert.match(c.out(), /\npro\s+10000\/60s\s+12\s+open\n/);
    assert.match(c.out(), /\nPOST \/api\/v1\/auth\/login\s+login\s+5\/60s\s+ip\+email\n/);
    assert.match(c.out(), /\npro:c:7\s+pro\s+420\/10000\s+9580\s+2s ago\n/);
    assert.equal(fake.seen.at(-1)?.url, '/api/v1/admin/rate-limits');
    const j = captureIo();
    assert.equal(await runRateLimits({ url: fake.url, token: TOKEN, json: true }, j.io), 0);
    assert.equal(JSON.parse(j.out()).mode, 'degraded');
    assert.equal(await runRateLimits({ url: fake.url, token: 'nope' }, captureIo().io), 1);
  });
});
