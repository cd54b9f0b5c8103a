-- The keys every lease script declares (leaseKeys in src/store/keys.ts),
-- all under the pool's hash tag:
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

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_HOSTS, KEY_EXPIRY, KEY_LABELS, KEY_BLOCKED = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local KEY_KFREE, KEY_RESERVED, KEY_EVENTS = KEYS[9], KEYS[10], KEYS[11]
local KEY_HOSTEXP, KEY_HOSTDEAD, KEY_HOSTUSE, KEY_MEMBERS = KEYS[12], KEYS[13], KEYS[14], KEYS[15]
