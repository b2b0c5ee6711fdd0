import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateRequestId, isValidRequestId, resolveRequestId } from './request-id.js';

describe('request ids', () => {
  it('keeps a valid incoming id', () => {
    assert.equal(resolveRequestId('abc-123_x.y:z'), 'abc-123_x.y:z');
  });

  it('replaces missing, oversized or unsafe ids', () => {
    for (const bad of [undefined, '', 'a'.repeat(129), 'has space', 'new\nline', '<script>', ['a', 'b']]) {
      const id = resolveRequestId(bad as string | undefined);
      assert.notEqual(id, bad);
      assert.ok(isValidRequestId(id));
    }
  });

  it('generates unique ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateRequestId));
    assert.equal(ids.size, 1000);
  });
});
