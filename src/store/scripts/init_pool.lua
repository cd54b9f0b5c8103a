-- init_pool: create a pool, or check that an existing one matches the
-- server's settings, and bring its reserved pairs in line with them.
--
-- A.pool
-- A.sensitivity      e.g. "s0"
-- A.categories       the category range, e.g. "c0.c1023"
-- A.low              lowest category number
-- A.total            number of pairs in the range
-- A.eventRetention   how many lease events to keep (about; 0 = none)
-- A.recoveryMs       when the pool is created now: how long new leases wait
--                    for hosts to report what they run (0 = the pool is new:
--                    nobody can be running with its labels)
-- rest               reserved pairs as level, rank, level, rank, ...
--
-- Returns {0, created (1|0), unreserved count, newly reserved count, the
-- layout version the pool was moved from ('' = none)} or
--   {E.CATEGORIES_MISMATCH, stored sensitivity, stored categories}
--   {E.RESERVED_IN_USE, level, lease id}
--   {E.POOL_STATE_INCONSISTENT, key}
--   {E.LAYOUT_MISMATCH, stored layout version, this script's}
-- Nothing is written unless every check passes. Safe to run from every
-- replica at every start and after every reconnect.
--
-- A pool written with another key layout (C.LAYOUT_VERSION) is refused,
-- except layout 3, which is moved to this one in place: it kept a host's
-- counters in three hashes shared by all hosts (hostuse, members,
-- hoststatics), where this layout gives each host a hash of its own
-- (Hosts). One pass over the hosts; services of layout 3 must be stopped
-- first (they would go on writing the old hashes).

local function moveFromLayout3()
  for old, field in pairs({hostuse = Hosts.USED, members = Hosts.MEMBERS, hoststatics = Hosts.WIDE}) do
    local key = Call.prefix .. old
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do redis.call('HSET', Key.hostCounters(all[i]), field, all[i + 1]) end
    redis.call('DEL', key)
  end
  redis.call('HSET', Key.meta, 'version', C.LAYOUT_VERSION)
end

local pool, sensitivity, categories = A.pool, A.sensitivity, A.categories
local low, total = tonumber(A.low), tonumber(A.total)

local wanted = {}
local reserved = Call.rest(A.rest)
for i = 1, #reserved, 2 do wanted[reserved[i]] = tonumber(reserved[i + 1]) end

local created, movedFrom = 0, ''
if redis.call('EXISTS', Key.meta) == 0 then
  -- Without meta the permutation and counters are meaningless: refuse to
  -- build on leftovers rather than hand out pairs that may be in use.
  for _, k in ipairs({Key.slots, Key.pos, Key.leases, Key.hosts, Key.reserved, Key.blocked}) do
    if redis.call('EXISTS', k) == 1 then return {E.POOL_STATE_INCONSISTENT, k} end
  end
  -- Fencing tokens start from the clock (x1000) so that they keep growing
  -- even if the pool has to be created again after Redis lost its data.
  local now = Call.now()
  redis.call('HSET', Key.meta,
    'version', C.LAYOUT_VERSION, 'pool', pool, 'sensitivity', sensitivity, 'categories', categories,
    'low', low, 'total', total, 'free', total, 'token', now * 1000, 'created', now, 'labelseq', 0, 'keyedseq', 0, 'blocked', 0, 'held', 0)
  -- A pool created again after Redis lost it: workloads may still run with
  -- labels it no longer knows. New leases wait (E.POOL_RECOVERING) until
  -- the hosts have reported them (Reconcile) or the window ends.
  if tonumber(A.recoveryMs) > 0 then redis.call('HSET', Key.meta, 'recoverUntil', now + tonumber(A.recoveryMs)) end
  created = 1
else
  local m = redis.call('HMGET', Key.meta, 'sensitivity', 'categories', 'version')
  if m[1] ~= sensitivity or m[2] ~= categories then
    return {E.CATEGORIES_MISMATCH, m[1] or '', m[2] or ''}
  end
  if tonumber(m[3]) == 3 then
    movedFrom = m[3]
  elseif tonumber(m[3]) ~= C.LAYOUT_VERSION then
    return {E.LAYOUT_MISMATCH, m[3] or '', C.LAYOUT_VERSION}
  end
end

-- Check first, then write: a pair to be reserved must not be leased.
local current = redis.call('HGETALL', Key.reserved)
local have = {}
for i = 1, #current, 2 do have[current[i]] = tonumber(current[i + 1]) end
for level, rank in pairs(wanted) do
  if not have[level] then
    local holder = Records.readRecord(rank)
    if holder then return {E.RESERVED_IN_USE, level, holder.id} end
    if redis.call('HEXISTS', Key.blocked, rank) == 1 then
      return {E.RESERVED_IN_USE, level, 'a static level covering it'}
    end
  end
end

local unreserved, reserved = 0, 0
for level, rank in pairs(have) do
  if not wanted[level] then
    Pairs.freeRank(rank)
    redis.call('HDEL', Key.reserved, level)
    unreserved = unreserved + 1
  end
end
for level, rank in pairs(wanted) do
  if not have[level] then
    Pairs.takeRank(rank)
    redis.call('HSET', Key.reserved, level, rank)
    reserved = reserved + 1
  end
end
if movedFrom ~= '' then moveFromLayout3() end
redis.call('HSET', Key.meta, 'eventmax', tonumber(A.eventRetention))
return {0, created, unreserved, reserved, movedFrom}
