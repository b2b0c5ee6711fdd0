import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anonymousSubject, ClientIpResolver, normalizeIp } from '../auth/client-ip.js';
import { toOriginForm } from '../pipeline/request-context.js';
import { fakeContext } from '../test-support/fake-context.js';
import { RouteClassifier } from './route-classifier.js';
import { buildUpstreamHeaders } from './upstream-headers.js';
import { isSafeUpstreamPath } from './upstream-path.js';

describe('isSafeUpstreamPath', () => {
  it('accepts ordinary API paths', () => {
    for (const p of [
      '/api/v1/resources',
      '/api/v1/resources/42',
      '/api/v1/a.b/c..d',
      '/api/v1/%20x',
      '/api/v1/...',
    ]) {
      assert.equal(isSafeUpstreamPath(p), true, p);
    }
  });
  it('refuses dot-dot segments (plain or encoded), backslashes, NUL and a leading //', () => {
    for (const p of [
      '/api/../lb/status',
      '/api/v1/..',
      '/api/%2e%2e/lb/status',
      '/api/%2E./lb',
      '/api/.%2e/lb',
      '/api/..%2flb/status',
      '/api/..%5clb',
      '/api\\..\\lb',
      '/api/%5c',
      '/api/%00',
      '//evil.example/api',
      '/%2fevil.example/api',
      '/api/%zz',
      'api/v1',
    ]) {
      assert.equal(isSafeUpstreamPath(p), false, p);
    }
  });
});

describe('toOriginForm', () => {
  it('keeps origin-form and strips the authority of absolute-form', () => {
    assert.equal(toOriginForm('/api/x?y=1'), '/api/x?y=1');
    assert.equal(toOriginForm('http://evil.example/api/x?y=1'), '/api/x?y=1');
    assert.equal(toOriginForm('http://evil.example'), '/');
    assert.equal(toOriginForm('http://evil.example?q=1'), '/?q=1');
    assert.equal(toOriginForm('*'), '');
  });
});

describe('RouteClassifier', () => {
  it('keeps words and versions, replaces ids, folds deep paths, and caps the template count', () => {
    const c = new RouteClassifier({ maxTemplates: 4 });
    assert.equal(c.classify('/api/v1/resources'), '/api/v1/resources');
    assert.equal(c.classify('/api/v1/resources/42'), '/api/v1/resources/:id');
    assert.equal(
      c.classify('/api/v1/resources/3f2a9c1e-0000-4000-8000-000000000000'),
      '/api/v1/resources/:id',
    );
    assert.equal(c.classify('/api/v1/resources/42/tags/9'), '/api/v1/resources/:id/*');
    assert.equal(c.classify('/api/v2/things'), '/api/v2/things');
    assert.equal(c.classify('/api/v1/other'), '/api/*', 'past the cap new templates fold into one');
    assert.equal(c.classify('/api/v1/resources/7'), '/api/v1/resources/:id', 'known templates still resolve');
  });
});

describe('buildUpstreamHeaders', () => {
  it('drops hop-by-hop, Connection-named and client identity headers, and sets the gateway ones', () => {
    const ctx = fakeContext('GET', '/api/x', {
      host: 'gw.example',
      connection: 'keep-alive, x-private',
      'x-private': 'secret',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'proxy-authorization': 'Basic xx',
      'x-user-id': '1',
      'x-user-role': 'admin',
      'x-consumer-id': 'c',
      'x-consumer-tier': 'enterprise',
      'x-forwarded-for': '6.6.6.6',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      accept: 'application/json',
    });
    ctx.requestId = 'rid-1';
    const flat = buildUpstreamHeaders(ctx, new ClientIpResolver([]));
    const headers: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) {
      assert.equal(headers[flat[i] as string], undefined, `${flat[i]} set once`);
      headers[flat[i] as string] = flat[i + 1] as string;
    }
    for (const dropped of [
      'connection',
      'x-private',
      'keep-alive',
      'te',
      'proxy-authorization',
      'host',
      'x-user-id',
      'x-user-role',
      'x-consumer-id',
    ]) {
      assert.equal(headers[dropped], undefined, dropped);
    }
    assert.equal(headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(headers.accept, 'application/json');
    assert.equal(headers['x-request-id'], 'rid-1');
    assert.equal(headers['x-consumer-tier'], 'anonymous');
    assert.equal(headers['x-forwarded-host'], 'gw.example');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.notEqual(headers['x-forwarded-for'], '6.6.6.6');
  });
});

