import { createHash } from 'node:crypto';

/**
 * One rate-limit decision, atomically, in Redis (docs/rate-limiting.md has the algorithm and its
 * bound). KEYS[1]: the counter hash. ARGV: windowMs, buckets, max, want, refundBucket, refundCount,
 * [nowMs: tests only].
 *
 * The hash holds one field per sub-window (bucket index → admitted count) plus `s` (sum of the
 * stored buckets), `f` (oldest stored bucket) and `n` (newest). A decision drops buckets that left
 * the window, counts the oldest overlapping bucket in full (so admitted ≤ max in every window),
 * and counts the current bucket only for what it grants. `want` > 1 asks for a lease: up to `want`
 * units granted at once, which the gateway may admit locally until the current bucket ends (they
 * are counted now, so the bound still holds); `refundCount` units of an earlier lease that were
 * never used are first given back to `refundBucket` (ignored once that bucket left the window).
 * Redis TIME is the only clock, so gateway clock skew cannot matter. At most buckets + 4 fields per
 * key; the key expires when idle. The common case is four calls: TIME, HMGET, HINCRBY × 2.
 * Returns {granted, remaining, resetMs, retryAfterMs, bucket, bucketRemainingMs}.
 */
export const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local window = tonumber(ARGV[1])
local buckets = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local refundBucket = tonumber(ARGV[5])
local refundCount = tonumber(ARGV[6])
local now
if ARGV[7] and ARGV[7] ~= '' then
  now = tonumber(ARGV[7])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local width = math.ceil(window / buckets)
local current = math.floor(now / width)
local oldest = current - buckets
local state = redis.call('HMGET', key, 's', 'f', 'n')
local sum = tonumber(state[1]) or 0
local first = tonumber(state[2])
local newest = tonumber(state[3])
if newest == nil or first == nil or newest < oldest then
  if newest ~= nil then redis.call('DEL', key) end
  sum = 0
  first = current
  newest = nil
else
  local moved = false
  while first < oldest do
    local v = redis.call('HGET', key, first)
    if v then
      sum = sum - tonumber(v)
      redis.call('HDEL', key, first)
    end
    first = first + 1
    moved = true
  end
  if refundCount > 0 and refundBucket >= first then
    local v = tonumber(redis.call('HGET', key, refundBucket))
    if v then
      local r = math.min(v, refundCount)
      if r == v then redis.call('HDEL', key, refundBucket) else redis.call('HINCRBY', key, refundBucket, -r) end
      sum = sum - r
      moved = true
    end
  end
  while first < newest and redis.call('HEXISTS', key, first) == 0 do
    first = first + 1
    moved = true
  end
  if moved then redis.call('HSET', key, 's', sum, 'f', first) end
end
local granted = math.min(want, max - sum)
local retry = 0
if granted >= 1 then
  redis.call('HINCRBY', key, current, granted)
  sum = redis.call('HINCRBY', key, 's', granted)
  if newest ~= current then
    -- First grant in this bucket: record it and push the expiry past the bucket's last window.
    redis.call('HSET', key, 'f', first, 'n', current)
    redis.call('PEXPIRE', key, (buckets + 2) * width)
  end
else
  granted = 0
  local need = sum + 1 - max
  local freed = 0
  local j = first
  while j <= current do
    local v = redis.call('HGET', key, j)
    if v then freed = freed + tonumber(v) end
    if freed >= need then break end
    j = j + 1
  end
  retry = (j + buckets + 1) * width - now
end
local reset = 0
if sum > 0 then reset = (first + buckets + 1) * width - now end
local remaining = max - sum
if remaining < 0 then remaining = 0 end
return {granted, remaining, reset, retry, current, (current + 1) * width - now}
`;

export const SLIDING_WINDOW_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');
