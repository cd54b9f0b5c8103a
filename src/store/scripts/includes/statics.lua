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
  local m = redis.call('HMGET', KEY_META, 'low', 'total')
  local low = tonumber(m[1])
  -- total = n(n-1)/2, so n = (1 + sqrt(1 + 8 total)) / 2
  local n = math.floor((1 + math.sqrt(1 + 8 * tonumber(m[2]))) / 2 + 0.5)
  return low, low + n - 1
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

  -- Pairs the level covers: leased ones are comparable with it.
  for _, rank in ipairs(coveredRanks(cats)) do
    local r = readRecord(rank)
    if r and isLive(rank, r) then
      local relation = 'dominates'
      if #cats == 1 then relation = 'is dominated by' end
      return {E_LEVEL_CONFLICT, level, r.id, levelOf(rank, r), relation}
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
          if isSubset(other, cats) then return {E_LEVEL_CONFLICT, level, r.id, r.level, 'dominates'} end
          if isSubset(cats, other) then return {E_LEVEL_CONFLICT, level, r.id, r.level, 'is dominated by'} end
        end
      end
    end
  end
  return nil
end

local function blockRank(rank)
  if redis.call('HINCRBY', KEY_BLOCKED, rank, 1) == 1 then
    takeRank(rank)
    redis.call('HINCRBY', KEY_META, 'blocked', 1)
  end
end

local function unblockRank(rank)
  if redis.call('HINCRBY', KEY_BLOCKED, rank, -1) <= 0 then
    redis.call('HDEL', KEY_BLOCKED, rank)
    freeRank(rank)
    redis.call('HINCRBY', KEY_META, 'blocked', -1)
  end
end

-- Records a granted static level without a pair slot: indexes it by
-- category and blocks the pairs it covers.
local function holdStatic(slot, cats)
  for _, c in ipairs(cats) do redis.call('SADD', scatKey(c), slot) end
  for _, rank in ipairs(coveredRanks(cats)) do blockRank(rank) end
end

local function releaseStatic(slot, cats)
  for _, c in ipairs(cats) do redis.call('SREM', scatKey(c), slot) end
  for _, rank in ipairs(coveredRanks(cats)) do unblockRank(rank) end
end

-- What a lease costs its host's quota (--host-quota), in pairs: a pair
-- lease one, a static level the pairs it keeps out of the pool (at least
-- one), a disabled label one (its slot). Pod members add nothing.
local function quotaCost(slot, kind, level)
  if isPairSlot(slot) or kind ~= 's' then return 1 end
  return math.max(1, #coveredRanks(categoriesOf(level)))
end

local function chargeHost(host, cost)
  redis.call('HINCRBY', KEY_HOSTUSE, host, cost)
end

local function refundHost(host, cost)
  if redis.call('HINCRBY', KEY_HOSTUSE, host, -cost) <= 0 then redis.call('HDEL', KEY_HOSTUSE, host) end
end

-- An error reply when `cost` more pairs would take the host over `quota` (0 = none).
local function quotaExceeded(host, cost, quota)
  if quota <= 0 then return nil end
  local used = tonumber(redis.call('HGET', KEY_HOSTUSE, host)) or 0
  if used + cost > quota then return {E_HOST_QUOTA, host, used, cost, quota} end
  return nil
end