describe('buildUpstreamHeaders for API-key consumers', () => {
  const toRecord = (flat: string[]) => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) headers[flat[i] as string] = flat[i + 1] as string;
    return headers;
  };
  const consumer = {
    kind: 'consumer',
    consumerId: 12,
    name: 'acme',
    tier: 'pro',
    keyId: 3,
    keyPrefix: 'abcd1234',
    subject: 'c:12',
  } as const;

  it('never forwards the API key (header or ApiKey scheme) and names the consumer', () => {
    const ctx = fakeContext('GET', '/api/x', { 'x-api-key': 'fg_abcd1234_secret', 'x-consumer-id': '999' });
    ctx.identity = consumer;
    const headers = toRecord(buildUpstreamHeaders(ctx, new ClientIpResolver([])));
    assert.equal(headers['x-api-key'], undefined);
    assert.equal(headers['x-consumer-id'], '12');
    assert.equal(headers['x-consumer-tier'], 'pro');
    assert.equal(headers['x-user-id'], undefined);

    const viaAuthorization = fakeContext('GET', '/api/x', { authorization: 'ApiKey fg_abcd1234_secret' });
    viaAuthorization.identity = consumer;
    assert.equal(
      toRecord(buildUpstreamHeaders(viaAuthorization, new ClientIpResolver([]))).authorization,
      undefined,
    );
    const bearer = fakeContext('GET', '/api/x', { authorization: 'Bearer tok' });
    assert.equal(
      toRecord(buildUpstreamHeaders(bearer, new ClientIpResolver([]))).authorization,
      'Bearer tok',
    );
  });

  it('sets Content-Length for a body the gateway buffered from a chunked upload', () => {
    const ctx = fakeContext('POST', '/api/v1/auth/login', { 'transfer-encoding': 'chunked' });
    ctx.body = Buffer.from('{"email":"a@b.c"}');
    const headers = toRecord(buildUpstreamHeaders(ctx, new ClientIpResolver([])));
    assert.equal(headers['content-length'], String(ctx.body.length));
    assert.equal(headers['transfer-encoding'], undefined);
  });
});

describe('ClientIpResolver', () => {
  const withPeer = (peer: string, xff?: string) => {
    const ctx = fakeContext('GET', '/api/x', xff === undefined ? {} : { 'x-forwarded-for': xff });
    Object.defineProperty(ctx.req.socket, 'remoteAddress', { value: peer });
    return ctx.req;
  };

  it('uses the peer address and ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    const none = new ClientIpResolver([]);
    assert.equal(none.resolve(withPeer('203.0.113.7', '1.2.3.4')), '203.0.113.7');
    assert.equal(none.resolve(withPeer('::ffff:203.0.113.7')), '203.0.113.7');
    const trusting = new ClientIpResolver(['10.0.0.0/8', '::1/128']);
    assert.equal(trusting.resolve(withPeer('198.51.100.1', '1.2.3.4')), '198.51.100.1', 'untrusted peer');
    assert.equal(trusting.resolve(withPeer('10.1.2.3', '1.2.3.4')), '1.2.3.4');
    assert.equal(trusting.resolve(withPeer('::1', '1.2.3.4')), '1.2.3.4');
  });

  it('walks X-Forwarded-For from the right past trusted hops; spoofed entries on the left never count', () => {
    const r = new ClientIpResolver(['10.0.0.0/8']);
    assert.equal(r.resolve(withPeer('10.0.0.1', '6.6.6.6, 5.5.5.5, 10.0.0.9')), '5.5.5.5');
    assert.equal(r.resolve(withPeer('10.0.0.1', '10.0.0.3, 10.0.0.2')), '10.0.0.3', 'all trusted: leftmost');
    assert.equal(r.resolve(withPeer('10.0.0.1', 'garbage, 10.0.0.2')), '10.0.0.2', 'invalid hop: stop');
    assert.equal(r.resolve(withPeer('10.0.0.1')), '10.0.0.1');
  });

  it('limits anonymous IPv6 callers per /64', () => {
    assert.equal(anonymousSubject('203.0.113.7'), 'ip:203.0.113.7');
    assert.equal(anonymousSubject('2001:db8:1:2:aaaa::1'), 'ip6:2001:db8:1:2::/64');
    assert.equal(anonymousSubject('2001:db8:1:2:bbbb:cccc:dddd:eeee'), 'ip6:2001:db8:1:2::/64');
    assert.equal(anonymousSubject('2001:db8::1'), 'ip6:2001:db8:0:0::/64');
    assert.equal(anonymousSubject('::1'), 'ip6:0:0:0:0::/64');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
  });
});
