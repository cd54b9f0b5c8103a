-- allocate: lease a uniformly random free pair to (host, workload).
--
-- KEYS[1] meta       HASH   pool settings, free count, fencing counter
-- KEYS[2] slots      STRING position -> rank (u24, value+1)
-- KEYS[3] pos        STRING rank -> position (u24, value+1)
-- KEYS[4] leases     HASH   rank -> lease record
-- KEYS[5] requests   HASH   request id -> rank
-- KEYS[6] hosts      ZSET   hosts holding leases
-- KEYS[7] expiry     ZSET   rank scored by expiry (ms)
-- KEYS[8] labels     HASH   interned context prefixes
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
-- ARGV[3] workload id
-- ARGV[4] request id ('' = none)
-- ARGV[5] ttl in ms (0 = never expires)
-- ARGV[6] random integer in [0, 2^48)
-- ARGV[7] random lease id suffix, fresh per RPC
-- ARGV[8] process context prefix "user:role:type"
-- ARGV[9] mount context prefix
-- ARGV[10] read-only mount context prefix
--
-- Returns {0, created (1|0), <lease: 10 fields, see leaseReply>} or
--   {E_POOL_NOT_INITIALIZED}
--   {E_POOL_EXHAUSTED, total}
--   {E_REQUEST_ID_REUSED, lease id, host, workload}
-- Idempotent: the same (host, workload) or request id returns the existing
-- lease. If ioredis resends this very call after a reconnect, the lease it
-- finds carries this call's suffix (ARGV[7]) and it answers created = 1,
-- exactly as the first execution did.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local host, workload, requestId = ARGV[2], ARGV[3], ARGV[4]
local ttl, random, suffix = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]

if redis.call('EXISTS', KEY_META) == 0 then return {E_POOL_NOT_INITIALIZED} end
local now = nowMs()

-- A live lease under this request id answers the retry, but only for the
-- same workload: AIP-155 refuses a reused request id with other parameters.
if requestId ~= '' then
  local rank = redis.call('HGET', KEY_REQUESTS, requestId)
  local r = rank and readRecord(rank)
  if r and r.request == requestId and not isExpired(r.expires, now) then
    if r.host ~= host or r.workload ~= workload then
      return {E_REQUEST_ID_REUSED, r.id, r.host, r.workload}
    end
    return {0, 1, unpack(leaseReply(tonumber(rank), r))}
  end
end

local existing = rankOfWorkload(host, workload)
if existing then
  local r = readRecord(existing)
  if not isExpired(r.expires, now) then
    local created = 0
    if string.sub(r.id, 5) == suffix then created = 1 end
    return {0, created, unpack(leaseReply(existing, r))}
  end
  -- Expired but not reaped yet: reclaim it now so its pair is drawn fairly.
  dropLease(existing, r)
end

if freeCount() <= 0 then
  return {E_POOL_EXHAUSTED, tonumber(redis.call('HGET', KEY_META, 'total'))}
end

local rank = drawFreeRank(random)
local expires = 0
if ttl > 0 then expires = now + ttl end
local lease = {
  id = rankDigits(rank) .. suffix,
  host = host,
  workload = workload,
  token = redis.call('HINCRBY', KEY_META, 'token', 1),
  created = now,
  expires = expires,
  labels = internLabels(ARGV[8], ARGV[9], ARGV[10]),
  request = requestId,
}
writeLease(rank, lease)
return {0, 1, unpack(leaseReply(rank, lease))}
