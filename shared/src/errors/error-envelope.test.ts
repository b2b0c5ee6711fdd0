import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from './error-codes.js';
import { toErrorEnvelope } from './error-envelope.js';
import { FloodgateError, isFloodgateError } from './floodgate-error.js';

describe('error model', () => {
  it('maps a FloodgateError to its status and envelope', () => {
    const err = new FloodgateError('RATE_LIMITED');
    assert.ok(isFloodgateError(err));
    assert.deepEqual(toErrorEnvelope(err, 'req-1'), {
      status: 429,
      body: { error: { code: 'RATE_LIMITED', message: 'Rate limit exceeded', requestId: 'req-1' } },
    });
  });

  it('keeps a custom message and safe details', () => {
    const err = new FloodgateError('VALIDATION_FAILED', 'name is required', {
      details: { issues: [{ path: 'name' }] },
    });
    const { status, body } = toErrorEnvelope(err, 'r');
    assert.equal(status, 400);
    assert.equal(body.error.message, 'name is required');
    assert.deepEqual(body.error.details, { issues: [{ path: 'name' }] });
  });

  it('hides unknown errors behind a generic 500', () => {
    const { status, body } = toErrorEnvelope(new Error('connection string postgres://secret@db'), 'r2');
    assert.equal(status, 500);
    assert.deepEqual(body, {
      error: { code: 'INTERNAL', message: 'Internal server error', requestId: 'r2' },
    });
    assert.equal(toErrorEnvelope('a string', 'r3').status, 500);
  });

  it('catalogues unique codes with 4xx/5xx statuses', () => {
    for (const [code, def] of Object.entries(ErrorCodes)) {
      assert.match(code, /^[A-Z][A-Z_]+$/);
      assert.ok(def.status >= 400 && def.status < 600, code);
      assert.ok(def.message.length > 0, code);
    }
  });
});

describe('docs/errors.md', () => {
  it('documents every code with its status', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const [code, def] of Object.entries(ErrorCodes)) {
      assert.match(
        doc,
        new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${def.status}\\s*\\|`),
        `${code} documented as ${def.status}`,
      );
    }
  });
});
