import type { Clock, ClockTimer } from '@floodgate/shared';

/**
 * Where the invalidation bus stands. `unsupported`: the database cannot carry notifications between
 * connections (PGlite), so no instance ever holds a lease and writes need not wait for anyone.
 */
export type BusState = 'connecting' | 'up' | 'down' | 'unsupported';

/** How a write's wait for cluster coherence ended. */
export type WriteWaitOutcome =
  /** Every instance that could hold a lease acknowledged. */
  | 'acked'
  /** Some instance stayed silent; the write waited until that instance's lease had expired. */
  | 'lease-expired'
  /** Our own message never came back: waited until every lease granted before it had expired. */
  | 'fallback'
  /** No bus on this database: nobody holds a lease. */
  | 'none';

/** What the protocol asks of the cache when messages arrive. */
export interface CoherenceHandlers {
  /** A write elsewhere changed these tags: drop their L1 entries and in-flight loads. */
  invalidate(tags: readonly string[]): void;
  /** A write elsewhere could not invalidate L2: stop reading L2 until it is re-validated. */
  distrustL2(): void;
  /** A bus session started (session > 0) or ended (0). */
  sessionChanged(session: number): void;
}

/** Sends one message outside any transaction (pings, acknowledgements). */
export type SendMessage = (channel: string, payload: string) => Promise<void>;

export interface CoherenceOptions {
  /** Unique per process start (lower-case hex): names this instance on the bus. */
  nodeId: string;
  /** The lease: how long after sending a heartbeat that came back the instance may trust its caches. */
  leaseMs: number;
  /** The broadcast channel; acknowledgements go to `<channel>_ack_<nodeId>`. */
  channel: string;
  clock: Clock;
  send: SendMessage;
  handlers: CoherenceHandlers;
}

/** A write's invalidation, registered before its transaction commits. */
export interface PreparedInvalidation {
  readonly msgId: string;
  /** The NOTIFY payload to send inside the write's transaction; null when there is no bus. */
  readonly payload: string | null;
  /** Resolves once no instance can serve a value older than the write (see docs/caching.md). */
  settle(committedAtMs: number): Promise<WriteWaitOutcome>;
  /** The transaction did not commit: forget the invalidation. */
  abandon(): void;
}

interface WriteWait {
  msgId: string;
  committedAt: number | null;
  ownReceivedAt: number | null;
  /** node → the time after which that node's lease has certainly expired. */
  expected: Map<string, number>;
  acks: Set<string>;
  /** Members we may not know of (our session is younger than a lease) hold leases until then. */
  unknownUntil: number;
  timer: ClockTimer | null;
  resolve: ((outcome: WriteWaitOutcome) => void) | null;
  promise: Promise<WriteWaitOutcome> | null;
  done: WriteWaitOutcome | null;
}

/**
 * The coherence protocol, transport-free and clock-driven (docs/caching.md has the proof).
 *
 * Messages on one totally ordered bus (PostgreSQL NOTIFY: delivered in commit order):
 * - `p|node|session|seq`: heartbeat. When an instance receives its own heartbeat in the session it
 *   was sent in, it has received every message ordered before it, so it may trust its caches until
 *   `sentAt + leaseMs` (its own clock; receipt time would not do).
 * - `i|node|msgId|flags|tags`: a write's invalidation, sent inside the write's transaction. Flag `s`:
 *   L2 could not be invalidated. Receivers drop the tags, then acknowledge on the writer's channel.
 * - `b|node`: the node stopped serving from its caches for good (shutdown); it counts as its ack.
 *
 * A writer waits, after commit, until every instance that could hold a lease has acknowledged or
 * that lease has expired. It learns who could: every heartbeat ordered before its own message has
 * reached it by the time its own message does; a member's lease ends at most `leaseMs` after the
 * writer received that member's last heartbeat.
 */
export class CoherenceProtocol {
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly channel: string;
  readonly ackChannel: string;
  readonly #clock: Clock;
  readonly #send: SendMessage;
  readonly #handlers: CoherenceHandlers;
  #state: BusState = 'connecting';
  #sessionCounter = 0;
  #session = 0;
  #sessionStartedAt = 0;
  #leaseUntil = 0;
  #lastOwnPingAt = 0;
  #pingSeq = 0;
  readonly #pingsSent = new Map<number, number>();
  readonly #members = new Map<string, number>();
  readonly #waits = new Map<string, WriteWait>();
  #msgSeq = 0;
  #left = false;
  readonly outcomes: Record<WriteWaitOutcome, number> = {
    acked: 0,
    'lease-expired': 0,
    fallback: 0,
    none: 0,
  };

