-- Pairs: the pair pool as a permutation of ranks 0..total-1 held in two packed
-- arrays of u24 (Redis strings written with BITFIELD; 523,776 pairs take
-- 1.5 MB each):
--   slots[p] = rank stored at position p
--   pos[r]   = position of rank r
-- Positions below meta.free hold the free ranks; the rest are leased or
-- reserved. Entries store value+1 so that an unwritten (zero) entry means
-- "identity", which lets a fresh pool start without writing anything.
-- Drawing, taking and freeing a rank are O(1) swaps.

-- One entry of a packed array, with one GETRANGE (BITFIELD costs about
-- 1 us per entry more: it parses its type and offset arguments); reading
-- past the end of the string reads zeros, as BITFIELD would.
function Pairs.getEntry(key, index)
  local o = 3 * index
  local b1, b2, b3 = string.byte(redis.call('GETRANGE', key, string.format('%d', o), string.format('%d', o + 2)), 1, 3)
  local raw = (b1 or 0) * 65536 + (b2 or 0) * 256 + (b3 or 0)
  if raw == 0 then return index end
  return raw - 1
end

-- Writes one entry of a packed array with one SETRANGE.
function Pairs.setEntry(key, index, value)
  local x = value + 1
  local b3 = x % 256
  local b2 = (x - b3) / 256 % 256
  redis.call('SETRANGE', key, string.format('%d', 3 * index), string.char((x - b3 - 256 * b2) / 65536, b2, b3))
end

function Pairs.positionOf(rank)
  return Pairs.getEntry(Key.pos, rank)
end

-- Writes entries i and j of a packed array, the higher one first.
function Pairs.setEntries(key, i, vi, j, vj)
  if i > j then
    Pairs.setEntry(key, i, vi)
    Pairs.setEntry(key, j, vj)
  else
    Pairs.setEntry(key, j, vj)
    Pairs.setEntry(key, i, vi)
  end
end

-- Swaps the ranks at positions p and q; returns the rank that was at p
-- (`rp` when the caller knows it: the rank whose position p is).
function Pairs.swapPositions(p, q, rp)
  rp = rp or Pairs.getEntry(Key.slots, p)
  if p == q then return rp end
  local rq = Pairs.getEntry(Key.slots, q)
  -- The higher entry of each array first: a string SETRANGE creates is as
  -- long as asked, one it lengthens gets room to spare (1 MiB at this
  -- size), as BITFIELD writing both entries at once did not.
  Pairs.setEntries(Key.slots, p, rq, q, rp)
  Pairs.setEntries(Key.pos, rq, p, rp, q)
  return rp
end

-- The free count, read once per call (Call.meta) and kept current here.
function Pairs.freeCount()
  return tonumber(Call.meta().free)
end

function Pairs.setFree(free)
  redis.call('HSET', Key.meta, 'free', string.format('%d', free))
  Call.meta().free = free
end

-- Draws a free rank uniformly: `random` is a caller-supplied integer in
-- [0, 2^48); fmod is exact on doubles, and the modulo bias is below 2^-29.
function Pairs.drawFreeRank(random)
  local free = Pairs.freeCount()
  local rank = Pairs.swapPositions(math.fmod(random, free), free - 1)
  Pairs.setFree(free - 1)
  return rank
end

-- Takes a specific rank out of the free region. Returns false when it is
-- not free.
function Pairs.takeRank(rank)
  local free = Pairs.freeCount()
  local p = Pairs.positionOf(rank)
  if p >= free then return false end
  Pairs.swapPositions(p, free - 1, rank)
  Pairs.setFree(free - 1)
  return true
end

-- Puts a rank back into the free region. Returns false when it already was
-- free (so a double release can never duplicate a pair).
function Pairs.freeRank(rank)
  local free = Pairs.freeCount()
  local p = Pairs.positionOf(rank)
  if p < free then return false end
  Pairs.swapPositions(p, free, rank)
  Pairs.setFree(free + 1)
  return true
