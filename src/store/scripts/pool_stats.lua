#!lua flags=no-writes
-- pool_stats: counters of a pool.
--
-- KEYS[1] meta       HASH
-- KEYS[2] reserved   HASH level -> rank
--
-- ARGV[1] key prefix "mcs:{pool}:"
--
-- Returns {0, pool, sensitivity, categories, total, free, reserved, blocked} or
--   {E_POOL_NOT_INITIALIZED}

if redis.call('EXISTS', KEYS[1]) == 0 then return {E_POOL_NOT_INITIALIZED} end
local m = redis.call('HMGET', KEYS[1], 'pool', 'sensitivity', 'categories', 'total', 'free', 'blocked')
return {0, m[1], m[2], m[3], tonumber(m[4]), tonumber(m[5]), redis.call('HLEN', KEYS[2]), tonumber(m[6]) or 0}
