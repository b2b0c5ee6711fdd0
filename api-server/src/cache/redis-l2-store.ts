import { createHash } from 'node:crypto';
import type { Clock, Redis } from '@floodgate/shared';

/** What one L2 lookup found. */
export interface L2ReadResult {
  /** A value whose tag version is current (it may still be past its freshness: check expiresAtMs). */
  hit: boolean;
  payload: string;
  /** Namespace and tag version at the time of the read: a later populate must see both unchanged. */
  epoch: string;
  gen: string;
  /** A write to this tag is in progress: whatever we load now must not be stored. */
  marked: boolean;
  /** 0: no load lock, 1: we took it, 2: another instance holds it. */
  lock: 0 | 1 | 2;
}

// Keys under `<base>`: epoch (namespace version), g:<tag> (tag version), m:<tag> (writes in
// progress), v:<epoch>:<key> ("<gen>\n<payload>"), l:<key> (load lock). Scripts build key names
// from the base, so this layout needs a standalone (or Sentinel) Redis, not Cluster.

const SEED_GEN = `
local function bump(gk, ttl)
  if redis.call('EXISTS', gk) == 1 then redis.call('INCR', gk) else
    local t = redis.call('TIME')
    redis.call('SET', gk, t[1] .. string.format('%06d', tonumber(t[2])))
  end
  redis.call('PEXPIRE', gk, ttl)
end
`;

/** ARGV: base, key, tag, lockToken ('' = no lock), lockTtlMs. */
const READ = `
local base, key, tag = ARGV[1], ARGV[2], ARGV[3]
local e = redis.call('GET', base .. 'epoch') or '0'
local g = redis.call('GET', base .. 'g:' .. tag) or '0'
local marked = 0
if tonumber(redis.call('GET', base .. 'm:' .. tag) or '0') > 0 then marked = 1 end
local v = redis.call('GET', base .. 'v:' .. e .. ':' .. key)
if v then
  local nl = string.find(v, '\\n', 1, true)
  if nl and string.sub(v, 1, nl - 1) == g then return {1, string.sub(v, nl + 1), e, g, marked, 0} end
end
local lk = base .. 'l:' .. key
local lock = 0
if ARGV[4] ~= '' then
  if redis.call('SET', lk, ARGV[4], 'NX', 'PX', ARGV[5]) then lock = 1 else lock = 2 end
elseif redis.call('EXISTS', lk) == 1 then lock = 2 end
return {0, '', e, g, marked, lock}
`;

/** ARGV: base, key, tag, epoch, gen, payload, valuePxMs, lockToken, genTtlMs. Stores only if nothing changed. */
const POPULATE = `
local base, key, tag = ARGV[1], ARGV[2], ARGV[3]
local lk = base .. 'l:' .. key
if ARGV[8] ~= '' and redis.call('GET', lk) == ARGV[8] then redis.call('DEL', lk) end
local e = redis.call('GET', base .. 'epoch') or '0'
if e ~= ARGV[4] then return 0 end
local gk = base .. 'g:' .. tag
local g = redis.call('GET', gk) or '0'
if g ~= ARGV[5] then return 0 end
if tonumber(redis.call('GET', base .. 'm:' .. tag) or '0') > 0 then return 0 end
redis.call('SET', base .. 'v:' .. e .. ':' .. key, g .. '\\n' .. ARGV[6], 'PX', ARGV[7])
if g ~= '0' and redis.call('PTTL', gk) < tonumber(ARGV[9]) then redis.call('PEXPIRE', gk, ARGV[9]) end
return 1
`;

/** ARGV: base, markTtlMs, genTtlMs, tagCount, tags..., keys to delete... */
const BEGIN_WRITE = `${SEED_GEN}
local base = ARGV[1]
local n = tonumber(ARGV[4])
local e = redis.call('GET', base .. 'epoch') or '0'
for i = 1, n do
  local tag = ARGV[4 + i]
  bump(base .. 'g:' .. tag, ARGV[3])
  local mk = base .. 'm:' .. tag
  redis.call('INCR', mk)
  redis.call('PEXPIRE', mk, ARGV[2])
end
for i = 5 + n, #ARGV do redis.call('DEL', base .. 'v:' .. e .. ':' .. ARGV[i]) end
return 1
`;

/** ARGV: base, genTtlMs, tags... */
const END_WRITE = `${SEED_GEN}
local base = ARGV[1]
for i = 3, #ARGV do
  bump(base .. 'g:' .. ARGV[i], ARGV[2])
  local mk = base .. 'm:' .. ARGV[i]
  if redis.call('DECR', mk) <= 0 then redis.call('DEL', mk) end
end
return 1
`;

/** ARGV: base, genTtlMs, tags... (admin: forget the tags' current values). */
const INVALIDATE = `${SEED_GEN}
local base = ARGV[1]
for i = 3, #ARGV do bump(base .. 'g:' .. ARGV[i], ARGV[2]) end
return 1
`;

/** ARGV: base, key, token. */
const RELEASE = `
local lk = ARGV[1] .. 'l:' .. ARGV[2]
if redis.call('GET', lk) == ARGV[3] then return redis.call('DEL', lk) end
return 0
`;

