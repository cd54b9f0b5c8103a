#!lua flags=no-writes
-- get_lease: read one live lease.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] lease id ('' = find it by host + workload)
-- ARGV[3] slot encoded in the lease id
-- ARGV[4] host
-- ARGV[5] workload id (any member of the lease)
--
-- Returns {0, <lease: 12 fields>}, or {E_LEASE_NOT_FOUND} when there is no
-- such lease or it has expired (reaped or not), or {E_HOST_EXPIRED, host,
-- when} when asked by host + workload of a host that lost its leases for a
-- missed heartbeat.

local slot, r
if ARGV[2] ~= '' then
  slot = tonumber(ARGV[3])
  r = recordById(slot, ARGV[2])
else
  slot, r = leaseOfWorkload(ARGV[4], ARGV[5])
end
if not r or isExpired(r.expires, nowMs()) then
  if ARGV[2] == '' then
    local expiredHost = hostExpiredReply(ARGV[4])
    if expiredHost then return expiredHost end
  end
  return {E_LEASE_NOT_FOUND}
end
return {0, unpack(leaseReply(slot, r))}
