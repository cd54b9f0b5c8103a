#!lua flags=no-writes
-- get_lease: read one live lease.
--
-- A.leaseId   '' = find it by host + workload
-- A.slot      the slot the lease id names
-- A.host, A.workload   any member of the lease
--
-- Returns {0, <lease: Records.REPLY>}, or {E.LEASE_NOT_FOUND} when there is
-- no such lease or it has expired (reaped or not), or {E.HOST_EXPIRED,
-- host, when} when asked by host + workload of a host that lost its leases
-- for a missed heartbeat.

local slot, r
if A.leaseId ~= '' then
  slot = tonumber(A.slot)
  r = Records.recordById(slot, A.leaseId)
else
  slot, r = Index.leaseOfWorkload(A.host, A.workload)
end
if not r or Call.expired(r.expires, Call.now()) then
  if A.leaseId == '' then
    local expiredHost = Hosts.hostExpiredReply(A.host)
    if expiredHost then return expiredHost end
  end
  return {E.LEASE_NOT_FOUND}
end
return {0, unpack(Records.leaseReply(slot, r))}
