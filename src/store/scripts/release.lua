-- release: end a lease, or one member's share of it, and return what it
-- held to the pool when nobody holds it any more.
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
-- ARGV[3] slot encoded in the lease id (with a lease id)
-- ARGV[4] host ('' = any; with a lease id it must match the lease's host)
-- ARGV[5] workload id: with a lease id, only this member leaves; without
--         one, the member (host, workload) leaves
-- ARGV[6] fencing token ('' = unchecked; otherwise must match)
--
-- Returns {0, released (1|0), remaining members, <lease as it was: 12
-- fields>} or {0, 0, 0} when there is no such lease or member, or
--   {E_HOST_MISMATCH, lease host}
--   {E_FENCING_TOKEN_MISMATCH, lease token}
-- A lease id alone ends the lease for every member. Idempotent: a lease or
-- member already gone gives released = 0. A lease found expired is
-- reclaimed too but reported as released = 0: it had already ended.

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

local id, host, workload, token = ARGV[2], ARGV[4], ARGV[5], ARGV[6]

local slot, r
if id ~= '' then
  slot = tonumber(ARGV[3])
  r = recordById(slot, id)
else
  slot = slotOfWorkload(host, workload)
  r = slot and readRecord(slot)
end
if not r then return {0, 0, 0} end
if host ~= '' and r.host ~= host then return {E_HOST_MISMATCH, r.host} end
if token ~= '' and r.token ~= token then return {E_FENCING_TOKEN_MISMATCH, r.token} end

if isExpired(r.expires, nowMs()) then
  return {0, 0, 0, unpack(dropLease(slot, r, 'EXPIRED'))}
end
if workload == '' then
  return {0, 1, 0, unpack(dropLease(slot, r, 'RELEASED'))}
end
local found = false
for _, w in ipairs(members(r)) do if w == workload then found = true end end
if not found then return {0, 0, #members(r)} end
local reply, remaining = dropMember(slot, r, workload)
return {0, 1, remaining, unpack(reply)}
