import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isValidIdempotencyKey,
  MALFORMED_IDEMPOTENCY_KEY,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKey,
} from './idempotency-key.js';

describe('parseIdempotencyKey', () => {
  it('unquotes a structured-field string and keeps a bare key as it is', () => {
    assert.equal(parseIdempotencyKey(undefined), null);
    assert.equal(parseIdempotencyKey('order-42'), 'order-42');
    assert.equal(parseIdempotencyKey('"a \\" b \\\\ c"'), 'a " b \\ c');
    assert.equal(parseIdempotencyKey('two words'), MALFORMED_IDEMPOTENCY_KEY);
    assert.equal(parseIdempotencyKey(['a', 'b']), MALFORMED_IDEMPOTENCY_KEY);
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
