-- renew: move a live lease's expiry to now + ttl.
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
-- ARGV[2] lease id
-- ARGV[3] slot encoded in the lease id
-- ARGV[4] ttl in ms (> 0)
--
-- Returns {0, <lease: 12 fields>} or
--   {E_LEASE_NOT_FOUND}
--   {E_LEASE_EXPIRED}  (the lease is reclaimed on the spot)
-- Idempotent: repeating it only moves the expiry again.

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

local id, slot, ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local r = recordById(slot, id)
if not r then return {E_LEASE_NOT_FOUND} end

local now = nowMs()
if isExpired(r.expires, now) then
  dropLease(slot, r, 'EXPIRED')
  return {E_LEASE_EXPIRED}
end

r.expires = now + ttl
saveRecord(slot, r)
redis.call('ZADD', KEY_EXPIRY, r.expires, slot)
local reply = leaseReply(slot, r)
emit('RENEWED', slot, r)
return {0, unpack(reply)}
