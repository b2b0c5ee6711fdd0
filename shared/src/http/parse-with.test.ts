import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseQuery, parseWith } from './parse-with.js';

const Body = z.strictObject({
  name: z.string().min(1),
  tier: z.enum(['free', 'pro']),
  n: z.int().optional(),
});

describe('parseWith', () => {
  it('returns the parsed value', () => {
    assert.deepEqual(parseWith(Body, { name: 'a', tier: 'pro' }), { name: 'a', tier: 'pro' });
  });

  it('throws VALIDATION_FAILED in one wording: the first three issues in the message, all in details', () => {
    assert.throws(
      () => parseWith(Body, { name: '', tier: 'gold', n: 1.5, extra: 1, more: 2 }),
      (err: Error & { code?: string; details?: { issues: { path: string; message: string }[] } }) => {
        assert.equal(err.code, 'VALIDATION_FAILED');
        assert.deepEqual(
          err.details?.issues.map((i) => i.path),
          ['name', 'tier', 'n', 'extra', 'more'],
        );
        assert.deepEqual(
          err.details?.issues.slice(3).map((i) => i.message),
          ['unknown field', 'unknown field'],
        );
        assert.match(err.message, /^Invalid request body: name: .+; tier: .+; n: [^;]+$/);
        return true;
      },
    );
    assert.throws(() => parseWith(Body, undefined, 'query'), {
      message: /^Invalid query: Invalid input: expected object/,
    });
  });
});

describe('parseQuery', () => {
  it('takes the first value of a repeated parameter and names the query in errors', () => {
    const Q = z.strictObject({ limit: z.coerce.number().int().max(10) });
    assert.deepEqual(parseQuery(Q, new URLSearchParams('limit=3&limit=99')), { limit: 3 });
    assert.throws(() => parseQuery(Q, new URLSearchParams('limit=99')), {
      message: /^Invalid query: limit: /,
    });
    assert.throws(() => parseQuery(Q, new URLSearchParams('limit=1&x=1')), {
      message: 'Invalid query: x: unknown field',
    });
  });
});
