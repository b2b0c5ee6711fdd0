import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hash as bcryptHash } from 'bcryptjs';
import { hashPassword, PASSWORD_HASH_PARAMS, passwordNeedsRehash, verifyPassword } from './passwords.js';

test('hashPassword makes a salted, self-describing scrypt hash that verifyPassword accepts', async () => {
  const [h1, h2] = await Promise.all([hashPassword('s3cret!'), hashPassword('s3cret!')]);
  const { ln, r, p } = PASSWORD_HASH_PARAMS;
  assert.match(
    h1,
    new RegExp(`^\\$scrypt\\$ln=${ln},r=${r},p=${p}\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$`),
  );
  assert.notEqual(h1, h2, 'salted');
  assert.equal(await verifyPassword('s3cret!', h1), true);
  assert.equal(await verifyPassword('s3cret?', h1), false);
});

test('every byte of a password counts, also after the 72nd', async () => {
  const long = 'p'.repeat(72);
  const hash = await hashPassword(`${long}-the-real-suffix`);
  assert.equal(await verifyPassword(`${long}-the-real-suffix`, hash), true);
  assert.equal(await verifyPassword(`${long}-another-suffix`, hash), false);
  assert.equal(await verifyPassword(long, hash), false);
});

test('legacy bcrypt hashes still verify and are due a rehash, unless the password is past 72 bytes', async () => {
  const legacy = await bcryptHash('user123', 4);
  assert.equal(await verifyPassword('user123', legacy), true);
  assert.equal(await verifyPassword('user124', legacy), false);
  assert.equal(passwordNeedsRehash(legacy, 'user123'), true);
  assert.equal(passwordNeedsRehash(legacy, 'x'.repeat(73)), false, 'bcrypt never checked byte 73');
  assert.equal(passwordNeedsRehash(await hashPassword('user123'), 'user123'), false);
  assert.equal(passwordNeedsRehash(`$scrypt$ln=14,r=8,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`, 'x'), true);
});

test('verifyPassword never throws: malformed or missing hashes are non-matches', async () => {
  for (const bad of [
    '',
    'not-a-hash',
    '$2b$10$short',
    `$2b$99$${'x'.repeat(53)}`,
    `$scrypt$ln=30,r=8,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`,
    `$scrypt$ln=15,r=8,p=3$${'A'.repeat(21)}$${'A'.repeat(43)}`,
    null,
    undefined,
  ]) {
    assert.equal(await verifyPassword('anything', bad), false, String(bad));
  }
});
