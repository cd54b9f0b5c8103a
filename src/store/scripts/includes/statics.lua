-- Static levels: a request may name its level instead of drawing a pair.
-- Needs KEY_META, KEY_LEASES, KEY_BLOCKED, KEY_RESERVED (and pairs.lua,
-- lease.lua) set by the including script.
--
-- Under the MCS constraints a process may read a file when its level
-- dominates the file's, so no two live leases may dominate one another.
-- Random pairs never do (distinct pairs are incomparable); a static level L
-- of k categories can:
--   k = 1: L = {a} is dominated by every pair containing a;
--   k = 2: L is a pair (it takes that rank like a random lease);
--   k >= 3: L dominates every pair inside it.
-- Granting L therefore checks the pairs it covers (n-1 for k = 1, none for
-- k = 2, C(k,2) for k >= 3) and the other static levels sharing a category
-- (scat:<c>, a set of slots per category), and then blocks the pairs it
-- covers: they leave the free region (KEY_BLOCKED counts how many static
-- leases block each rank) so that random allocation never hands them out.
-- The cost depends on k and on the static leases of L's categories, never
-- on the number of leases in the pool.

local function scatKey(c)
  return prefix .. 'scat:' .. c
end

-- Categories of a canonical level "s0:c1,c3.c5" as a sorted list.
local function categoriesOf(level)
  local out = {}
  local cats = string.match(level, ':(.*)$')
  if not cats then return out end
  for item in string.gmatch(cats, '[^,]+') do
    local a, b = string.match(item, '^c(%d+)%.c(%d+)$')
    if a then
      for c = tonumber(a), tonumber(b) do table.insert(out, c) end
    else
      table.insert(out, tonumber(string.match(item, '^c(%d+)$')))
    end
  end
  return out
end

local function poolRange()
  local shape = poolShape()
  return shape.low, shape.high
end

local function rankOfPair(a, b, low)
  local i, j = a - low, b - low
  return j * (j - 1) / 2 + i
end

-- Ranks of the pairs a static level covers (see above).
local function coveredRanks(cats)
  local low, high = poolRange()
  local out = {}
  if #cats == 1 then
    local a = cats[1]
    for x = low, high do
      if x < a then table.insert(out, rankOfPair(x, a, low))
      elseif x > a then table.insert(out, rankOfPair(a, x, low)) end
    end
  elseif #cats >= 3 then
    for i = 1, #cats do
      for j = i + 1, #cats do table.insert(out, rankOfPair(cats[i], cats[j], low)) end
    end
  end
  return out
end

local function isSubset(small, big)
  local j = 1
  for _, c in ipairs(small) do
    while big[j] and big[j] < c do j = j + 1 end
    if big[j] ~= c then return false end
  end
  return true
end

local function reservedRanks()
  local set = {}
  for _, rank in ipairs(redis.call('HVALS', KEY_RESERVED)) do set[tonumber(rank)] = true end
  return set
end

-- Hash fields in bulk: HMGET of up to HASH_BATCH fields a call.
local HASH_BATCH = 4000

