-- Statics: a request may name its level instead of drawing a pair.
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
-- covers: they leave the free region (Key.blocked counts how many static
-- leases block each rank) so that random allocation never hands them out.
-- The cost depends on k and on the static leases of L's categories, never
-- on the number of leases in the pool.

-- Categories of a canonical level "s0:c1,c3.c5" as a sorted list.
function Statics.categoriesOf(level)
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

function Statics.poolRange()
  local shape = Pairs.poolShape()
  return shape.low, shape.high
end

function Statics.rankOfPair(a, b, low)
  local i, j = a - low, b - low
  return j * (j - 1) / 2 + i
end

-- Ranks of the pairs a static level covers (see above).
function Statics.coveredRanks(cats)
  local low, high = Statics.poolRange()
  local out = {}
  if #cats == 1 then
    local a = cats[1]
    for x = low, high do
      if x < a then table.insert(out, Statics.rankOfPair(x, a, low))
      elseif x > a then table.insert(out, Statics.rankOfPair(a, x, low)) end
    end
  elseif #cats >= 3 then
    for i = 1, #cats do
      for j = i + 1, #cats do table.insert(out, Statics.rankOfPair(cats[i], cats[j], low)) end
    end
  end
  return out
end

function Statics.isSubset(small, big)
  local j = 1
  for _, c in ipairs(small) do
    while big[j] and big[j] < c do j = j + 1 end
    if big[j] ~= c then return false end
  end
  return true
end

function Statics.reservedRanks()
  local set = {}
  for _, rank in ipairs(redis.call('HVALS', Key.reserved)) do set[tonumber(rank)] = true end
  return set
end

-- Hash fields in bulk: HMGET of up to Statics.HASH_BATCH fields a call.
Statics.HASH_BATCH = 4000

