import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { createCaptureLogger } from '../testing/capture-logger.js';
import { createEventBus } from './create-event-bus.js';
import { IpcEventBus, type IpcEventMessage, type IpcPort, isIpcEventMessage } from './ipc-event-bus.js';

/** Two ends of an in-memory IPC channel, with a relay standing in for the supervisor. */
function fakeChannel() {
  const a = new EventEmitter();
  const b = new EventEmitter();
  const sent: IpcEventMessage[] = [];
  const port = (self: EventEmitter, peer: EventEmitter): IpcPort => ({
    send(msg, cb) {
      sent.push(msg);
      setImmediate(() => peer.emit('message', msg));
      cb?.(null);
      return true;
    },
    on: (e, l) => self.on(e, l),
    off: (e, l) => self.off(e, l),
  });
  return { portA: port(a, b), portB: port(b, a), sent };
}

describe('IpcEventBus', () => {
  it('delivers locally at once and to the other process through the relay', async () => {
    const { portA, portB, sent } = fakeChannel();
    const a = new IpcEventBus(portA);
    const b = new IpcEventBus(portB);
    const gotA: string[] = [];
    await a.subscribe('sessions:revoked', (m) => gotA.push(m));
    const gotB = new Promise<string>((resolve) => void b.subscribe('sessions:revoked', resolve));
    await a.publish('sessions:revoked', 'hash-1');
    assert.deepEqual(gotA, ['hash-1'], 'own subscriber sees it synchronously');
    assert.equal(await gotB, 'hash-1');
    assert.deepEqual(sent, [{ type: 'floodgate:event', channel: 'sessions:revoked', message: 'hash-1' }]);
    await Promise.all([a.close(), b.close()]);
  });

  it('ignores unrelated IPC messages and stops listening on close', async () => {
    const port = new EventEmitter();
    const bus = new IpcEventBus({ on: (e, l) => port.on(e, l), off: (e, l) => port.off(e, l) });
    const got: string[] = [];
    await bus.subscribe('c', (m) => got.push(m));
    port.emit('message', { type: 'other', channel: 'c', message: 'x' });
    port.emit('message', { type: 'floodgate:event', channel: 'c', message: 'y' });
    await bus.close();
    port.emit('message', { type: 'floodgate:event', channel: 'c', message: 'z' });
    assert.deepEqual(got, ['y']);
    assert.equal(port.listenerCount('message'), 0);
    assert.ok(!isIpcEventMessage({ type: 'floodgate:event', channel: 1, message: 'x' }));
  });
});

describe('createEventBus', () => {
  const base = { url: null, keyPrefix: 'fg:', commandTimeoutMs: 100, connectTimeoutMs: 100 };
  it('stays in-process without Redis unless told to relay', async () => {
    const { logger } = createCaptureLogger();
    const local = createEventBus({ ...base, eventBusFallback: 'local' }, logger, { name: 't' });
    assert.equal(local.kind, 'local');
    assert.equal(local.bus.distributed, false);
    await local.close();
    // This test process has no IPC channel, so even 'ipc' must fall back to in-process.
    const noChannel = createEventBus({ ...base, eventBusFallback: 'ipc' }, logger, { name: 't' });
    assert.equal(noChannel.kind, process.send ? 'ipc' : 'local');
    await noChannel.close();
  });
});
