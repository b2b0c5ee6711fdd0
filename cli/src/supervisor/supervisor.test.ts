import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PARENT_WATCHDOG_URL } from '@floodgate/shared';
import { isProcessRunning } from '@floodgate/shared/testing';
import { type ChildProcessSpec, Supervisor } from './supervisor.js';

const TSX = import.meta.resolve('tsx');
const WATCHDOG = PARENT_WATCHDOG_URL;
const SUPERVISOR = new URL('./supervisor.ts', import.meta.url).href;

// Tiny children. Each long-running one connects to the test's "liveness" server (port in argv[2]),
// so the test learns that a child died from its socket closing instead of by polling pids.
const SCRIPTS: Record<string, string> = {
  'crasher.mjs': `console.log('starting'); console.error('about to fail'); setTimeout(() => process.exit(1), 100);`,
  'server.mjs': `
    import { connect } from 'node:net';
    const s = connect(Number(process.argv[2]), '127.0.0.1', () => s.write(process.env.NAME + ' ' + process.pid + '\\n'));
    s.on('error', () => {});
    process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });
    setInterval(() => {}, 1000);
    console.log('ready');`,
  // Speaks the IpcEventBus protocol: prints every relayed event, publishes one when told on stdin-free argv.
  'bus.mjs': `
    process.on('message', (m) => { if (m && m.type === 'floodgate:event') console.log('got ' + m.channel + ' ' + m.message); });
    process.on('SIGTERM', () => process.exit(0));
    setInterval(() => {}, 1000);
    console.log('ready');
    if (process.argv[3] === 'publish') setTimeout(() => process.send({ type: 'floodgate:event', channel: 'sessions:revoked', message: 'h1' }), 200);`,
  'stubborn.mjs': `
    import { connect } from 'node:net';
    const s = connect(Number(process.argv[2]), '127.0.0.1', () => s.write(process.env.NAME + ' ' + process.pid + '\\n'));
    s.on('error', () => {});
    process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
    setInterval(() => {}, 1000);
    console.log('ready');`,
};

let dir: string;
let liveness: Server;
let livenessPort: number;
/** name → the child's socket on the liveness server (the latest one per name). */
const connections = new Map<string, { pid: number; socket: Socket; closed: Promise<void> }>();
const connected = new EventTarget();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-supervisor-'));
  for (const [name, body] of Object.entries(SCRIPTS)) await writeFile(join(dir, name), body);
  liveness = createServer((socket) => {
    const closed = once(socket, 'close').then(() => {});
    socket.setEncoding('utf8');
    socket.once('data', (line: string) => {
      const [name, pid] = line.trim().split(' ');
      connections.set(name as string, { pid: Number(pid), socket, closed });
      connected.dispatchEvent(new Event(name as string));
    });
  });
  liveness.listen(0, '127.0.0.1');
  await once(liveness, 'listening');
  livenessPort = (liveness.address() as { port: number }).port;
});

after(async () => {
  // Only matters when a test failed: no child of ours may outlive the file.
  for (const { pid, socket } of connections.values()) {
    socket.destroy();
    if (isProcessRunning(pid)) process.kill(pid, 'SIGKILL');
  }
  liveness.close();
  await rm(dir, { recursive: true, force: true });
});

function spec(name: string, script: string, extraArgs: string[] = []): ChildProcessSpec {
  return {
    name,
    command: process.execPath,
    args: [...extraArgs, join(dir, script), String(livenessPort)],
    env: { ...process.env, NAME: name },
  };
}

function whenConnected(name: string): Promise<{ pid: number; closed: Promise<void> }> {
  const existing = connections.get(name);
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve) =>
    connected.addEventListener(name, () => resolve(connections.get(name)!), { once: true }),
  );
}

