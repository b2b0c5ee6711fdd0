import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTokenOrLoopbackGuard, isLoopbackAddress } from './token-or-loopback-guard.js';

describe('isLoopbackAddress', () => {
  it('is all of 127.0.0.0/8 and ::1, also IPv4-mapped; nothing else', () => {
    for (const a of [
      '127.0.0.1',
      '127.0.0.2',
      '127.255.255.254',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:127.1.2.3',
    ]) {
      assert.equal(isLoopbackAddress(a), true, a);
    }
    for (const a of [
      undefined,
      '',
      '10.0.0.7',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      '::2',
      '1270.0.0.1',
      '127.0.0',
    ]) {
      assert.equal(isLoopbackAddress(a), false, String(a));
    }
  });
});

describe('createTokenOrLoopbackGuard', () => {
  // A peer that is not on this machine cannot connect over loopback: its address is simulated.
  const from = (remoteAddress: string, authorization?: string) =>
    ({ socket: { remoteAddress }, headers: { authorization } }) as unknown as IncomingMessage;

  it('without a token: loopback peers only (FORBIDDEN naming the variable otherwise)', () => {
    const guard = createTokenOrLoopbackGuard({ token: null, tokenName: 'LB_ADMIN_TOKEN' });
    assert.doesNotThrow(() => guard(from('::ffff:127.0.0.2')));
    assert.throws(() => guard(from('10.0.0.7', 'Bearer anything')), {
      code: 'FORBIDDEN',
      message: 'Only loopback clients are answered while LB_ADMIN_TOKEN is unset',
    });
  });

  it('with a token: the bearer token from everyone, loopback included', () => {
    const guard = createTokenOrLoopbackGuard({ token: 's3cret', tokenName: 'INTERNAL_TOKEN' });
    assert.doesNotThrow(() => guard(from('10.0.0.7', 'Bearer s3cret')));
    assert.doesNotThrow(() => guard(from('10.0.0.7', 'bearer  s3cret ')));
    for (const authorization of [
      undefined,
      '',
      's3cret',
      'Bearer s3cre',
      'Bearer s3cret x',
      'Basic s3cret',
    ]) {
      assert.throws(() => guard(from('127.0.0.1', authorization)), {
        code: 'UNAUTHORIZED',
        message: 'A valid bearer token is required (Authorization: Bearer <INTERNAL_TOKEN>)',
      });
    }
  });

  describe('over real sockets from 127.0.0.1 and 127.0.0.2', () => {
    let server: Server;
    let port: number;
    const guard = createTokenOrLoopbackGuard({ token: null, tokenName: 'LB_ADMIN_TOKEN' });
    before(async () => {
      server = createServer((req, res) => {
        try {
          guard(req);
          res.end('ok');
        } catch {
          res.statusCode = 403;
          res.end('refused');
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('answers both: the whole 127.0.0.0/8 is this machine', async () => {
      for (const localAddress of ['127.0.0.1', '127.0.0.2']) {
        const status = await new Promise<number | undefined>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, localAddress, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode);
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 200, localAddress);
      }
    });
  });
});
