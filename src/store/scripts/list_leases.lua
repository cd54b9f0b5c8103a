#!lua flags=no-writes
-- list_leases: one page of live leases, ordered by host name, then by rank.
--
-- KEYS[1] meta       HASH   pool settings, free count, fencing counter
-- KEYS[2] slots      STRING position -> rank (u24, value+1)
-- KEYS[3] pos        STRING rank -> position (u24, value+1)
-- KEYS[4] leases     HASH   rank -> lease record
-- KEYS[5] requests   HASH   request id -> rank
-- KEYS[6] hosts      ZSET   hosts holding leases
-- KEYS[7] expiry     ZSET   rank scored by expiry (ms)
-- KEYS[8] labels     HASH   interned context prefixes
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host filter ('' = every host)
-- ARGV[3] cursor host ('' = from the start)
-- ARGV[4] cursor rank (exclusive, within the cursor host; '' = from its start)
-- ARGV[5] page size
--
-- Returns {0, more (1|0), last host, last rank, n, <n leases of 10 fields>}.
-- The cursor is (host, rank): stable while leases come and go, and each
-- page costs the leases of the hosts it touches, not the whole pool.
-- Expired leases are skipped; they still move the cursor.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local filter, cursorHost, size = ARGV[2], ARGV[3], tonumber(ARGV[5])
local cursorRank = tonumber(ARGV[4]) or -1
local now = nowMs()

-- The host after `host` in name order, or nil.
local function nextHost(host)
  if filter ~= '' then return nil end
  local from = '-'
  if host ~= '' then from = '(' .. host end
  return redis.call('ZRANGE', KEY_HOSTS, from, '+', 'BYLEX', 'LIMIT', 0, 1)[1]
end

-- Ranks of a host's leases above `after`, ascending.
local function ranksOf(host, after)
  local flat = redis.call('HGETALL', hostKey(host))
  local ranks = {}
  for i = 2, #flat, 2 do
    local rank = tonumber(flat[i])
    if rank > after then table.insert(ranks, rank) end
  end
  table.sort(ranks)
  return ranks
end

local host = cursorHost
if host == '' then
  if filter ~= '' then host = filter else host = nextHost('') end
  cursorRank = -1
end

local leases, n, lastHost, lastRank, more = {}, 0, '', '', 0
while host do
  local ranks = ranksOf(host, cursorRank)
  for i, rank in ipairs(ranks) do
    if n == size then more = 1 break end
    local r = readRecord(rank)
    lastHost, lastRank = host, rank
    if r and not isExpired(r.expires, now) then
      n = n + 1
      for _, v in ipairs(leaseReply(rank, r)) do table.insert(leases, v) end
    end
  end
  if more == 1 then break end
  host = nextHost(host)
  cursorRank = -1
  if host and n == size then more = 1 break end
end

local out = {0, more, lastHost, lastRank, n}
for _, v in ipairs(leases) do table.insert(out, v) end
return out
