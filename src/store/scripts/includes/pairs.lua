-- The pair pool as a permutation of ranks 0..total-1 held in two packed
-- arrays of u24 (Redis strings written with BITFIELD; 523,776 pairs take
-- 1.5 MB each):
--   slots[p] = rank stored at position p
--   pos[r]   = position of rank r
-- Positions below meta.free hold the free ranks; the rest are leased or
-- reserved. Entries store value+1 so that an unwritten (zero) entry means
-- "identity", which lets a fresh pool start without writing anything.
-- Drawing, taking and freeing a rank are O(1) swaps.
-- Needs KEY_META, KEY_SLOTS, KEY_POS set by the including script.

local function positionOf(rank)
  local v = redis.call('BITFIELD', KEY_POS, 'GET', 'u24', '#' .. rank)[1]
  if v == 0 then return rank end
  return v - 1
end

-- Swaps the ranks at positions p and q; returns the rank that was at p.
-- Three BITFIELD calls: both reads in one, then the two writes of each array.
local function swapPositions(p, q)
  local v = redis.call('BITFIELD', KEY_SLOTS, 'GET', 'u24', '#' .. p, 'GET', 'u24', '#' .. q)
  local rp, rq = p, q
  if v[1] ~= 0 then rp = v[1] - 1 end
  if v[2] ~= 0 then rq = v[2] - 1 end
  if p == q then return rp end
  redis.call('BITFIELD', KEY_SLOTS, 'SET', 'u24', '#' .. p, rq + 1, 'SET', 'u24', '#' .. q, rp + 1)
  redis.call('BITFIELD', KEY_POS, 'SET', 'u24', '#' .. rq, p + 1, 'SET', 'u24', '#' .. rp, q + 1)
  return rp
end

local function freeCount()
  return tonumber(redis.call('HGET', KEY_META, 'free'))
end

-- Draws a free rank uniformly: `random` is a caller-supplied integer in
-- [0, 2^48); fmod is exact on doubles, and the modulo bias is below 2^-29.
local function drawFreeRank(random)
  local free = freeCount()
  local rank = swapPositions(math.fmod(random, free), free - 1)
  redis.call('HSET', KEY_META, 'free', free - 1)
  return rank
end

-- Takes a specific rank out of the free region. Returns false when it is
-- not free.
local function takeRank(rank)
  local free = freeCount()
  local p = positionOf(rank)
  if p >= free then return false end
  swapPositions(p, free - 1)
  redis.call('HSET', KEY_META, 'free', free - 1)
  return true
end

-- Puts a rank back into the free region. Returns false when it already was
-- free (so a double release can never duplicate a pair).
local function freeRank(rank)
  local free = freeCount()
  local p = positionOf(rank)
  if p < free then return false end
  swapPositions(p, free)
  redis.call('HSET', KEY_META, 'free', free + 1)
  return true
end

-- Inverse of the combinatorial number system of src/domain/pairs.ts:
-- rank = j*(j-1)/2 + i with 0 <= i < j. Returns the two category numbers.
local function pairOfRank(rank, low)
  local j = math.floor((1 + math.sqrt(1 + 8 * rank)) / 2)
  while j * (j - 1) / 2 > rank do j = j - 1 end
  while (j + 1) * j / 2 <= rank do j = j + 1 end
  local i = rank - j * (j - 1) / 2
  return low + i, low + j
end

local function levelOfRank(rank)
  local m = redis.call('HMGET', KEY_META, 'sensitivity', 'low')
  local a, b = pairOfRank(rank, tonumber(m[2]))
  return m[1] .. ':c' .. a .. ',c' .. b
end