class Script {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

const SCRIPTS = {
  read: new Script(READ),
  populate: new Script(POPULATE),
  beginWrite: new Script(BEGIN_WRITE),
  endWrite: new Script(END_WRITE),
  invalidate: new Script(INVALIDATE),
  release: new Script(RELEASE),
};

export interface RedisL2StoreOptions {
  /** A command connection whose commandTimeout is the L2 timeout. */
  redis: Redis;
  /** Key prefix of the deployment, e.g. "fg:"; the cache lives under "<prefix>cache:". */
  keyPrefix: string;
  clock: Clock;
  /** After a failure, L2 is skipped this long. */
  retryMs: number;
  /** How long a write's "in progress" mark may outlive a writer that never finished. */
  markTtlMs: number;
  /** Tag versions outlive every value tagged with them (no ABA after expiry). */
  genTtlMs: number;
}

/**
 * L2 in Redis. Every operation is one script (one round trip). Values are tagged with their tag's
 * version and live in the current epoch's namespace; a write bumps the version before it commits
 * and marks the tag so that nothing loaded during the write is stored. Any failure makes L2
 * unavailable for `retryMs` (a frozen Redis costs one timeout, not one per request).
 */
export class RedisL2Store {
  readonly #redis: Redis;
  readonly #base: string;
  readonly #clock: Clock;
  readonly #retryMs: number;
  readonly #markTtlMs: number;
  readonly #genTtlMs: number;
  #downUntil = 0;
  errors = 0;

  constructor(options: RedisL2StoreOptions) {
    this.#redis = options.redis;
    this.#base = `${options.keyPrefix}cache:`;
    this.#clock = options.clock;
    this.#retryMs = options.retryMs;
    this.#markTtlMs = options.markTtlMs;
    this.#genTtlMs = options.genTtlMs;
  }

  /** The connection's state (ioredis status: ready, connecting, reconnecting, end...). */
  get status(): string {
    return this.#redis.status;
  }

  /** Connected and not in its back-off after a failure. */
  get available(): boolean {
    return this.#redis.status === 'ready' && this.#clock.monotonic() >= this.#downUntil;
  }

  async read(key: string, tag: string, lockToken = '', lockTtlMs = 0): Promise<L2ReadResult> {
    const r = (await this.#run(SCRIPTS.read, [key, tag, lockToken, String(lockTtlMs)])) as [
      number,
      string,
      string,
      string,
      number,
      number,
    ];
    return {
      hit: r[0] === 1,
      payload: r[1],
      epoch: r[2],
      gen: r[3],
      marked: r[4] === 1,
      lock: r[5] as 0 | 1 | 2,
    };
  }

  /** Stores `payload` unless the epoch, the tag version or a write mark changed since the read. */
  async populate(
    key: string,
    tag: string,
    seen: { epoch: string; gen: string },
    payload: string,
    pxMs: number,
    lockToken: string,
  ): Promise<boolean> {
    const stored = await this.#run(SCRIPTS.populate, [
      key,
      tag,
      seen.epoch,
      seen.gen,
      payload,
      String(Math.max(1, Math.round(pxMs))),
      lockToken,
      String(this.#genTtlMs),
    ]);
    return stored === 1;
  }

  async release(key: string, lockToken: string): Promise<void> {
    await this.#run(SCRIPTS.release, [key, lockToken]);
  }

  /** Before a write commits: bump the tags' versions, mark them in progress, drop `keys`. */
  async beginWrite(tags: readonly string[], keys: readonly string[]): Promise<void> {
    await this.#run(SCRIPTS.beginWrite, [
      String(this.#markTtlMs),
      String(this.#genTtlMs),
      String(tags.length),
      ...tags,
      ...keys,
    ]);
  }

  /** After the write committed (or failed): bump again and clear the in-progress marks. */
  async endWrite(tags: readonly string[]): Promise<void> {
    await this.#run(SCRIPTS.endWrite, [String(this.#genTtlMs), ...tags]);
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    await this.#run(SCRIPTS.invalidate, [String(this.#genTtlMs), ...tags]);
  }

  /** Starts a new, empty namespace: every value stored before is unreachable (and expires by TTL). */
  async bumpEpoch(): Promise<number> {
    return this.#guard(this.#redis.incr(`${this.#base}epoch`));
  }

  /** Deletes the current namespace's values whose keys start with `prefix` (admin; SCAN, bounded). */
  async deletePrefix(prefix: string): Promise<number> {
    const epoch = (await this.#guard(this.#redis.get(`${this.#base}epoch`))) ?? '0';
    const match = `${this.#base}v:${epoch}:${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let deleted = 0;
    let rounds = 0;
    do {
      const [next, keys] = await this.#guard(this.#redis.scan(cursor, 'MATCH', match, 'COUNT', 500));
      cursor = next;
      if (keys.length) deleted += await this.#guard(this.#redis.del(...keys));
    } while (cursor !== '0' && ++rounds < 10_000);
    return deleted;
  }

  /** Deletes one value of the current namespace. */
  async deleteKey(key: string): Promise<number> {
    const epoch = (await this.#guard(this.#redis.get(`${this.#base}epoch`))) ?? '0';
    return this.#guard(this.#redis.del(`${this.#base}v:${epoch}:${key}`));
  }

  async #run(script: Script, args: string[]): Promise<unknown> {
    const argv = [this.#base, ...args];
    try {
      return await this.#guard(this.#redis.evalsha(script.sha, 0, ...argv));
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return this.#guard(this.#redis.eval(script.lua, 0, ...argv));
    }
  }

  async #guard<T>(op: Promise<T>): Promise<T> {
    try {
      return await op;
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) {
        this.errors++;
        this.#downUntil = this.#clock.monotonic() + this.#retryMs;
      }
      throw err;
    }
  }
}
