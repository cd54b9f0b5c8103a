-- reap: reclaim leases whose expiry has passed, oldest first.
--
-- KEYS[1] meta       HASH   pool settings, free count, counters
-- KEYS[2] slots      STRING position -> rank (u24, value+1)
-- KEYS[3] pos        STRING rank -> position (u24, value+1)
-- KEYS[4] leases     HASH   slot -> lease record
-- KEYS[5] requests   HASH   request id -> slot
-- KEYS[6] hosts      ZSET   hosts holding leases
-- KEYS[7] expiry     ZSET   slot scored by expiry (ms)
-- KEYS[8] labels     HASH   interned context prefixes
-- KEYS[9] blocked    HASH   rank -> number of static levels blocking it
-- KEYS[10] kfree     LIST   recycled slots of leases without a pair
-- KEYS[11] reserved  HASH   reserved level -> rank
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] most leases to reclaim in this call
--
-- Returns {0, <lease: 12 fields>...} for the leases it reclaimed. Each
-- expired lease is reclaimed by exactly one call, however many replicas run
-- the reaper: the script is atomic and removes what it returns.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local KEY_BLOCKED, KEY_KFREE, KEY_RESERVED = KEYS[9], KEYS[10], KEYS[11]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"
-- @include "statics.lua"
-- @include "claims.lua"
-- @include "drop.lua"

local now = nowMs()
local due = redis.call('ZRANGE', KEY_EXPIRY, '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {0}
for _, member in ipairs(due) do
  local slot = tonumber(member)
  local r = readRecord(slot)
  if r and isExpired(r.expires, now) then
    for _, v in ipairs(dropLease(slot, r)) do table.insert(out, v) end
  elseif r and tonumber(r.expires) > 0 then
    -- The index lagged behind the record: repair it rather than lose the expiry.
    redis.call('ZADD', KEY_EXPIRY, r.expires, member)
  else
    -- An index entry that outlived its lease: drop it so it cannot stall reaping.
    redis.call('ZREM', KEY_EXPIRY, member)
  end
end
return out
