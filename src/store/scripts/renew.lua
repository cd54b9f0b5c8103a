-- renew: move a live lease's expiry to now + ttl.
--
-- KEYS[1..8] as in allocate.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] lease id
-- ARGV[3] ttl in ms (> 0)
--
-- Returns {0, <lease HGETALL...>} or
--   {E_LEASE_NOT_FOUND}
--   {E_LEASE_EXPIRED}  (the lease is reclaimed on the spot)
-- Idempotent: repeating it only moves the expiry again.

local KEY_META, KEY_SLOTS, KEY_POS = KEYS[1], KEYS[2], KEYS[3]
local KEY_WORKLOADS, KEY_LEVELS, KEY_REQUESTS = KEYS[4], KEYS[5], KEYS[6]
local KEY_ALL, KEY_EXPIRY = KEYS[7], KEYS[8]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local id, ttl = ARGV[2], tonumber(ARGV[3])
local key = leaseKey(id)
local expires = redis.call('HGET', key, 'expires')
if not expires then return {E_LEASE_NOT_FOUND} end

local now = nowMs()
if isExpired(expires, now) then
  dropLease(id)
  return {E_LEASE_EXPIRED}
end

redis.call('HSET', key, 'expires', now + ttl)
redis.call('ZADD', KEY_EXPIRY, now + ttl, id)
return {0, unpack(leaseReply(id))}
