-- reconcile_sweep: the last step of a reconciliation. Releases what the host
-- holds but did not report, and ends the host's HOST_EXPIRED state.
--
-- A.host
-- A.hostTtlMs    --host-ttl (0 = leases are not bound to host liveness)
-- A.startToken   fencing counter when the reconciliation began: leases
--                granted since then (by a concurrent Allocate) are not touched
-- A.last         '1' on the last batch: clear the host's HOST_EXPIRED mark
-- rest           workload ids the host holds but did not report
--
-- Returns {0, <lease: Records.REPLY>...} for what it released (a pod's lease
-- as it remains when other members still hold it).

local host, hostTtl, startToken = A.host, tonumber(A.hostTtlMs), tonumber(A.startToken)
local out = {0}
for _, workload in ipairs(Call.rest(A.rest)) do
  local slot, r = Index.leaseOfWorkload(host, workload)
  if r and tonumber(r.token) <= startToken then
    for _, v in ipairs((Leases.dropMember(slot, r, workload))) do table.insert(out, v) end
  end
end
if A.last == '1' then redis.call('HDEL', Key.hostdead, host) end
Hosts.hostAlive(host, hostTtl, Call.now())
return out
