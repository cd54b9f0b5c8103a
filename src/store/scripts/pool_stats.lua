#!lua flags=no-writes
-- pool_stats: counters of a pool.
--
-- Returns {0, pool, sensitivity, categories, total, free, reserved, blocked,
-- held (pairs held for stable keys)} or
--   {E.POOL_NOT_INITIALIZED}

if redis.call('EXISTS', Key.meta) == 0 then return {E.POOL_NOT_INITIALIZED} end
local m = redis.call('HMGET', Key.meta, 'pool', 'sensitivity', 'categories', 'total', 'free', 'blocked', 'held')
return {0, m[1], m[2], m[3], tonumber(m[4]), tonumber(m[5]), redis.call('HLEN', Key.reserved), tonumber(m[6]) or 0, tonumber(m[7]) or 0}
