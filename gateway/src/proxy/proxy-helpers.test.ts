import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
    const flat = buildUpstreamHeaders(ctx);
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
