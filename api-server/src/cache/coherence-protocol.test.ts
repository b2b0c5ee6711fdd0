import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { CoherenceProtocol, type WriteWaitOutcome } from './coherence-protocol.js';

const LEASE = 1000;

/** A protocol instance whose sends and handler calls are recorded. */
function node(nodeId: string, clock: FakeClock) {
  const sent: [string, string][] = [];
  const events: string[] = [];
  const p = new CoherenceProtocol({
    nodeId,
    leaseMs: LEASE,
    channel: 'ch',
    clock,
    send: async (channel, payload) => {
      sent.push([channel, payload]);
    },
    handlers: {
      invalidate: (tags) => events.push(`invalidate ${tags.join(',')}`),
      distrustL2: () => events.push('distrust'),
      sessionChanged: (s) => events.push(`session ${s}`),
    },
  });
  return { p, sent, events };
}

/** Lets resolved promise callbacks run. */
const flush = () => new Promise((r) => setImmediate(r));

function track(promise: Promise<WriteWaitOutcome>) {
  const state: { outcome: WriteWaitOutcome | null } = { outcome: null };
  promise.then((o) => {
    state.outcome = o;
  });
  return state;
}

describe('lease', () => {
  test('granted only by our own heartbeat coming back in its session, until sentAt + lease', () => {
    const clock = new FakeClock();
    const { p } = node('a1', clock);
    assert.equal(p.nextPing(), null, 'no heartbeat without a session');
    p.sessionStarted();
    assert.equal(p.leaseValid(), false, 'a new session starts without a lease');
    const ping = p.nextPing() as string;
    clock.advance(300); // the heartbeat travels 300 ms
    p.receive(ping);
    assert.equal(p.leaseValid(), true);
    clock.advance(LEASE - 300 - 1);
    assert.equal(p.leaseValid(), true);
    clock.advance(1);
    assert.equal(p.leaseValid(), false, 'the lease counts from sending, not from receipt');
  });

  test('heartbeats from another node, an old session, or never sent grant nothing', () => {
    const clock = new FakeClock();
    const { p } = node('a1', clock);
    p.sessionStarted();
    const old = p.nextPing() as string;
    p.sessionEnded('down');
    p.sessionStarted();
    p.receive(old);
    assert.equal(p.leaseValid(), false, 'a heartbeat sent in an earlier session');
    p.receive(`p|b2|${p.session}|1`);
    assert.equal(p.leaseValid(), false, "another node's heartbeat");
    p.receive(`p|a1|${p.session}|999`);
    assert.equal(p.leaseValid(), false, 'a heartbeat we never sent');
    assert.equal(p.liveMembers(), 1, 'but the other node is now a known member');
  });

  test('losing the session ends the lease at once', () => {
    const clock = new FakeClock();
    const { p, events } = node('a1', clock);
    p.sessionStarted();
    p.receive(p.nextPing() as string);
    assert.equal(p.leaseValid(), true);
    p.sessionEnded('down');
    assert.equal(p.leaseValid(), false);
    assert.deepEqual(events, ['session 1', 'session 0']);
  });

  test('stalled: heartbeats stop coming back for 3 leases', () => {
    const clock = new FakeClock();
    const { p } = node('a1', clock);
    p.sessionStarted();
    p.nextPing();
    clock.advance(3 * LEASE);
    assert.equal(p.isStalled(), false);
    clock.advance(1);
    assert.equal(p.isStalled(), true);
  });
});

describe('receiving an invalidation', () => {
  test('drops the tags, distrusts L2 when flagged, then acknowledges to the writer', () => {
    const clock = new FakeClock();
    const { p, sent, events } = node('b2', clock);
    p.sessionStarted();
    p.receive('i|a1|a1.7|s|resource:4,list');
    assert.deepEqual(events, ['session 1', 'invalidate resource:4,list', 'distrust']);
    assert.deepEqual(sent, [['ch_ack_a1', 'a1.7|b2']]);
    p.receive('i|a1|a1.8||resource:5');
    assert.equal(events.at(-1), 'invalidate resource:5', 'no flag, no distrust');
  });
});

