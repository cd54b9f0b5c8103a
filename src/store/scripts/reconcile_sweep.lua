-- reconcile_sweep: the last step of a reconciliation. Releases what the host
-- holds but did not report, and ends the host's HOST_EXPIRED state.
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
-- ARGV[3] host ttl in ms (--host-ttl; 0 = leases are not bound to host liveness)
-- ARGV[4] fencing counter when the reconciliation began: leases granted
--         since then (by a concurrent Allocate) are not touched
-- ARGV[5] '1' on the last batch: clear the host's HOST_EXPIRED mark
-- ARGV[6..] workload ids the host holds but did not report
--
-- Returns {0, <lease: 12 fields>...} for what it released (a pod's lease
-- as it remains when other members still hold it).

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

local host, hostTtl, startToken = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {0}
for i = 6, #ARGV do
  local workload = ARGV[i]
  local slot = slotOfWorkload(host, workload)
  local r = slot and readRecord(slot)
  if r and tonumber(r.token) <= startToken then
    for _, v in ipairs((dropMember(slot, r, workload))) do table.insert(out, v) end
  end
end
if ARGV[5] == '1' then redis.call('HDEL', KEY_HOSTDEAD, host) end
hostAlive(host, hostTtl, nowMs())
return out
