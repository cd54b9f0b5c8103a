-- reconcile_sweep: the last step of a reconciliation. Releases what the host
-- holds but did not report, and ends the host's HOST_EXPIRED state.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
-- ARGV[3] host ttl in ms (--host-ttl; 0 = leases are not bound to host liveness)
-- ARGV[4] fencing counter when the reconciliation began: leases granted
--         since then (by a concurrent Allocate) are not touched
-- ARGV[5] '1' on the last batch: clear the host's HOST_EXPIRED mark
-- ARGV[6..] workload ids the host holds but did not report
--
-- Returns {0, <lease: 12 fields>...} for what it released (a pod's lease
-- as it remains when other members still hold it).

local host, hostTtl, startToken = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {0}
for i = 6, #ARGV do
  local workload = ARGV[i]
  local slot, r = leaseOfWorkload(host, workload)
  if r and tonumber(r.token) <= startToken then
    for _, v in ipairs((dropMember(slot, r, workload))) do table.insert(out, v) end
  end
end
if ARGV[5] == '1' then redis.call('HDEL', KEY_HOSTDEAD, host) end
hostAlive(host, hostTtl, nowMs())
return out