function Statics.hashValues(key, fields)
  local out = {}
  for first = 1, #fields, Statics.HASH_BATCH do
    local last = math.min(first + Statics.HASH_BATCH - 1, #fields)
    local v = redis.call('HMGET', key, unpack(fields, first, last))
    for i = first, last do out[i] = v[i - first + 1] end
  end
  return out
end

-- The first live lease (or hold: a pair held for a stable key) or reserved
-- pair that a static level `level` (categories `cats`) would be comparable
-- with, as an error reply, or nil. LEVEL_IN_USE names the holder's workload
-- ('' for a hold) and, for a hold, its stable key.
-- Holders found expired are reclaimed on the way and skipped (Leases.isLive).
function Statics.staticConflict(level, cats)
  local low = Statics.poolRange()
  local reserved = Statics.reservedRanks()

  if #cats == 2 then
    local rank = Statics.rankOfPair(cats[1], cats[2], low)
    local r = Records.readRecord(rank)
    if r and Leases.isLive(rank, r) then
      return {E.LEVEL_IN_USE, level, r.id, r.host, Records.members(r)[1] or '', r.held == '1' and r.stableKey or ''}
    end
    if reserved[rank] then return {E.LEVEL_RESERVED, level, level} end
  end

  -- Pairs the level covers: leased ones are comparable with it. One HMGET
  -- for all of them; almost always every answer is empty.
  local covered = Statics.coveredRanks(cats)
  local records = Statics.hashValues(Key.leases, covered)
  for i, rank in ipairs(covered) do
    local s = records[i]
    if s then
      local r = Records.decodeRecord(s)
      if Leases.isLive(rank, r) then
        local relation = 'dominates'
        if #cats == 1 then relation = 'is dominated by' end
        return {E.LEVEL_CONFLICT, level, r.id, Records.levelOf(rank, r), relation, r.host}
      end
    end
    if reserved[rank] then return {E.LEVEL_RESERVED, level, Pairs.levelOfRank(rank)} end
  end

  -- Other static levels sharing a category.
  local seen = {}
  for _, c in ipairs(cats) do
    for _, s in ipairs(redis.call('SMEMBERS', Key.staticCategory(c))) do
      if not seen[s] then
        seen[s] = true
        local slot = tonumber(s)
        local r = Records.readRecord(slot)
        if r and Leases.isLive(slot, r) then
          local other = Statics.categoriesOf(r.level)
          if r.level == level then
            return {E.LEVEL_IN_USE, level, r.id, r.host, Records.members(r)[1] or '', r.held == '1' and r.stableKey or ''}
          end
          if Statics.isSubset(other, cats) then return {E.LEVEL_CONFLICT, level, r.id, r.level, 'dominates', r.host} end
          if Statics.isSubset(cats, other) then return {E.LEVEL_CONFLICT, level, r.id, r.level, 'is dominated by', r.host} end
        end
      end
    end
  end
  return nil
end

-- Key.blocked counts the static levels blocking each rank; a rank leaves
-- the free region with its first blocker and comes back with its last.
function Statics.blockRanks(ranks)
  local counts = Statics.hashValues(Key.blocked, ranks)
  local writes, first = {}, {}
  for i, rank in ipairs(ranks) do
    local n = (tonumber(counts[i]) or 0) + 1
    writes[#writes + 1], writes[#writes + 2] = rank, n
    if n == 1 then first[#first + 1] = rank end
    if #writes >= Statics.HASH_BATCH then
      redis.call('HSET', Key.blocked, unpack(writes))
      writes = {}
    end
  end
  if #writes > 0 then redis.call('HSET', Key.blocked, unpack(writes)) end
  Pairs.moveRanks(first, true)
  redis.call('HINCRBY', Key.meta, 'blocked', #first)
end

function Statics.unblockRanks(ranks)
  local counts = Statics.hashValues(Key.blocked, ranks)
  local writes, last = {}, {}
  for i, rank in ipairs(ranks) do
    local n = (tonumber(counts[i]) or 0) - 1
    if n <= 0 then
      last[#last + 1] = rank
    else
      writes[#writes + 1], writes[#writes + 2] = rank, n
      if #writes >= Statics.HASH_BATCH then
        redis.call('HSET', Key.blocked, unpack(writes))
        writes = {}
      end
    end
  end
  if #writes > 0 then redis.call('HSET', Key.blocked, unpack(writes)) end
  for first = 1, #last, Statics.HASH_BATCH do
    redis.call('HDEL', Key.blocked, unpack(last, first, math.min(first + Statics.HASH_BATCH - 1, #last)))
  end
  Pairs.moveRanks(last, false)
  redis.call('HINCRBY', Key.meta, 'blocked', -#last)
end

-- Records a granted static level without a pair slot: indexes it by
-- category and blocks the pairs it covers.
function Statics.holdStatic(slot, cats)
  for _, c in ipairs(cats) do redis.call('SADD', Key.staticCategory(c), slot) end
  Statics.blockRanks(Statics.coveredRanks(cats))
end

function Statics.releaseStatic(slot, cats)
  for _, c in ipairs(cats) do redis.call('SREM', Key.staticCategory(c), slot) end
  Statics.unblockRanks(Statics.coveredRanks(cats))
end

-- How many pairs a static level of categories `cats` covers (see above),
-- counted without listing them: every limit is checked before any work.
function Statics.coverCount(cats)
  local k = #cats
  if k == 1 then
    local low, high = Statics.poolRange()
    return high - low
  end
  if k == 2 then return 0 end
  return k * (k - 1) / 2
end

-- A static level that needs a keyed slot (one, or three or more categories)
-- is "wide": it is checked against the other wide levels of its categories.
function Statics.isWide(cats)
  return #cats ~= 2
end

-- Why a static level of `cats` may not even be checked, or nil: it covers
-- more pairs than --max-static-pairs allows.
function Statics.tooWide(level, cats, maxPairs)
  local n = Statics.coverCount(cats)
  if maxPairs > 0 and n > maxPairs then return {E.LEVEL_TOO_WIDE, level, n, maxPairs} end
  return nil
end
