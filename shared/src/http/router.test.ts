import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Router } from './router.js';

describe('Router', () => {
  const router = new Router<string>()
    .add('GET', '/api/v1/status', 'status')
    .add('GET', '/api/v1/resources', 'list')
    .add('POST', '/api/v1/resources', 'create')
    .add('GET', '/api/v1/resources/:id', 'get')
    .add('DELETE', '/api/v1/resources/:id', 'delete')
    .add('POST', '/api/v1/things/:a/sub/:b', 'nested');

  it('matches static routes', () => {
    const r = router.find('GET', '/api/v1/status');
    assert.equal(r.kind, 'found');
    assert.equal(r.kind === 'found' && r.match.handler, 'status');
  });

  it('extracts params and reports the template', () => {
    const r = router.find('GET', '/api/v1/resources/42');
    assert.ok(r.kind === 'found');
    assert.equal(r.match.handler, 'get');
    assert.equal(r.match.route, '/api/v1/resources/:id');
    assert.deepEqual(r.match.params, { id: '42' });
    const n = router.find('POST', '/api/v1/things/x%20y/sub/7');
    assert.ok(n.kind === 'found');
    assert.deepEqual(n.match.params, { a: 'x y', b: '7' });
  });

  it('distinguishes 404 from 405', () => {
    assert.equal(router.find('GET', '/api/v1/nope').kind, 'not-found');
    assert.equal(router.find('GET', '/api/v1/resources/1/extra').kind, 'not-found');
    assert.equal(router.find('GET', '/api/v1/resources/').kind, 'not-found', 'empty param does not match');
    const r = router.find('PUT', '/api/v1/resources/1');
    assert.equal(r.kind, 'method-not-allowed');
    assert.deepEqual(r.kind === 'method-not-allowed' && r.allowed.sort(), ['DELETE', 'GET', 'HEAD']);
  });

  it('answers HEAD with the GET handler', () => {
    const r = router.find('HEAD', '/api/v1/resources');
    assert.ok(r.kind === 'found');
    assert.equal(r.match.handler, 'list');
  });

  it('keeps a malformed percent-encoding as-is instead of throwing', () => {
    const r = router.find('GET', '/api/v1/resources/%E0%A4%A');
    assert.ok(r.kind === 'found');
    assert.equal(r.match.params.id, '%E0%A4%A');
  });
});
