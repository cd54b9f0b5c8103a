-- allocate: lease a uniformly random free pair to (host, workload).
--
-- KEYS[1] meta       HASH   pool settings, free count, fencing counter
-- KEYS[2] slots      STRING position -> rank (u32, value+1)
-- KEYS[3] pos        STRING rank -> position (u32, value+1)
-- KEYS[4] workloads  HASH   "host\nworkload" -> lease id
-- KEYS[5] levels     HASH   level -> lease id
-- KEYS[6] requests   HASH   request id -> lease id
-- KEYS[7] all        ZSET   lease id scored by fencing token
-- KEYS[8] expiry     ZSET   lease id scored by expiry (ms)
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
-- ARGV[3] workload id
-- ARGV[4] request id ('' = none)
-- ARGV[5] ttl in ms (0 = never expires)
-- ARGV[6] random integer in [0, 2^48)
-- ARGV[7] id for a new lease (fresh per RPC, so a resent script is a replay)
-- ARGV[8] process context prefix "user:role:type"
-- ARGV[9] mount context prefix
-- ARGV[10] read-only mount context prefix
--
-- Returns {0, created (1|0), <lease HGETALL...>} or
--   {E_POOL_NOT_INITIALIZED}
--   {E_POOL_EXHAUSTED, total}
--   {E_REQUEST_ID_REUSED, lease id, host, workload}
--   {E_LEASE_ID_COLLISION}
-- Idempotent: the same (host, workload) or request id returns the existing
-- lease; a resend of the very same call (same ARGV[7]) reports created = 1.

local KEY_META, KEY_SLOTS, KEY_POS = KEYS[1], KEYS[2], KEYS[3]
local KEY_WORKLOADS, KEY_LEVELS, KEY_REQUESTS = KEYS[4], KEYS[5], KEYS[6]
local KEY_ALL, KEY_EXPIRY = KEYS[7], KEYS[8]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local host, workload, requestId = ARGV[2], ARGV[3], ARGV[4]
local ttl, random, newId = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]

if redis.call('EXISTS', KEY_META) == 0 then return {E_POOL_NOT_INITIALIZED} end
local now = nowMs()

-- A live lease under this request id answers the retry, but only for the
-- same workload: AIP-155 refuses a reused request id with other parameters.
if requestId ~= '' then
  local id = redis.call('HGET', KEY_REQUESTS, requestId)
  if id then
    local l = redis.call('HMGET', leaseKey(id), 'host', 'workload', 'expires')
    if l[1] and not isExpired(l[3], now) then
      if l[1] ~= host or l[2] ~= workload then
        return {E_REQUEST_ID_REUSED, id, l[1], l[2]}
      end
      return {0, 1, unpack(leaseReply(id))}
    end
  end
end

local wf = workloadField(host, workload)
local existing = redis.call('HGET', KEY_WORKLOADS, wf)
if existing then
  local expires = redis.call('HGET', leaseKey(existing), 'expires')
  if not isExpired(expires, now) then
    local created = 0
    if existing == newId then created = 1 end
    return {0, created, unpack(leaseReply(existing))}
  end
  -- Expired but not reaped yet: reclaim it now so its pair is drawn fairly.
  dropLease(existing)
end

if freeCount() <= 0 then
  return {E_POOL_EXHAUSTED, tonumber(redis.call('HGET', KEY_META, 'total'))}
end
if redis.call('EXISTS', leaseKey(newId)) == 1 then return {E_LEASE_ID_COLLISION} end

local rank = drawFreeRank(random)
local a, b = pairOfRank(rank, tonumber(redis.call('HGET', KEY_META, 'low')))
local level = redis.call('HGET', KEY_META, 'sensitivity') .. ':c' .. a .. ',c' .. b
local token = redis.call('HINCRBY', KEY_META, 'token', 1)
local expires = 0
if ttl > 0 then expires = now + ttl end

redis.call('HSET', leaseKey(newId),
  'id', newId,
  'pool', redis.call('HGET', KEY_META, 'pool'),
  'host', host,
  'workload', workload,
  'level', level,
  'rank', rank,
  'process', ARGV[8] .. ':' .. level,
  'mount', ARGV[9] .. ':' .. level,
  'ro', ARGV[10] .. ':' .. level,
  'token', token,
  'created', now,
  'expires', expires,
  'request', requestId)
redis.call('HSET', KEY_WORKLOADS, wf, newId)
redis.call('HSET', KEY_LEVELS, level, newId)
if requestId ~= '' then redis.call('HSET', KEY_REQUESTS, requestId, newId) end
redis.call('ZADD', KEY_ALL, token, newId)
redis.call('ZADD', hostKey(host), token, newId)
if expires > 0 then redis.call('ZADD', KEY_EXPIRY, expires, newId) end

return {0, 1, unpack(leaseReply(newId))}
