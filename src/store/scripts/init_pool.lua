-- init_pool: create a pool, or check that an existing one matches the
-- server's settings, and bring its reserved pairs in line with them.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] pool name
-- ARGV[3] sensitivity, e.g. "s0"
-- ARGV[4] category range, e.g. "c0.c1023"
-- ARGV[5] lowest category number
-- ARGV[6] number of pairs in the range
-- ARGV[7] how many lease events to keep (about; 0 = none)
-- ARGV[8..] reserved pairs as level, rank, level, rank, ...
--
-- Returns {0, created (1|0), unreserved count, newly reserved count} or
--   {E_CATEGORIES_MISMATCH, stored sensitivity, stored categories}
--   {E_RESERVED_IN_USE, level, lease id}
--   {E_POOL_STATE_INCONSISTENT, key}
--   {E_LAYOUT_MISMATCH, stored layout version, this script's}
-- Nothing is written unless every check passes. Safe to run from every
-- replica at every start and after every reconnect.

-- The key layout of lease.lua; a pool written by another layout is refused.
local LAYOUT_VERSION = 3

local pool, sensitivity, categories = ARGV[2], ARGV[3], ARGV[4]
local low, total = tonumber(ARGV[5]), tonumber(ARGV[6])

local wanted = {}
for i = 8, #ARGV, 2 do wanted[ARGV[i]] = tonumber(ARGV[i + 1]) end

local created = 0
if redis.call('EXISTS', KEY_META) == 0 then
  -- Without meta the permutation and counters are meaningless: refuse to
  -- build on leftovers rather than hand out pairs that may be in use.
  for _, k in ipairs({KEY_SLOTS, KEY_POS, KEY_LEASES, KEY_HOSTS, KEY_RESERVED, KEY_BLOCKED}) do
    if redis.call('EXISTS', k) == 1 then return {E_POOL_STATE_INCONSISTENT, k} end
  end
  -- Fencing tokens start from the clock (x1000) so that they keep growing
  -- even if the pool has to be created again after Redis lost its data.
  local now = nowMs()
  redis.call('HSET', KEY_META,
    'version', LAYOUT_VERSION, 'pool', pool, 'sensitivity', sensitivity, 'categories', categories,
    'low', low, 'total', total, 'free', total, 'token', now * 1000, 'created', now, 'labelseq', 0, 'keyedseq', 0, 'blocked', 0)
  created = 1
else
  local m = redis.call('HMGET', KEY_META, 'sensitivity', 'categories', 'version')
  if m[1] ~= sensitivity or m[2] ~= categories then
    return {E_CATEGORIES_MISMATCH, m[1] or '', m[2] or ''}
  end
  if tonumber(m[3]) ~= LAYOUT_VERSION then
    return {E_LAYOUT_MISMATCH, m[3] or '', LAYOUT_VERSION}
  end
end

-- Check first, then write: a pair to be reserved must not be leased.
local current = redis.call('HGETALL', KEY_RESERVED)
local have = {}
for i = 1, #current, 2 do have[current[i]] = tonumber(current[i + 1]) end
for level, rank in pairs(wanted) do
  if not have[level] then
    local holder = readRecord(rank)
    if holder then return {E_RESERVED_IN_USE, level, holder.id} end
    if redis.call('HEXISTS', KEY_BLOCKED, rank) == 1 then
      return {E_RESERVED_IN_USE, level, 'a static level covering it'}
    end
  end
end

local unreserved, reserved = 0, 0
for level, rank in pairs(have) do
  if not wanted[level] then
    freeRank(rank)
    redis.call('HDEL', KEY_RESERVED, level)
    unreserved = unreserved + 1
  end
end
for level, rank in pairs(wanted) do
  if not have[level] then
    takeRank(rank)
    redis.call('HSET', KEY_RESERVED, level, rank)
    reserved = reserved + 1
  end
end
redis.call('HSET', KEY_META, 'eventmax', tonumber(ARGV[7]))
return {0, created, unreserved, reserved}
