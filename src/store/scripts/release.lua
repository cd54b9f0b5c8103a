-- release: end a lease, or one member's share of it, and return what it
-- held to the pool when nobody holds it any more.
--
-- A.leaseId        '' = find it by host + workload
-- A.slot           the slot the lease id names (with a lease id)
-- A.host           '' = any; with a lease id it must match the lease's host
-- A.workload       with a lease id, only this member leaves; without one,
--                  the member (host, workload) leaves
-- A.fencingToken   '' = unchecked; otherwise must match
--
-- Returns {0, released (1|0), remaining members, <lease as it was:
-- Records.REPLY>} or {0, 0, 0} when there is no such lease or member, or
--   {E.HOST_MISMATCH, lease host}
--   {E.FENCING_TOKEN_MISMATCH, lease token}
-- A lease id alone ends the lease for every member (a lease with a stable
-- key leaves its pair held for the key: the hold keeps the lease's id, and
-- releasing that id drops the hold). Idempotent: a lease or
-- member already gone gives released = 0. A lease found expired is
-- reclaimed too but reported as released = 0: it had already ended.

local id, host, workload, token = A.leaseId, A.host, A.workload, A.fencingToken

local slot, r
if id ~= '' then
  slot = tonumber(A.slot)
  r = Records.recordById(slot, id)
else
  slot, r = Index.leaseOfWorkload(host, workload)
end
if not r then return {0, 0, 0} end
if host ~= '' and r.host ~= host then return {E.HOST_MISMATCH, r.host} end
if token ~= '' and r.token ~= token then return {E.FENCING_TOKEN_MISMATCH, r.token} end

if Call.expired(r.expires, Call.now()) then
  return {0, 0, 0, unpack((Leases.endLease(slot, r, 'EXPIRED')))}
end
-- A lease id alone ends the lease (a stable one is held for its key); the
-- id of a hold drops the hold, and its pair goes back to the pool.
if workload == '' then
  return {0, 1, 0, unpack((Leases.endLease(slot, r, 'RELEASED')))}
end
if not Records.hasMember(r, workload) then return {0, 0, #Records.members(r)} end
local reply, remaining = Leases.dropMember(slot, r, workload)
return {0, 1, remaining, unpack(reply)}
