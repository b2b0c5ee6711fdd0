import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FloodgateError } from '@floodgate/shared';
import { fakeContext } from '../test-support/fake-context.js';
import { Pipeline } from './pipeline.js';
import type { RequestContext } from './request-context.js';
import { DONE, NEXT, type Stage, type StageResult } from './stage.js';

function recorder() {
  const calls: string[] = [];
  const errors: unknown[] = [];
  const stage = (name: string, result: (ctx: RequestContext) => StageResult): Stage => ({
    name,
    handle(ctx) {
      calls.push(name);
      return result(ctx);
    },
  });
  const onError = (_ctx: RequestContext, err: unknown) => {
    errors.push(err);
  };
  return { calls, errors, stage, onError };
}

describe('Pipeline', () => {
  it('exposes its stage names in order and runs the stages in that order', () => {
    const r = recorder();
    const p = new Pipeline(
      'api',
      [r.stage('a', () => NEXT), r.stage('b', () => NEXT), r.stage('c', () => DONE)],
      r.onError,
    );
    assert.deepEqual(p.stageNames, ['a', 'b', 'c']);
    const ran = p.run(fakeContext('GET', '/'));
    assert.equal(ran, undefined, 'an all-synchronous run returns no promise');
    assert.deepEqual(r.calls, ['a', 'b', 'c']);
    assert.deepEqual(r.errors, []);
  });

  it('stops at the first stage that ends the request', () => {
    const r = recorder();
    const p = new Pipeline('p', [r.stage('a', () => DONE), r.stage('b', () => DONE)], r.onError);
    p.run(fakeContext('GET', '/'));
    assert.deepEqual(r.calls, ['a']);
  });

  it('continues after an asynchronous stage and keeps the order', async () => {
    const r = recorder();
    const p = new Pipeline(
      'p',
      [
        r.stage('a', () => NEXT),
        r.stage('b', async () => NEXT),
        r.stage('c', () => NEXT),
        r.stage('d', async () => DONE),
        r.stage('e', () => DONE),
      ],
      r.onError,
    );
    await p.run(fakeContext('GET', '/'));
    assert.deepEqual(r.calls, ['a', 'b', 'c', 'd']);
    assert.deepEqual(r.errors, []);
  });

  it('turns a thrown or rejected error into the error responder, skipping later stages', async () => {
    const thrown = new FloodgateError('UNAUTHORIZED');
    const r1 = recorder();
    new Pipeline(
      'p',
      [
        r1.stage('a', () => {
          throw thrown;
        }),
        r1.stage('b', () => DONE),
      ],
      r1.onError,
    ).run(fakeContext('GET', '/'));
    assert.deepEqual(r1.calls, ['a']);
    assert.deepEqual(r1.errors, [thrown]);

    const rejected = new FloodgateError('DEPENDENCY_UNAVAILABLE');
    const r2 = recorder();
    await new Pipeline(
      'p',
      [r2.stage('a', () => NEXT), r2.stage('b', () => Promise.reject(rejected)), r2.stage('c', () => DONE)],
      r2.onError,
    ).run(fakeContext('GET', '/'));
    assert.deepEqual(r2.calls, ['a', 'b']);
    assert.deepEqual(r2.errors, [rejected]);
  });

  it('answers INTERNAL when every stage passes on (a wiring bug must not hang a request)', async () => {
    const r = recorder();
    new Pipeline('p', [r.stage('a', () => NEXT)], r.onError).run(fakeContext('GET', '/'));
    await new Pipeline('q', [r.stage('b', async () => NEXT)], r.onError).run(fakeContext('GET', '/'));
    assert.equal(r.errors.length, 2);
    for (const err of r.errors) {
      assert.ok(err instanceof FloodgateError);
      assert.equal(err.code, 'INTERNAL');
    }
  });

  it('refuses an empty stage list at build time', () => {
    assert.throws(() => new Pipeline('empty', [], () => {}), /no stages/);
  });
});
