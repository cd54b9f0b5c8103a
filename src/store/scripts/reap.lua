-- reap: reclaim leases whose expiry has passed, oldest first.
--
-- KEYS[1..8] as in allocate.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] most leases to reclaim in this call
--
-- Returns {0, <id, host, workload, level>...}. Each expired lease is
-- reclaimed by exactly one call, however many replicas run the reaper: the
-- script is atomic and removes what it returns.

local KEY_META, KEY_SLOTS, KEY_POS = KEYS[1], KEYS[2], KEYS[3]
local KEY_WORKLOADS, KEY_LEVELS, KEY_REQUESTS = KEYS[4], KEYS[5], KEYS[6]
local KEY_ALL, KEY_EXPIRY = KEYS[7], KEYS[8]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local due = redis.call('ZRANGE', KEY_EXPIRY, '-inf', nowMs(), 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {0}
for _, id in ipairs(due) do
  local fields = dropLease(id)
  if fields then
    local lease = {}
    for i = 1, #fields, 2 do lease[fields[i]] = fields[i + 1] end
    table.insert(out, id)
    table.insert(out, lease.host)
    table.insert(out, lease.workload)
    table.insert(out, lease.level)
  else
    -- An index entry without its lease: drop the entry so it cannot stall reaping.
    redis.call('ZREM', KEY_EXPIRY, id)
  end
end
return out
