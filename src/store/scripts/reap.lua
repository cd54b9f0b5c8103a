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
-- KEYS[12] events    STREAM lease events, capped (see events.lua)
-- KEYS[13] hostexp   ZSET   host scored by the time its leases lapse (--host-ttl)
-- KEYS[14] hostdead  HASH   host -> when its leases were reclaimed for a missed heartbeat
-- KEYS[15] hostuse   HASH   host -> pairs its leases hold (for --host-quota)
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] most leases to reclaim in this call
--
-- Returns {0, <lease: 12 fields>...} for the leases it reclaimed: first
-- leases whose own TTL ran out, then leases of hosts that missed their
-- heartbeats (--host-ttl; such a host is marked in KEY_HOSTDEAD so that it
-- gets HOST_EXPIRED until it reconciles). Each lease is reclaimed by exactly
-- one call, however many replicas run the reaper: the script is atomic and
-- removes what it returns. A host with many leases is reclaimed over several
-- calls, at most ARGV[2] leases each, so no call blocks Redis for long.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local KEY_BLOCKED, KEY_KFREE, KEY_RESERVED = KEYS[9], KEYS[10], KEYS[11]
local KEY_EVENTS, KEY_HOSTEXP, KEY_HOSTDEAD, KEY_HOSTUSE = KEYS[12], KEYS[13], KEYS[14], KEYS[15]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"
-- @include "statics.lua"
-- @include "claims.lua"
-- @include "events.lua"
-- @include "drop.lua"

local now = nowMs()
local due = redis.call('ZRANGE', KEY_EXPIRY, '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {0}
for _, member in ipairs(due) do
  local slot = tonumber(member)
  local r = readRecord(slot)
  if r and isExpired(r.expires, now) then
    for _, v in ipairs(dropLease(slot, r, 'EXPIRED')) do table.insert(out, v) end
  elseif r and tonumber(r.expires) > 0 then
    -- The index lagged behind the record: repair it rather than lose the expiry.
    redis.call('ZADD', KEY_EXPIRY, r.expires, member)
  else
    -- An index entry that outlived its lease: drop it so it cannot stall reaping.
    redis.call('ZREM', KEY_EXPIRY, member)
  end
end

local budget = tonumber(ARGV[2]) - (#out - 1) / LEASE_FIELDS
while budget > 0 do
  local host = redis.call('ZRANGE', KEY_HOSTEXP, '-inf', now, 'BYSCORE', 'LIMIT', 0, 1)[1]
  if not host then break end
  local seen = {}
  local entries = redis.call('HGETALL', hostKey(host))
  for i = 1, #entries, 2 do
    local slot = tonumber(entries[i + 1])
    if budget > 0 and not seen[slot] then
      seen[slot] = true
      local r = readRecord(slot)
      if r then
        redis.call('HSETNX', KEY_HOSTDEAD, host, now)
        for _, f in ipairs(dropLease(slot, r, 'EXPIRED')) do table.insert(out, f) end
        budget = budget - 1
      else
        -- An index entry without its lease: drop it so it cannot stall reaping.
        unindexMember(host, entries[i])
      end
    end
  end
  if redis.call('EXISTS', hostKey(host)) == 0 then
    redis.call('ZREM', KEY_HOSTEXP, host)
  end
end
return out
