import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestProcess } from '@floodgate/shared/testing';
import { lockDataDir } from './data-dir-lock.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-lock-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('lockDataDir', () => {
  it('lets one process hold a data dir at a time and frees it on release', async () => {
    const lock = await lockDataDir(join(dir, 'a'));
    assert.equal((await readFile(lock.path, 'utf8')).trim(), String(process.pid));
    await assert.rejects(lockDataDir(join(dir, 'a')), /in use by a running floodgate/);
    await lock.release();
    await assert.rejects(stat(lock.path), { code: 'ENOENT' });
    const again = await lockDataDir(join(dir, 'a'));
    await again.release();
  });

  it('refuses a dir held by another live process and takes over one left by a dead process', async () => {
    const other = startTestProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      const path = join(dir, 'floodgate.pid');
      await writeFile(path, `${other.pid}\n`);
      await assert.rejects(lockDataDir(dir), new RegExp(`pid ${other.pid}`));
      await other.kill();
      const lock = await lockDataDir(dir);
      assert.equal((await readFile(path, 'utf8')).trim(), String(process.pid));
      await lock.release();
    } finally {
      await other.kill();
    }
  });
});