/** Collects output lines and resolves waiters when a line matches. */
function lineCollector() {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  return {
    lines,
    output: (line: string) => {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    },
    waitFor(re: RegExp): Promise<string> {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
}

describe('Supervisor', () => {
  it('restarts a crashing child with growing backoff, logs each restart and prefixes its output', {
    timeout: 15_000,
  }, async () => {
    const out = lineCollector();
    const sup = new Supervisor({
      children: [spec('crasher', 'crasher.mjs')],
      output: out.output,
      restart: { initialDelayMs: 50, factor: 2 },
    });
    const pids: number[] = [];
    sup.on('child:spawned', ({ pid }) => pids.push(pid));
    const scheduled: { delayMs: number; attempt: number }[] = [];
    sup.on('child:restart-scheduled', ({ delayMs, attempt }) => scheduled.push({ delayMs, attempt }));
    sup.start();
    try {
      await out.waitFor(/restarting in 100 ms \(attempt 2\)/);
      await once(sup, 'child:spawned'); // the third run
    } finally {
      await sup.stop();
    }
    assert.deepEqual(scheduled.slice(0, 2), [
      { delayMs: 50, attempt: 1 },
      { delayMs: 100, attempt: 2 },
    ]);
    assert.ok(
      out.lines.includes('[supervisor] child crasher exited with code 1; restarting in 50 ms (attempt 1)'),
      out.lines.join('\n'),
    );
    assert.ok(out.lines.includes('[crasher] starting'), 'stdout is passed through with the name prefix');
    assert.ok(out.lines.includes('[crasher] about to fail'), 'stderr too');
    assert.ok(pids.length >= 3 && new Set(pids).size === pids.length, 'each restart is a new process');
  });

  it('treats a command that cannot be started like a crash: logged and retried with backoff', {
    timeout: 15_000,
  }, async () => {
    const out = lineCollector();
    const sup = new Supervisor({
      children: [{ name: 'ghost', command: join(dir, 'no-such-binary'), args: [], env: {} }],
      output: out.output,
      restart: { initialDelayMs: 20 },
    });
    sup.start();
    try {
      await out.waitFor(/attempt 2/);
    } finally {
      await sup.stop();
    }
    assert.match(
      out.lines[0] ?? '',
      /^\[supervisor\] child ghost could not be started \(.*ENOENT.*\); restarting in 20 ms \(attempt 1\)$/,
    );
  });

  it('relays event-bus messages from one child to every other child, not back to the sender', {
    timeout: 15_000,
  }, async () => {
    const out = lineCollector();
    const publisher = spec('pub', 'bus.mjs');
    publisher.args = [...publisher.args, 'publish'];
    const supervisor = new Supervisor({
      children: [publisher, spec('sub-1', 'bus.mjs'), spec('sub-2', 'bus.mjs')],
      output: out.output,
    });
    supervisor.start();
    try {
      await out.waitFor(/^\[sub-1\] got sessions:revoked h1$/);
      await out.waitFor(/^\[sub-2\] got sessions:revoked h1$/);
      assert.ok(!out.lines.some((l) => l.startsWith('[pub] got')), 'the sender is not echoed');
    } finally {
      await supervisor.stop();
    }
  });

  it('stop() SIGTERMs every child, waits for them and restarts nothing', { timeout: 15_000 }, async () => {
    const out = lineCollector();
    const sup = new Supervisor({
      children: [spec('one', 'server.mjs'), spec('two', 'server.mjs')],
      output: out.output,
    });
    let restarts = 0;
    sup.on('child:restart-scheduled', () => restarts++);
    sup.start();
    const [one, two] = await Promise.all([whenConnected('one'), whenConnected('two')]);
    const exits: { name: string; signal: string | null; code: number | null; expected: boolean }[] = [];
    sup.on('child:exited', (e) => exits.push(e));
    await sup.stop();
    await Promise.all([one.closed, two.closed]);
    assert.equal(restarts, 0);
    assert.deepEqual(exits.map((e) => [e.name, e.code, e.expected]).sort(), [
      ['one', 0, true],
      ['two', 0, true],
    ]);
    assert.ok(out.lines.includes('[one] got SIGTERM') && out.lines.includes('[two] got SIGTERM'));
    assert.equal(sup.pids().size, 0);
    assert.ok(!isProcessRunning(one.pid) && !isProcessRunning(two.pid));
  });

  it('SIGKILLs a child that ignores SIGTERM once the stop deadline passes', { timeout: 15_000 }, async () => {
    const out = lineCollector();
    const sup = new Supervisor({
      children: [spec('stubborn', 'stubborn.mjs'), spec('polite', 'server.mjs')],
      output: out.output,
      stopTimeoutMs: 400,
    });
    sup.start();
    const [stubborn] = await Promise.all([whenConnected('stubborn'), whenConnected('polite')]);
    const killed: string[] = [];
    sup.on('child:killed', ({ name }) => killed.push(name));
    const exits = new Map<string, NodeJS.Signals | null>();
    sup.on('child:exited', (e) => exits.set(e.name, e.signal));
    const started = performance.now();
    await sup.stop();
    const elapsed = performance.now() - started;
    await stubborn.closed;
    assert.deepEqual(killed, ['stubborn']);
    assert.equal(exits.get('stubborn'), 'SIGKILL');
    assert.equal(exits.get('polite'), null);
    assert.ok(elapsed >= 390, `waited for the deadline (${elapsed} ms)`);
    assert.ok(out.lines.includes('[stubborn] ignoring SIGTERM'));
    assert.ok(out.lines.some((l) => /child stubborn did not stop within 400 ms; sending SIGKILL/.test(l)));
  });

  describe('as its own process', () => {
    // A supervisor process like `floodgate up`: stops its children on SIGTERM and exits 0; SIGUSR2
    // makes it crash. Its children get the parent watchdog only when asked to.
    const RUNNER = `
      import { Supervisor } from ${JSON.stringify(SUPERVISOR)};
      const [dir, port, tag, watchdog] = process.argv.slice(2);
      const imports = watchdog === 'watchdog' ? ['--import', ${JSON.stringify(TSX)}, '--import', ${JSON.stringify(WATCHDOG)}] : [];
      const child = (name) => ({ name, command: process.execPath,
        args: [...imports, dir + '/server.mjs', port], env: { ...process.env, NAME: name + '-' + tag } });
      const sup = new Supervisor({ children: [child('a'), child('b')] });
      process.on('SIGTERM', () => sup.stop().then(() => process.exit(0)));
      process.on('SIGUSR2', () => { throw new Error('supervisor bug'); });
      sup.start();
    `;

    async function startRunner(tag: string, watchdog: boolean): Promise<ChildProcess> {
      const file = join(dir, 'runner.mts');
      await writeFile(file, RUNNER);
      const args = [file, dir, String(livenessPort), tag, watchdog ? 'watchdog' : 'none'];
      return spawn(process.execPath, ['--import', TSX, '--conditions=source', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    }

    it('SIGTERM to the supervisor stops all children and it exits 0', { timeout: 15_000 }, async () => {
      const proc = await startRunner('term', false);
      const [a, b] = await Promise.all([whenConnected('a-term'), whenConnected('b-term')]);
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
      await Promise.all([a.closed, b.closed]);
      assert.ok(!isProcessRunning(a.pid) && !isProcessRunning(b.pid));
    });

    it('a crashing supervisor takes its children with it', { timeout: 15_000 }, async () => {
      const proc = await startRunner('crash', false);
      const [a, b] = await Promise.all([whenConnected('a-crash'), whenConnected('b-crash')]);
      const exited = once(proc, 'exit');
      proc.kill('SIGUSR2');
      const [code] = await exited;
      assert.notEqual(code, 0);
      await Promise.all([a.closed, b.closed]);
    });

    it('a SIGKILLed supervisor leaves no orphans: the watchdog stops each child', {
      timeout: 15_000,
    }, async () => {
      const proc = await startRunner('kill', true);
      const [a, b] = await Promise.all([whenConnected('a-kill'), whenConnected('b-kill')]);
      proc.kill('SIGKILL');
      // The children's sockets close only when they exit (they may still await reaping by init).
      await Promise.all([a.closed, b.closed]);
    });
  });
});