  constructor(options: CoherenceOptions) {
    if (!/^[0-9a-f]{1,32}$/.test(options.nodeId)) throw new Error('nodeId must be 1-32 lower-case hex');
    this.nodeId = options.nodeId;
    this.leaseMs = options.leaseMs;
    this.channel = options.channel;
    this.ackChannel = `${options.channel}_ack_${options.nodeId}`;
    this.#clock = options.clock;
    this.#send = options.send;
    this.#handlers = options.handlers;
  }

  get state(): BusState {
    return this.#state;
  }

  /** The current bus session (0: none). Cache entries and loads are tagged with it. */
  get session(): number {
    return this.#session;
  }

  /** True while this instance may serve from its caches. */
  leaseValid(): boolean {
    return this.#session !== 0 && !this.#left && this.#clock.monotonic() < this.#leaseUntil;
  }

  /** Remaining lease in ms (0 when none). */
  leaseRemainingMs(): number {
    return this.#session === 0 ? 0 : Math.max(0, this.#leaseUntil - this.#clock.monotonic());
  }

  /** Other instances heard from within a lease. */
  liveMembers(): number {
    const now = this.#clock.monotonic();
    let n = 0;
    for (const at of this.#members.values()) if (at + this.leaseMs > now) n++;
    return n;
  }

  /** The listening connection is subscribed to both channels. */
  sessionStarted(): void {
    this.#session = ++this.#sessionCounter;
    this.#sessionStartedAt = this.#clock.monotonic();
    this.#leaseUntil = 0;
    this.#lastOwnPingAt = this.#sessionStartedAt;
    this.#pingsSent.clear();
    this.#state = 'up';
    this.#handlers.sessionChanged(this.#session);
  }

  /** The listening connection is gone (`down`), or the database has no usable bus (`unsupported`). */
  sessionEnded(state: 'down' | 'unsupported'): void {
    const had = this.#session !== 0;
    this.#session = 0;
    this.#leaseUntil = 0;
    this.#pingsSent.clear();
    this.#state = state;
    if (had) this.#handlers.sessionChanged(0);
    for (const w of this.#waits.values()) this.#evaluate(w);
  }

  /** True when heartbeats have stopped coming back although the session looks alive. */
  isStalled(): boolean {
    return this.#session !== 0 && this.#clock.monotonic() - this.#lastOwnPingAt > 3 * this.leaseMs;
  }

  /**
   * Gives up the lease for good (shutdown) and returns the message announcing it, `b|node`: whoever
   * receives it may count it as this node's acknowledgement of everything, since from now on it
   * serves nothing from its caches. Null without a session (nobody expects us then).
   */
  leave(): string | null {
    this.#left = true;
    this.#leaseUntil = 0;
    return this.#session === 0 ? null : `b|${this.nodeId}`;
  }

  /** The next heartbeat to send, or null without a session. */
  nextPing(): string | null {
    if (this.#session === 0 || this.#left) return null;
    const now = this.#clock.monotonic();
    for (const [seq, at] of this.#pingsSent) if (now - at > 2 * this.leaseMs) this.#pingsSent.delete(seq);
    for (const [node, at] of this.#members) if (now - at > 2 * this.leaseMs) this.#members.delete(node);
    const seq = ++this.#pingSeq;
    this.#pingsSent.set(seq, now);
    return `p|${this.nodeId}|${this.#session}|${seq}`;
  }

  /** A message from the broadcast channel. */
  receive(payload: string): void {
    const kind = payload.charCodeAt(0);
    if (kind === 112 /* p */) this.#receivePing(payload);
    else if (kind === 105 /* i */) this.#receiveInvalidation(payload);
    else if (kind === 98 /* b */) this.#receiveLeave(payload.slice(2));
  }

  /** A message from our acknowledgement channel: `msgId|node`. */
  receiveAck(payload: string): void {
    const bar = payload.lastIndexOf('|');
    if (bar === -1) return;
    const w = this.#waits.get(payload.slice(0, bar));
    if (!w) return;
    w.acks.add(payload.slice(bar + 1));
    this.#evaluate(w);
  }

  /**
   * Registers a write's invalidation before its transaction commits (our own message may arrive
   * before the commit's reply does).
   */
  prepare(tags: readonly string[], l2Stale: boolean): PreparedInvalidation {
    const msgId = `${this.nodeId}.${++this.#msgSeq}`;
    if (this.#state === 'unsupported') {
      return { msgId, payload: null, settle: async () => this.#count('none'), abandon: () => {} };
    }
    const w: WriteWait = {
      msgId,
      committedAt: null,
      ownReceivedAt: null,
      expected: new Map(),
      acks: new Set(),
      unknownUntil: 0,
      timer: null,
      resolve: null,
      promise: null,
      done: null,
    };
    this.#waits.set(msgId, w);
    return {
      msgId,
      payload: `i|${this.nodeId}|${msgId}|${l2Stale ? 's' : ''}|${tags.join(',')}`,
      settle: (committedAtMs) => {
        if (w.done !== null) return Promise.resolve(w.done);
        w.committedAt = committedAtMs;
        w.promise ??= new Promise<WriteWaitOutcome>((resolve) => {
          w.resolve = resolve;
        });
        this.#evaluate(w);
        return w.promise;
      },
      abandon: () => this.#finish(w, null),
    };
  }

  /** Pending write waits (for shutdown and stats). */
  get pendingWrites(): number {
    return this.#waits.size;
  }

  /** Resolves every pending wait now (shutdown: nothing more will arrive). */
  close(): void {
    for (const w of [...this.#waits.values()]) this.#finish(w, 'fallback');
  }

  #receiveLeave(node: string): void {
    if (node === this.nodeId) return;
    this.#members.delete(node);
    for (const w of this.#waits.values()) {
      if (w.expected.has(node)) {
        w.acks.add(node);
        this.#evaluate(w);
      }
    }
  }

  #receivePing(payload: string): void {
    const [, node, session, seq] = payload.split('|');
    if (node === undefined || session === undefined || seq === undefined) return;
    const now = this.#clock.monotonic();
    if (node !== this.nodeId) {
      this.#members.set(node, now);
      return;
    }
    if (Number(session) !== this.#session || this.#session === 0) return;
    const sentAt = this.#pingsSent.get(Number(seq));
    if (sentAt === undefined) return;
    this.#pingsSent.delete(Number(seq));
    this.#lastOwnPingAt = now;
    this.#leaseUntil = Math.max(this.#leaseUntil, sentAt + this.leaseMs);
  }

  #receiveInvalidation(payload: string): void {
    const parts = payload.split('|');
    const node = parts[1];
    const msgId = parts[2];
    if (node === undefined || msgId === undefined) return;
    if (node === this.nodeId) {
      const w = this.#waits.get(msgId);
      // Outside a session we cannot tell which heartbeats preceded it: the fallback bound applies.
      if (!w || this.#session === 0 || w.ownReceivedAt !== null) return;
      const now = this.#clock.monotonic();
      w.ownReceivedAt = now;
      for (const [member, at] of this.#members) {
        if (at + this.leaseMs > now) w.expected.set(member, at + this.leaseMs);
      }
      const knownSince = this.#sessionStartedAt + this.leaseMs;
      w.unknownUntil = knownSince > now ? knownSince : 0;
      this.#evaluate(w);
      return;
    }
    const tags = (parts[4] ?? '').split(',').filter(Boolean);
    this.#handlers.invalidate(tags);
    if ((parts[3] ?? '').includes('s')) this.#handlers.distrustL2();
    // Acknowledged only after the drop above; a lost ack costs the writer a wait, never coherence.
    this.#send(`${this.channel}_ack_${node}`, `${msgId}|${this.nodeId}`).catch(() => {});
  }

  #evaluate(w: WriteWait): void {
    if (w.done !== null || w.committedAt === null) return;
    const now = this.#clock.monotonic();
    // Every lease granted by a heartbeat ordered before our commit has ended by then.
    const fallbackAt = w.committedAt + this.leaseMs;
    if (now >= fallbackAt) {
      this.#finish(w, w.ownReceivedAt === null ? 'fallback' : 'lease-expired');
      return;
    }
    let next = fallbackAt;
    if (w.ownReceivedAt !== null) {
      let waiting = false;
      let silent = false;
      for (const [node, expiresAt] of w.expected) {
        if (w.acks.has(node)) continue;
        if (now >= expiresAt) {
          silent = true;
          continue;
        }
        waiting = true;
        next = Math.min(next, expiresAt);
      }
      if (now < w.unknownUntil) {
        waiting = true;
        next = Math.min(next, w.unknownUntil);
      }
      if (!waiting) {
        this.#finish(w, silent || w.unknownUntil > 0 ? 'lease-expired' : 'acked');
        return;
      }
    }
    if (w.timer) this.#clock.clearTimeout(w.timer);
    w.timer = this.#clock.setTimeout(() => {
      w.timer = null;
      this.#evaluate(w);
    }, next - now);
    w.timer.unref?.();
  }

  #finish(w: WriteWait, outcome: WriteWaitOutcome | null): void {
    if (w.done !== null) return;
    this.#waits.delete(w.msgId);
    if (w.timer) this.#clock.clearTimeout(w.timer);
    w.timer = null;
    if (outcome === null) return;
    w.done = outcome;
    this.#count(outcome);
    w.resolve?.(outcome);
  }

  #count(outcome: WriteWaitOutcome): WriteWaitOutcome {
    this.outcomes[outcome]++;
    return outcome;
  }
}