end

-- Bulk versions for static levels, which take or give back up to
-- --max-static-pairs ranks at once. Called one entry at a time from Lua,
-- BITFIELD costs about 2 us per entry (converting its arguments), so runs
-- of consecutive entries are read and written as bytes with one
-- GETRANGE/SETRANGE each (an entry is 3 bytes, big-endian, value+1), and
-- only scattered entries go through BITFIELD, many per call.
Pairs.BITFIELD_BATCH = 1000 -- ops per BITFIELD call (Lua's unpack takes at most 8000 values)
Pairs.MIN_RUN = 4 -- shorter runs are cheaper as single BITFIELD ops

-- Scattered entries `indexes` of a packed array into out[index].
function Pairs.readEntries(key, indexes, out)
  for first = 1, #indexes, Pairs.BITFIELD_BATCH do
    local last = math.min(first + Pairs.BITFIELD_BATCH - 1, #indexes)
    local args = {}
    for i = first, last do
      local n = #args
      args[n + 1], args[n + 2], args[n + 3] = 'GET', 'u24', '#' .. indexes[i]
    end
    local v = redis.call('BITFIELD', key, unpack(args))
    for i = first, last do
      local index, raw = indexes[i], v[i - first + 1]
      if raw == 0 then out[index] = index else out[index] = raw - 1 end
    end
  end
end

-- Scattered index -> value entries of a packed array.
function Pairs.writeEntries(key, entries)
  local args, ops = {}, 0
  for index, value in pairs(entries) do
    local n = #args
    args[n + 1], args[n + 2], args[n + 3], args[n + 4] = 'SET', 'u24', '#' .. index, value + 1
    ops = ops + 1
    if ops == Pairs.BITFIELD_BATCH then
      redis.call('BITFIELD', key, unpack(args))
      args, ops = {}, 0
    end
  end
  if ops > 0 then redis.call('BITFIELD', key, unpack(args)) end
end

-- Entries first..last of a packed array into out[index], with one GETRANGE.
function Pairs.readRun(key, first, last, out)
  local bytes = redis.call('GETRANGE', key, 3 * first, 3 * last + 2)
  for i = first, last do
    local o = 3 * (i - first)
    local b1, b2, b3 = string.byte(bytes, o + 1, o + 3)
    local raw = 0
    if b3 then raw = b1 * 65536 + b2 * 256 + b3 end
    if raw == 0 then out[i] = i else out[i] = raw - 1 end
  end
end

-- Calls fn(first, last) for each run of consecutive numbers in the sorted
-- list `sorted` that is at least Pairs.MIN_RUN long; returns the numbers left over.
function Pairs.eachRun(sorted, fn)
  local rest, i = {}, 1
  while i <= #sorted do
    local j = i
    while sorted[j + 1] == sorted[j] + 1 do j = j + 1 end
    if j - i + 1 >= Pairs.MIN_RUN then
      fn(sorted[i], sorted[j])
    else
      for k = i, j do rest[#rest + 1] = sorted[k] end
    end
    i = j + 1
  end
  return rest
end

-- Entries `sorted` (ascending) of a packed array into out[index].
function Pairs.readSorted(key, sorted, out)
  local rest = Pairs.eachRun(sorted, function(first, last) Pairs.readRun(key, first, last, out) end)
  Pairs.readEntries(key, rest, out)
end

-- Writes values[index] for the entries `sorted` (ascending).
function Pairs.writeSorted(key, sorted, values)
  local scattered = {}
  local rest = Pairs.eachRun(sorted, function(first, last)
    local parts = {}
    for i = first, last do
      local x = values[i] + 1
      parts[#parts + 1] = string.char(math.floor(x / 65536), math.floor(x / 256) % 256, x % 256)
    end
    redis.call('SETRANGE', key, 3 * first, table.concat(parts))
  end)
  for _, index in ipairs(rest) do scattered[index] = values[index] end
  Pairs.writeEntries(key, scattered)
end

-- Moves distinct ranks across the free boundary: out of the free region
-- when `take`, into it otherwise; ranks already on that side stay. The
-- moving ranks end up in the block of m positions next to the boundary
-- (they swap with the ranks there, which fill the holes they leave), and
-- the boundary moves by m. Returns m.
function Pairs.moveRanks(ranks, take)
  local free = Pairs.freeCount()
  local sorted = {}
  for i, r in ipairs(ranks) do sorted[i] = r end
  table.sort(sorted)
  local pos = {}
  Pairs.readSorted(Key.pos, sorted, pos)
  local moving = {}
  for _, r in ipairs(sorted) do
    if (pos[r] < free) == take then moving[#moving + 1] = r end
  end
  local m = #moving
  if m == 0 then return 0 end
  local lo = free
  if take then lo = free - m end
  local slots = {}
  Pairs.readRun(Key.slots, lo, lo + m - 1, slots)
  local inBlock = {}
  for _, r in ipairs(moving) do
    if pos[r] >= lo and pos[r] < lo + m then inBlock[r] = true end
  end
  -- Ranks of the block that do not move fill the holes of those that do.
  local displaced = {}
  for q = lo, lo + m - 1 do
    if not inBlock[slots[q]] then displaced[#displaced + 1] = slots[q] end
  end
  local holeSlots, displacedPos, k = {}, {}, 0
  for _, r in ipairs(moving) do
    if not inBlock[r] then
      k = k + 1
      holeSlots[pos[r]] = displaced[k]
      displacedPos[displaced[k]] = pos[r]
    end
  end
  Pairs.writeEntries(Key.slots, holeSlots)
  Pairs.writeEntries(Key.pos, displacedPos)
  -- The block holds the moving ranks in rank order, so that runs of
  -- consecutive ranks get runs of consecutive positions.
  local block, newPos = {}, {}
  for i, r in ipairs(moving) do
    block[lo + i - 1] = r
    newPos[r] = lo + i - 1
  end
  local positions = {}
  for q = lo, lo + m - 1 do positions[#positions + 1] = q end
  Pairs.writeSorted(Key.slots, positions, block)
  Pairs.writeSorted(Key.pos, moving, newPos)
  if take then free = free - m else free = free + m end
  Pairs.setFree(free)
  return m
end

-- Inverse of the combinatorial number system of src/domain/pairs.ts:
-- rank = j*(j-1)/2 + i with 0 <= i < j. Returns the two category numbers.
function Pairs.pairOfRank(rank, low)
  local j = math.floor((1 + math.sqrt(1 + 8 * rank)) / 2)
  while j * (j - 1) / 2 > rank do j = j - 1 end
  while (j + 1) * j / 2 <= rank do j = j + 1 end
  local i = rank - j * (j - 1) / 2
  return low + i, low + j
end

-- The pool's sensitivity and category range, fixed when it was created:
-- worked out once per call.
function Pairs.poolShape()
  if not Call.shape then
    local m = Call.meta()
    local low = tonumber(m.low)
    -- total = n(n-1)/2, so n = (1 + sqrt(1 + 8 total)) / 2
    local n = math.floor((1 + math.sqrt(1 + 8 * tonumber(redis.call('HGET', Key.meta, 'total')))) / 2 + 0.5)
    Call.shape = {sensitivity = m.sensitivity, low = low, high = low + n - 1}
  end
  return Call.shape
end

-- The level of a rank, worked out once per call (a reply and an event
-- both carry it).
function Pairs.levelOfRank(rank)
  local levels = Call.levels
  if levels and levels[rank] then return levels[rank] end
  local m = Call.meta()
  local a, b = Pairs.pairOfRank(rank, tonumber(m.low))
  local level = string.format('%s:c%d,c%d', m.sensitivity, a, b)
  if not levels then
    levels = {}
    Call.levels = levels
  end
  levels[rank] = level
  return level
end
