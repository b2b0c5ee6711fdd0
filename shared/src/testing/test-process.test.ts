import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isProcessRunning, runNodeProcess, startNodeProcess, startTestProcess } from './test-process.js';

describe('test processes', { timeout: 30_000 }, () => {
  let dir: string;
  const script = (name: string, source: string) => {
    const file = join(dir, name);
    return writeFile(file, source).then(() => file);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-test-process-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('waits for output, passes only the given env (plus PATH and HOME), and stops with SIGTERM', async () => {
    const file = await script(
      'echo-env.mts',
      `process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
       console.log('ready', process.env.GREETING, process.env.SECRET_FROM_PARENT ?? 'none');
       setInterval(() => {}, 1000);`,
    );
    process.env.SECRET_FROM_PARENT = 'leaked';
    try {
      const child = startNodeProcess(file, { env: { GREETING: 'hello' } });
      const [line] = await child.waitForOutput(/ready .*/);
      assert.equal(line, 'ready hello none');
      assert.deepEqual(await child.stop(), { code: 0, signal: null });
      assert.match(child.output(), /bye/);
    } finally {
      delete process.env.SECRET_FROM_PARENT;
    }
  });

  it('waitForOutput fails with the output when the process exits first', async () => {
    const file = await script('crash.mts', `console.error('no config'); process.exit(78);`);
    const child = startNodeProcess(file);
    await assert.rejects(
      child.waitForOutput(/listening/),
      /exited before printing \/listening\/[\s\S]*no config/,
    );
    assert.deepEqual(await child.exited, { code: 78, signal: null });
  });

  it('stop() sends SIGKILL after the grace period to a process that ignores SIGTERM, even a frozen one', async () => {
    const file = await script(
      'stubborn.mts',
      `process.on('SIGTERM', () => console.log('ignored')); console.log('up'); setInterval(() => {}, 1000);`,
    );
    const child = startNodeProcess(file);
    await child.waitForOutput(/up/);
    child.freeze();
    assert.deepEqual(await child.stop(300), { code: null, signal: 'SIGKILL' });
    assert.match(child.output(), /ignored/, 'it was thawed and got SIGTERM first');
  });

  it('a node child stops itself when the test process dies, even by SIGKILL (the watchdog)', async () => {
    const harness = new URL('./test-process.ts', import.meta.url).href;
    const grandchild = await script(
      'grandchild.mts',
      'console.log(process.pid); setInterval(() => {}, 1000);',
    );
    const parent = await script(
      'parent.mts',
      `import { startNodeProcess } from ${JSON.stringify(harness)};
       const child = startNodeProcess(${JSON.stringify(grandchild)});
       const [pid] = await child.waitForOutput(/\\d+/);
       console.log('child ' + pid);
       setInterval(() => {}, 1000);`,
    );
    const test = startNodeProcess(parent);
    const [, pid] = await test.waitForOutput(/child (\d+)/);
    assert.ok(isProcessRunning(Number(pid)));
    await test.kill();
    const deadline = Date.now() + 10_000;
    while (isProcessRunning(Number(pid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(isProcessRunning(Number(pid)), false, 'the grandchild exited with its parent');
  });

  it('a child the test forgot to stop neither keeps the test process alive nor outlives it', async () => {
    const harness = new URL('./test-process.ts', import.meta.url).href;
    const parent = await script(
      'forgetful.mts',
      `import { startNodeProcess } from ${JSON.stringify(harness)};
       const child = startNodeProcess(${JSON.stringify(await script('idle.mts', 'setInterval(() => {}, 1000);'))});
       console.log('child ' + child.pid);`,
    );
    const test = startNodeProcess(parent);
    const [, pid] = await test.waitForOutput(/child (\d+)/);
    const timeout = new Promise<'still running'>((r) => setTimeout(() => r('still running'), 15_000).unref());
    assert.deepEqual(await Promise.race([test.exited, timeout]), { code: 0, signal: null });
    const deadline = Date.now() + 10_000;
    while (isProcessRunning(Number(pid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(isProcessRunning(Number(pid)), false, 'the child was killed when its parent exited');
  });

  it('a program that is not node dies with the test process too (parent-death signal)', async () => {
    const harness = new URL('./test-process.ts', import.meta.url).href;
    const parent = await script(
      'parent-of-sleep.mts',
      `import { startTestProcess } from ${JSON.stringify(harness)};
       const child = startTestProcess('sleep', ['60']);
       console.log('child ' + child.pid);
       setInterval(() => {}, 1000);`,
    );
    const test = startNodeProcess(parent);
    const [, pid] = await test.waitForOutput(/child (\d+)/);
    await test.kill();
    const deadline = Date.now() + 10_000;
    while (isProcessRunning(Number(pid)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(isProcessRunning(Number(pid)), false, 'sleep exited with its parent');
  });

  it('runNodeProcess resolves with the exit code and both streams', async () => {
    const file = await script(
      'cli.mts',
      `console.log(process.argv.slice(2).join(' ')); console.error('warn'); process.exit(3);`,
    );
    const result = await runNodeProcess(file, ['a', 'b']);
    assert.deepEqual(result, { code: 3, signal: null, stdout: 'a b\n', stderr: 'warn\n' });
  });

  it('startTestProcess names the program in errors', async () => {
    const child = startTestProcess('false', []);
    await assert.rejects(child.waitForOutput(/never/), /^Error: false \(pid \d+\) exited before printing/);
  });
});
