import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidIdempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, mayRetryAfterSent } from './retry-policy.js';

describe('mayRetryAfterSent', () => {
  it('repeats idempotent methods, with or without a key', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']) {
      assert.equal(mayRetryAfterSent(method, {}), true, method);
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'not a key' }), true, method);
    }
  });

  it('repeats POST and PATCH only with a valid Idempotency-Key', () => {
    for (const method of ['POST', 'PATCH']) {
      assert.equal(mayRetryAfterSent(method, {}), false, `${method} without a key`);
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'order-42' }), true, `${method} token`);
      assert.equal(
        mayRetryAfterSent(method, { 'idempotency-key': '"8e03978e-40d5-43e8-bc93-6894a57f9324"' }),
        true,
        `${method} quoted`,
      );
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'two words' }), false, `${method} invalid`);
    }
  });

  it('never repeats other methods, whatever they carry', () => {
    for (const method of ['PROPFIND', 'LOCK', 'TRACE', 'CONNECT', 'BREW']) {
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'order-42' }), false, method);
    }
  });
});

describe('isValidIdempotencyKey', () => {
  it('accepts a structured-field string or a bare key, 1 to MAX_IDEMPOTENCY_KEY_LENGTH characters', () => {
    const valid = [
      'a',
      'order-42',
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
      'q1w2E3r4/T5y6+U7i8==', // base64
      'urn:order:2026.12_01~x',
      '"8e03978e-40d5-43e8-bc93-6894a57f9324"',
      '"with spaces, commas; and (parens)"',
      '"escaped \\" quote and \\\\ backslash"',
      '"a!b it\'s"',
      'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH),
      `"${'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH)}"`,
    ];
    for (const key of valid) assert.equal(isValidIdempotencyKey(key), true, key);
  });

  it('refuses empty, over-long, non-ASCII, unbalanced, repeated and non-string values', () => {
    const invalid: (string | string[] | undefined)[] = [
      undefined,
      '',
      '""',
      ' ',
      'two words',
      'a!b', // outside the bare key's characters: quote it
      "it's",
      'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1),
      `"${'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)}"`,
      'ключ',
      '"ключ"',
      'tab\there',
      '"unterminated',
      'unopened"',
      '"bad \\x escape"',
      '"a" junk',
      'a, b', // the same header sent twice, as Node joins it
      '"a", "b"',
      ['a', 'b'],
    ];
    for (const key of invalid) assert.equal(isValidIdempotencyKey(key), false, JSON.stringify(key));
  });
});
