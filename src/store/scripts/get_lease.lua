#!lua flags=no-writes
-- get_lease: read one live lease.
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
-- ARGV[2] lease id ('' = find it by host + workload)
-- ARGV[3] slot encoded in the lease id
-- ARGV[4] host
-- ARGV[5] workload id (any member of the lease)
--
-- Returns {0, <lease: 12 fields>}, or {E_LEASE_NOT_FOUND} when there is no
-- such lease or it has expired (reaped or not), or {E_HOST_EXPIRED, host,
-- when} when asked by host + workload of a host that lost its leases for a
-- missed heartbeat.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local KEY_BLOCKED, KEY_KFREE, KEY_RESERVED = KEYS[9], KEYS[10], KEYS[11]
local KEY_EVENTS, KEY_HOSTEXP, KEY_HOSTDEAD, KEY_HOSTUSE = KEYS[12], KEYS[13], KEYS[14], KEYS[15]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local slot, r
if ARGV[2] ~= '' then
  slot = tonumber(ARGV[3])
  r = recordById(slot, ARGV[2])
else
  slot = slotOfWorkload(ARGV[4], ARGV[5])
  r = slot and readRecord(slot)
end
if not r or isExpired(r.expires, nowMs()) then
  if ARGV[2] == '' then
    local expiredHost = hostExpiredReply(ARGV[4])
    if expiredHost then return expiredHost end
  end
  return {E_LEASE_NOT_FOUND}
end
return {0, unpack(leaseReply(slot, r))}
