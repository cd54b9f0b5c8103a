-- release: end a lease and return its pair to the pool.
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
-- ARGV[2] lease id ('' = find it by host + workload)
-- ARGV[3] rank encoded in the lease id (with a lease id)
-- ARGV[4] host ('' = any; with a lease id it must match the lease's host)
-- ARGV[5] workload id (with host, when there is no lease id)
-- ARGV[6] fencing token ('' = unchecked; otherwise must match)
--
-- Returns {0, released (1|0), <lease as it was: 10 fields>} or {0, 0} or
--   {E_HOST_MISMATCH, lease host}
--   {E_FENCING_TOKEN_MISMATCH, lease token}
-- Idempotent: an unknown or already released lease gives {0, 0}. A lease
-- found expired is reclaimed too but reported as released = 0: it had
-- already ended.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local id, host, workload, token = ARGV[2], ARGV[4], ARGV[5], ARGV[6]

local rank, r
if id ~= '' then
  rank = tonumber(ARGV[3])
  r = recordById(rank, id)
else
  rank = rankOfWorkload(host, workload)
  r = rank and readRecord(rank)
end
if not r then return {0, 0} end
if host ~= '' and r.host ~= host then return {E_HOST_MISMATCH, r.host} end
if token ~= '' and r.token ~= token then return {E_FENCING_TOKEN_MISMATCH, r.token} end

local released = 1
if isExpired(r.expires, nowMs()) then released = 0 end
return {0, released, unpack(dropLease(rank, r))}
