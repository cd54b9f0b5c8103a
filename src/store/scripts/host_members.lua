#!lua flags=no-writes
-- host_members: a page of the workloads holding leases on a host, each pod
-- member once (Reconcile releases those the host did not report).
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
-- ARGV[3] slot to continue after (-1 = from the start)
-- ARGV[4] most leases to read
--
-- Returns {0, last slot read (-1 = no more), workload id...}. Expired
-- leases count until they are reaped: the sweep that follows reclaims
-- them anyway.

local host, after, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local slots = hostSlotsAfter(host, after, limit)
local last = -1
if #slots == limit then last = slots[#slots] end
local out = {0, last}
for _, slot in ipairs(slots) do
  local r = readRecord(slot)
  if r and r.host == host then
    for _, w in ipairs(members(r)) do table.insert(out, w) end
  end
end
return out