describe('a write waits for coherence', () => {
  /** Writer a1 with members b2 and c3 heard at `heardAt` (monotonic ms), session older than a lease. */
  function cluster(clock: FakeClock) {
    const w = node('a1', clock);
    w.p.sessionStarted();
    clock.advance(LEASE + 1);
    w.p.receive(`p|b2|1|1`);
    w.p.receive(`p|c3|1|1`);
    return w;
  }

  test('resolves as soon as every member that may hold a lease acknowledged', async () => {
    const clock = new FakeClock();
    const { p } = cluster(clock);
    const prepared = p.prepare(['resource:1', 'list'], false);
    assert.equal(prepared.payload, `i|a1|${prepared.msgId}||resource:1,list`);
    const state = track(prepared.settle(clock.monotonic()));
    p.receive(prepared.payload as string); // our own message comes back
    p.receiveAck(`${prepared.msgId}|b2`);
    await flush();
    assert.equal(state.outcome, null, 'c3 has not acknowledged');
    p.receiveAck(`${prepared.msgId}|zz`);
    await flush();
    assert.equal(state.outcome, null, 'an ack from a node that was not expected changes nothing');
    p.receiveAck(`${prepared.msgId}|c3`);
    await flush();
    assert.equal(state.outcome, 'acked');
  });

  test('a silent member is waited for until its lease has certainly expired, not longer', async () => {
    const clock = new FakeClock();
    const { p } = cluster(clock);
    const heardAt = clock.monotonic();
    clock.advance(100);
    const prepared = p.prepare(['resource:1'], false);
    const state = track(prepared.settle(clock.monotonic()));
    p.receive(prepared.payload as string);
    p.receiveAck(`${prepared.msgId}|b2`);
    clock.advance(heardAt + LEASE - clock.monotonic() - 1);
    await flush();
    assert.equal(state.outcome, null, 'c3 may still hold a lease');
    clock.advance(1);
    await flush();
    assert.equal(state.outcome, 'lease-expired');
  });

  test('our own message never arriving: wait one lease after commit (every earlier lease is over)', async () => {
    const clock = new FakeClock();
    const { p } = cluster(clock);
    const prepared = p.prepare(['resource:1'], false);
    const committedAt = clock.monotonic();
    const state = track(prepared.settle(committedAt));
    p.receiveAck(`${prepared.msgId}|b2`);
    p.receiveAck(`${prepared.msgId}|c3`);
    clock.advance(LEASE - 1);
    await flush();
    assert.equal(state.outcome, null, 'acks alone do not prove that nobody else holds a lease');
    clock.advance(1);
    await flush();
    assert.equal(state.outcome, 'fallback');
  });

  test('our session younger than a lease: members we missed may exist, so wait out the lease', async () => {
    const clock = new FakeClock();
    const { p } = node('a1', clock);
    p.sessionStarted();
    const startedAt = clock.monotonic();
    clock.advance(200);
    const prepared = p.prepare(['resource:1'], false);
    const state = track(prepared.settle(clock.monotonic()));
    p.receive(prepared.payload as string);
    clock.advance(startedAt + LEASE - clock.monotonic() - 1);
    await flush();
    assert.equal(state.outcome, null);
    clock.advance(1);
    await flush();
    assert.equal(state.outcome, 'lease-expired');
  });

  test('members silent for longer than a lease are not waited for', async () => {
    const clock = new FakeClock();
    const { p } = cluster(clock);
    clock.advance(LEASE);
    const prepared = p.prepare(['resource:1'], false);
    const state = track(prepared.settle(clock.monotonic()));
    p.receive(prepared.payload as string);
    await flush();
    assert.equal(state.outcome, 'acked');
  });

  test('our own message received outside a session does not count (we cannot know who preceded it)', async () => {
    const clock = new FakeClock();
    const { p } = cluster(clock);
    const prepared = p.prepare(['resource:1'], false);
    const state = track(prepared.settle(clock.monotonic()));
    p.sessionEnded('down');
    p.receive(prepared.payload as string);
    p.receiveAck(`${prepared.msgId}|b2`);
    p.receiveAck(`${prepared.msgId}|c3`);
    await flush();
    assert.equal(state.outcome, null);
    clock.advance(LEASE);
    await flush();
    assert.equal(state.outcome, 'fallback');
  });

  test('on a database without a bus (PGlite) nothing is sent and nothing is waited for', async () => {
    const clock = new FakeClock();
    const { p } = node('a1', clock);
    p.sessionEnded('unsupported');
    const prepared = p.prepare(['resource:1'], true);
    assert.equal(prepared.payload, null);
    assert.equal(await prepared.settle(clock.monotonic()), 'none');
    assert.equal(p.leaseValid(), false);
  });

  test('a member that leaves (shutdown) counts as having acknowledged; the leaver serves nothing cached', async () => {
    const clock = new FakeClock();
    const { p } = cluster(clock);
    const prepared = p.prepare(['resource:1'], false);
    const state = track(prepared.settle(clock.monotonic()));
    p.receive(prepared.payload as string);
    p.receiveAck(`${prepared.msgId}|b2`);
    p.receive('b|c3');
    await flush();
    assert.equal(state.outcome, 'acked', 'no wait for the lease of a node that left');
    assert.equal(p.liveMembers(), 1);

    const leaver = node('d4', clock);
    leaver.p.sessionStarted();
    leaver.p.receive(leaver.p.nextPing() as string);
    assert.equal(leaver.p.leaseValid(), true);
    assert.equal(leaver.p.leave(), 'b|d4');
    assert.equal(leaver.p.leaseValid(), false);
    assert.equal(leaver.p.nextPing(), null, 'no heartbeat can bring the lease back');
  });

  test('an abandoned write (rolled back) leaves nothing pending', () => {
    const clock = new FakeClock();
    const { p } = cluster(clock);
    const prepared = p.prepare(['resource:1'], false);
    assert.equal(p.pendingWrites, 1);
    prepared.abandon();
    assert.equal(p.pendingWrites, 0);
  });
});
