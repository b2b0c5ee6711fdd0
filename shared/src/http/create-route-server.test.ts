import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { FloodgateError } from '../errors/floodgate-error.js';
import { call } from '../testing/http-call.js';
import { createRouteServer } from './create-route-server.js';
import { listen } from './listen.js';
import { UNMATCHED_ROUTE } from './match-route.js';
import type { RouteContext, RouteHandler } from './route-context.js';
import { Router } from './router.js';
import { sendJson } from './send-json.js';

describe('createRouteServer', () => {
  const served: RouteContext[] = [];
  const failures: { route: string; message: string }[] = [];
  let server: Server;
  let port: number;

  before(async () => {
    const router = new Router<RouteHandler>()
      .add('GET', '/items/:id', (ctx) =>
        sendJson(ctx.res, 200, { id: ctx.params.id, sort: ctx.query.get('sort'), requestId: ctx.requestId }),
      )
      .add('DELETE', '/items/:id', () => {
        throw new FloodgateError('CONFLICT', 'in use');
      })
      .add('POST', '/boom', async () => {
        throw new Error('internal detail');
      });
    const serve = createRouteServer(router);
    const guarded = createRouteServer(router, {
      before: (ctx) => {
        if (ctx.req.headers.authorization !== 'Bearer ok') throw new FloodgateError('UNAUTHORIZED');
      },
    });
    const serveWithHook = createRouteServer(router, {
      onError: (err, ctx) => {
        failures.push({ route: ctx.route, message: (err as Error).message });
        ctx.res.statusCode = 418;
        ctx.res.end();
      },
    });
    server = createServer(async (req, res) => {
      const pick =
        req.headers['x-hook'] !== undefined ? serveWithHook : req.headers['x-guard'] ? guarded : serve;
      served.push(await pick(req, res));
    });
    port = await listen(server, 0, '127.0.0.1');
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs the matched handler with params, query and the request id, and resolves with the route', async () => {
    const res = await call(port, { path: '/items/a%20b?sort=name', headers: { 'x-request-id': 'req-1' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { id: 'a b', sort: 'name', requestId: 'req-1' });
    assert.equal(res.headers['x-request-id'], 'req-1');
    assert.equal(served.at(-1)?.route, '/items/:id');
  });

  it('answers an unknown path 404 and a wrong method 405 with Allow, in the envelope with a request id', async () => {
    const missing = await call(port, { path: '/nothing', headers: { 'x-request-id': 'bad id!' } });
    assert.equal(missing.status, 404);
    const id = missing.headers['x-request-id'] as string;
    assert.match(id, /^[0-9a-f-]{36}$/, 'an invalid incoming id is replaced');
    assert.deepEqual(missing.json(), { error: { code: 'NOT_FOUND', message: 'Not found', requestId: id } });
    assert.equal(served.at(-1)?.route, UNMATCHED_ROUTE);

    const wrong = await call(port, { method: 'PUT', path: '/items/1' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET, DELETE, HEAD');
    assert.equal(wrong.json<{ error: { code: string } }>().error.code, 'METHOD_NOT_ALLOWED');
  });

  it('turns what a handler throws into its envelope, never an internal message', async () => {
    const conflict = await call(port, { method: 'DELETE', path: '/items/1' });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json<{ error: { message: string } }>().error.message, 'in use');
    const boom = await call(port, { method: 'POST', path: '/boom' });
    assert.equal(boom.status, 500);
    assert.doesNotMatch(boom.body.toString(), /internal detail/);
  });

  it('runs `before` first: what it throws is answered before any routing', async () => {
    const refused = await call(port, { path: '/nothing', headers: { 'x-guard': '1' } });
    assert.equal(refused.status, 401, 'not 404: unknown paths are not revealed');
    assert.equal(served.at(-1)?.route, UNMATCHED_ROUTE);
    const allowed = await call(port, {
      path: '/items/7',
      headers: { 'x-guard': '1', authorization: 'Bearer ok' },
    });
    assert.equal(allowed.status, 200);
  });

  it('hands errors to onError with the route they happened on', async () => {
    const res = await call(port, { method: 'POST', path: '/boom', headers: { 'x-hook': '1' } });
    assert.equal(res.status, 418);
    assert.deepEqual(failures, [{ route: '/boom', message: 'internal detail' }]);
  });
});
