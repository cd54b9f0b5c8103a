#!lua flags=no-writes
-- host_members: a page of the workloads holding leases on a host, each pod
-- member once (Reconcile releases those the host did not report).
--
-- A.host
-- A.after   slot to continue after (-1 = from the start)
-- A.limit   most leases to read
--
-- Returns {0, last slot read (-1 = no more), workload id...}. Expired
-- leases count until they are reaped: the sweep that follows reclaims
-- them anyway.

local host, limit = A.host, tonumber(A.limit)
local slots = Index.hostSlotsAfter(host, tonumber(A.after), limit)
local last = -1
if #slots == limit then last = slots[#slots] end
local out = {0, last}
for _, slot in ipairs(slots) do
  local r = Records.readRecord(slot)
  if r and r.host == host then
    for _, w in ipairs(Records.members(r)) do table.insert(out, w) end
  end
end
return out
