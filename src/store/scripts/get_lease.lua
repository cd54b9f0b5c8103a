#!lua flags=no-writes
-- get_lease: read one live lease.
--
-- KEYS[1] workloads  HASH "host\nworkload" -> lease id
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] lease id ('' = find it by host + workload)
-- ARGV[3] host
-- ARGV[4] workload id
--
-- Returns {0, <lease HGETALL...>}, or {E_LEASE_NOT_FOUND} when there is no
-- such lease or it has expired (reaped or not).

local KEY_WORKLOADS = KEYS[1]

-- @include "common.lua"

local id = ARGV[2]
if id == '' then
  id = redis.call('HGET', KEY_WORKLOADS, workloadField(ARGV[3], ARGV[4]))
  if not id then return {E_LEASE_NOT_FOUND} end
end
local fields = redis.call('HGETALL', leaseKey(id))
if #fields == 0 then return {E_LEASE_NOT_FOUND} end
local expires = redis.call('HGET', leaseKey(id), 'expires')
if isExpired(expires, nowMs()) then return {E_LEASE_NOT_FOUND} end
return {0, unpack(fields)}
