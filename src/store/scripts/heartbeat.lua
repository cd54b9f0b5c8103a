-- heartbeat: a host says it is alive; every lease it holds stays alive.
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
-- ARGV[2] host
-- ARGV[3] ttl in ms (0 = leases are not bound to host liveness)
--
-- Returns {0, expires at (ms, 0 = none), leases held by the host} or
--   {E_HOST_EXPIRED, host, when}  the host's leases were reclaimed; reconcile
-- O(1) in the host's leases: one sorted-set entry per host.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local KEY_BLOCKED, KEY_KFREE, KEY_RESERVED = KEYS[9], KEYS[10], KEYS[11]
local KEY_EVENTS, KEY_HOSTEXP, KEY_HOSTDEAD, KEY_HOSTUSE = KEYS[12], KEYS[13], KEYS[14], KEYS[15]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local host, ttl = ARGV[2], tonumber(ARGV[3])
local expiredHost = hostExpiredReply(host)
if expiredHost then return expiredHost end
local expires = 0
if ttl > 0 then
  expires = nowMs() + ttl
  redis.call('ZADD', KEY_HOSTEXP, expires, host)
end
return {0, expires, redis.call('HLEN', hostKey(host))}
