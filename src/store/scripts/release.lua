-- release: end a lease and return its pair to the pool.
--
-- KEYS[1..8] as in allocate.lua (meta, slots, pos, workloads, levels,
--            requests, all, expiry)
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] lease id ('' = find it by host + workload)
-- ARGV[3] host ('' = any; with a lease id it must match the lease's host)
-- ARGV[4] workload id (used with host when there is no lease id)
-- ARGV[5] fencing token ('' = unchecked; otherwise must match)
--
-- Returns {0, released (1|0), <lease HGETALL as it was...>} or
--   {E_HOST_MISMATCH, lease host}
--   {E_FENCING_TOKEN_MISMATCH, lease token}
-- Idempotent: an unknown or already released lease gives {0, 0}. A lease
-- found expired is reclaimed too but reported as released = 0: it had
-- already ended.

local KEY_META, KEY_SLOTS, KEY_POS = KEYS[1], KEYS[2], KEYS[3]
local KEY_WORKLOADS, KEY_LEVELS, KEY_REQUESTS = KEYS[4], KEYS[5], KEYS[6]
local KEY_ALL, KEY_EXPIRY = KEYS[7], KEYS[8]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local id, host, workload, token = ARGV[2], ARGV[3], ARGV[4], ARGV[5]

if id == '' then
  id = redis.call('HGET', KEY_WORKLOADS, workloadField(host, workload))
  if not id then return {0, 0} end
end

local l = redis.call('HMGET', leaseKey(id), 'host', 'token', 'expires')
if not l[1] then return {0, 0} end
if host ~= '' and l[1] ~= host then return {E_HOST_MISMATCH, l[1]} end
if token ~= '' and l[2] ~= token then return {E_FENCING_TOKEN_MISMATCH, l[2]} end

local released = 1
if isExpired(l[3], nowMs()) then released = 0 end
return {0, released, unpack(dropLease(id))}
