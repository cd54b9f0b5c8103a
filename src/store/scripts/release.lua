-- release: end a lease, or one member's share of it, and return what it
-- held to the pool when nobody holds it any more.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] lease id ('' = find it by host + workload)
-- ARGV[3] slot encoded in the lease id (with a lease id)
-- ARGV[4] host ('' = any; with a lease id it must match the lease's host)
-- ARGV[5] workload id: with a lease id, only this member leaves; without
--         one, the member (host, workload) leaves
-- ARGV[6] fencing token ('' = unchecked; otherwise must match)
--
-- Returns {0, released (1|0), remaining members, <lease as it was: 12
-- fields>} or {0, 0, 0} when there is no such lease or member, or
--   {E_HOST_MISMATCH, lease host}
--   {E_FENCING_TOKEN_MISMATCH, lease token}
-- A lease id alone ends the lease for every member. Idempotent: a lease or
-- member already gone gives released = 0. A lease found expired is
-- reclaimed too but reported as released = 0: it had already ended.

local id, host, workload, token = ARGV[2], ARGV[4], ARGV[5], ARGV[6]

local slot, r
if id ~= '' then
  slot = tonumber(ARGV[3])
  r = recordById(slot, id)
else
  slot, r = leaseOfWorkload(host, workload)
end
if not r then return {0, 0, 0} end
if host ~= '' and r.host ~= host then return {E_HOST_MISMATCH, r.host} end
if token ~= '' and r.token ~= token then return {E_FENCING_TOKEN_MISMATCH, r.token} end

if isExpired(r.expires, nowMs()) then
  return {0, 0, 0, unpack(dropLease(slot, r, 'EXPIRED'))}
end
if workload == '' then
  return {0, 1, 0, unpack(dropLease(slot, r, 'RELEASED'))}
end
if not hasMember(r, workload) then return {0, 0, #members(r)} end
local reply, remaining = dropMember(slot, r, workload)
return {0, 1, remaining, unpack(reply)}
