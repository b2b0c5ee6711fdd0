import { createHash } from 'node:crypto';

/**
 * One rate-limit decision, atomically, in Redis (docs/rate-limiting.md has the algorithm and its
 * bound). KEYS[1]: the counter hash. ARGV: windowMs, buckets, max, [nowMs: tests only].
 *
 * The hash holds one field per sub-window (bucket index → admitted count) plus `s` (sum of the
 * stored buckets), `f` (oldest stored bucket) and `n` (newest). A decision drops buckets that left
 * the window, counts the oldest overlapping bucket in full (so admitted ≤ max in every window),
 * and increments the current bucket only when it admits. Redis TIME is the only clock, so gateway
 * clock skew cannot matter. At most buckets + 4 fields per key; the key expires when idle.
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}.
 */
export const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local window = tonumber(ARGV[1])
local buckets = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local now
if ARGV[4] and ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
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
local dirty = false
if newest == nil or first == nil or newest < oldest then
  if newest ~= nil then redis.call('DEL', key) end
  sum = 0
  first = current
  newest = nil
else
  while first < oldest do
    local v = redis.call('HGET', key, first)
    if v then
      sum = sum - tonumber(v)
      redis.call('HDEL', key, first)
    end
    first = first + 1
    dirty = true
  end
  while first < newest and redis.call('HEXISTS', key, first) == 0 do
    first = first + 1
    dirty = true
  end
end
local allowed = 0
local retry = 0
if sum + 1 <= max then
  redis.call('HINCRBY', key, current, 1)
  sum = sum + 1
  if newest == nil then first = current end
  redis.call('HSET', key, 's', sum, 'f', first, 'n', current)
  redis.call('PEXPIRE', key, (buckets + 2) * width)
  allowed = 1
else
  if dirty then redis.call('HSET', key, 's', sum, 'f', first) end
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
return {allowed, remaining, reset, retry}
`;

export const SLIDING_WINDOW_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');