local function hashValues(key, fields)
  local out = {}
  for first = 1, #fields, HASH_BATCH do
    local last = math.min(first + HASH_BATCH - 1, #fields)
    local v = redis.call('HMGET', key, unpack(fields, first, last))
    for i = first, last do out[i] = v[i - first + 1] end
  end
  return out
end

-- The first live lease or reserved pair that a static level `level`
-- (categories `cats`) would be comparable with, as an error reply, or nil.
-- `isLive(slot, r)` says whether a found holder is still live (expired
-- holders are reclaimed by the caller's function and skipped).
local function staticConflict(level, cats, isLive)
  local low = poolRange()
  local reserved = reservedRanks()

  if #cats == 2 then
    local rank = rankOfPair(cats[1], cats[2], low)
    local r = readRecord(rank)
    if r and isLive(rank, r) then return {E_LEVEL_IN_USE, level, r.id, r.host, members(r)[1]} end
    if reserved[rank] then return {E_LEVEL_RESERVED, level, level} end
  end

  -- Pairs the level covers: leased ones are comparable with it. One HMGET
  -- for all of them; almost always every answer is empty.
  local covered = coveredRanks(cats)
  local records = hashValues(KEY_LEASES, covered)
  for i, rank in ipairs(covered) do
    local s = records[i]
    if s then
      local r = decodeRecord(s)
      if isLive(rank, r) then
        local relation = 'dominates'
        if #cats == 1 then relation = 'is dominated by' end
        return {E_LEVEL_CONFLICT, level, r.id, levelOf(rank, r), relation, r.host}
      end
    end
    if reserved[rank] then return {E_LEVEL_RESERVED, level, levelOfRank(rank)} end
  end

  -- Other static levels sharing a category.
  local seen = {}
  for _, c in ipairs(cats) do
    for _, s in ipairs(redis.call('SMEMBERS', scatKey(c))) do
      if not seen[s] then
        seen[s] = true
        local slot = tonumber(s)
        local r = readRecord(slot)
        if r and isLive(slot, r) then
          local other = categoriesOf(r.level)
          if r.level == level then return {E_LEVEL_IN_USE, level, r.id, r.host, members(r)[1]} end
          if isSubset(other, cats) then return {E_LEVEL_CONFLICT, level, r.id, r.level, 'dominates', r.host} end
          if isSubset(cats, other) then return {E_LEVEL_CONFLICT, level, r.id, r.level, 'is dominated by', r.host} end
        end
      end
    end
  end
  return nil
end

-- KEY_BLOCKED counts the static levels blocking each rank; a rank leaves
-- the free region with its first blocker and comes back with its last.
local function blockRanks(ranks)
  local counts = hashValues(KEY_BLOCKED, ranks)
  local writes, first = {}, {}
  for i, rank in ipairs(ranks) do
    local n = (tonumber(counts[i]) or 0) + 1
    writes[#writes + 1], writes[#writes + 2] = rank, n
    if n == 1 then first[#first + 1] = rank end
    if #writes >= HASH_BATCH then
      redis.call('HSET', KEY_BLOCKED, unpack(writes))
      writes = {}
    end
  end
  if #writes > 0 then redis.call('HSET', KEY_BLOCKED, unpack(writes)) end
  moveRanks(first, true)
  redis.call('HINCRBY', KEY_META, 'blocked', #first)
end

local function unblockRanks(ranks)
  local counts = hashValues(KEY_BLOCKED, ranks)
  local writes, last = {}, {}
  for i, rank in ipairs(ranks) do
    local n = (tonumber(counts[i]) or 0) - 1
    if n <= 0 then
      last[#last + 1] = rank
    else
      writes[#writes + 1], writes[#writes + 2] = rank, n
      if #writes >= HASH_BATCH then
        redis.call('HSET', KEY_BLOCKED, unpack(writes))
        writes = {}
      end
    end
  end
  if #writes > 0 then redis.call('HSET', KEY_BLOCKED, unpack(writes)) end
  for first = 1, #last, HASH_BATCH do
    redis.call('HDEL', KEY_BLOCKED, unpack(last, first, math.min(first + HASH_BATCH - 1, #last)))
  end
  moveRanks(last, false)
  redis.call('HINCRBY', KEY_META, 'blocked', -#last)
end

-- Records a granted static level without a pair slot: indexes it by
-- category and blocks the pairs it covers.
local function holdStatic(slot, cats)
  for _, c in ipairs(cats) do redis.call('SADD', scatKey(c), slot) end
  blockRanks(coveredRanks(cats))
end

local function releaseStatic(slot, cats)
  for _, c in ipairs(cats) do redis.call('SREM', scatKey(c), slot) end
  unblockRanks(coveredRanks(cats))
end

-- How many pairs a static level of categories `cats` covers (see above),
-- counted without listing them: every limit is checked before any work.
local function coverCount(cats)
  local k = #cats
  if k == 1 then
    local low, high = poolRange()
    return high - low
  end
  if k == 2 then return 0 end
  return k * (k - 1) / 2
end

-- A static level that needs a keyed slot (one, or three or more categories)
-- is "wide": it is checked against the other wide levels of its categories.
local function isWide(cats)
  return #cats ~= 2
end

-- What a lease costs its host's quota (--host-quota), in pairs: a pair
-- lease one, a static level the pairs it keeps out of the pool (at least
-- one), a disabled label one (its slot). Pod members add nothing.
local function quotaCost(slot, kind, level)
  if isPairSlot(slot) or kind ~= 's' then return 1 end
  return math.max(1, coverCount(categoriesOf(level)))
end

-- Wide static levels per host (--host-static-quota): each one is walked
-- by every later static level sharing a category, so a host may hold only
-- a few.
local function hostStaticsKey()
  return prefix .. 'hoststatics'
end

local function chargeHost(host, cost, wide)
  redis.call('HINCRBY', KEY_HOSTUSE, host, cost)
  if wide then redis.call('HINCRBY', hostStaticsKey(), host, 1) end
end

local function refundHost(host, cost, wide)
  if redis.call('HINCRBY', KEY_HOSTUSE, host, -cost) <= 0 then redis.call('HDEL', KEY_HOSTUSE, host) end
  if wide and redis.call('HINCRBY', hostStaticsKey(), host, -1) <= 0 then redis.call('HDEL', hostStaticsKey(), host) end
end

-- Why `host` may not take a new lease costing `cost` pairs (a wide static
-- level when `wide`), as an error reply, or nil. `limits`: quota (pairs,
-- 0 = none), staticQuota (wide levels, 0 = none).
local function quotaExceeded(host, cost, wide, limits)
  if limits.quota > 0 then
    local used = tonumber(redis.call('HGET', KEY_HOSTUSE, host)) or 0
    if used + cost > limits.quota then return {E_HOST_QUOTA, host, used, cost, limits.quota} end
  end
  if wide and limits.staticQuota > 0 then
    local held = tonumber(redis.call('HGET', hostStaticsKey(), host)) or 0
    if held + 1 > limits.staticQuota then return {E_HOST_STATIC_QUOTA, host, held, limits.staticQuota} end
  end
  return nil
end

-- Why a static level of `cats` may not even be checked, or nil: it covers
-- more pairs than --max-static-pairs allows.
local function tooWide(level, cats, maxPairs)
  local n = coverCount(cats)
  if maxPairs > 0 and n > maxPairs then return {E_LEVEL_TOO_WIDE, level, n, maxPairs} end
  return nil
end
