import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from './passwords.js';

test('hashPassword makes a salted bcrypt hash of cost 10 that verifyPassword accepts', async () => {
  const [h1, h2] = await Promise.all([hashPassword('s3cret!'), hashPassword('s3cret!')]);
  assert.match(h1, /^\$2[aby]\$10\$.{53}$/);
  assert.notEqual(h1, h2, 'salted');
  assert.equal(await verifyPassword('s3cret!', h1), true);
  assert.equal(await verifyPassword('s3cret?', h1), false);
});

test('verifyPassword never throws: malformed or missing hashes are non-matches', async () => {
  for (const bad of ['', 'not-a-hash', '$2b$10$short', `$2b$99$${'x'.repeat(53)}`, null, undefined]) {
    assert.equal(await verifyPassword('anything', bad), false, String(bad));
  }
});
