-- The call's context. The keys every lease operation declares (leaseKeys in
-- src/store/keys.ts), all under the pool's hash tag:
--   KEYS[1]  meta      HASH   pool settings, free count, counters
--   KEYS[2]  slots     STRING position -> rank (u24, value+1)
--   KEYS[3]  pos       STRING rank -> position (u24, value+1)
--   KEYS[4]  leases    HASH   slot -> lease record
--   KEYS[5]  hosts     ZSET   hosts holding leases (score 0, by name)
--   KEYS[6]  expiry    ZSET   expiry bucket -> earliest expiry in it (ms)
--   KEYS[7]  labels    HASH   interned context prefixes
--   KEYS[8]  blocked   HASH   rank -> number of static levels blocking it
--   KEYS[9]  kfree     LIST   recycled slots of leases without a pair
--   KEYS[10] reserved  HASH   reserved level -> rank
--   KEYS[11] events    STREAM lease events, capped (see events.lua)
--   KEYS[12] hostexp   ZSET   host scored by the time its leases lapse (--host-ttl)
--   KEYS[13] hostdead  HASH   host -> when its leases were reclaimed for a missed heartbeat
--   KEYS[14] hostuse   HASH   host -> pairs its leases hold (for --host-quota)
--   KEYS[15] members   HASH   host -> workloads holding its leases (pod members each)
-- Keys built from the prefix (ARGV[1]) in lease.lua: the per-host slot sets,
-- the workload and request indexes and the expiry buckets.

-- The library is loaded once; every call starts with bindCall, which points
-- these at the call's keys and arguments and resets the per-call state.
local KEYS, ARGV
local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES
local KEY_HOSTS, KEY_EXPIRY, KEY_LABELS, KEY_BLOCKED
local KEY_KFREE, KEY_RESERVED, KEY_EVENTS
local KEY_HOSTEXP, KEY_HOSTDEAD, KEY_HOSTUSE, KEY_MEMBERS
-- The pool's key prefix "mcs:{<pool>}:", every call's ARGV[1]. Keys built
-- from it carry the pool's hash tag, so they live in the same cluster slot
-- as the declared KEYS.
local prefix
-- Leases ended during this call (see dropLease): loops over index ranges
-- restart when it moves.
local dropped
-- The Redis clock as first read in this call by isLive (drop.lua).
local liveNow
-- Read at most once per call (pairs.lua, lease.lua): the pool's fixed
-- shape {sensitivity, low, high} and interned context prefixes by id.
local callShape, callLabels

local function bindCall(keys, args)
  KEYS, ARGV, prefix, dropped, liveNow = keys, args, args[1], 0, nil
  callShape, callLabels = nil, {}
  KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = keys[1], keys[2], keys[3], keys[4]
  KEY_HOSTS, KEY_EXPIRY, KEY_LABELS, KEY_BLOCKED = keys[5], keys[6], keys[7], keys[8]
  KEY_KFREE, KEY_RESERVED, KEY_EVENTS = keys[9], keys[10], keys[11]
  KEY_HOSTEXP, KEY_HOSTDEAD, KEY_HOSTUSE, KEY_MEMBERS = keys[12], keys[13], keys[14], keys[15]
end
