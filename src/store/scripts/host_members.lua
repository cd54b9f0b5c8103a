#!lua flags=no-writes
-- host_members: the workloads holding leases on a host, each pod member
-- once (Reconcile releases those the host did not report).
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
--
-- Returns {0, workload id...}. Expired leases count until they are reaped:
-- the sweep that follows reclaims them anyway.

local host = ARGV[2]
local out = {0}
for _, slot in ipairs(slotsOfHost(host)) do
  local r = readRecord(slot)
  if r and r.host == host then
    for _, w in ipairs(members(r)) do table.insert(out, w) end
  end
end
return out
