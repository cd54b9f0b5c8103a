-- Lease records and their indexes. Needs KEY_WORKLOADS, KEY_LEVELS,
-- KEY_REQUESTS, KEY_ALL, KEY_EXPIRY (and pairs.lua) set by the including
-- script.
--
-- A lease is a hash at mcs:{pool}:lease:<id> with the fields
--   id pool host workload level rank process mount ro token created expires request
-- indexed by (host, workload), by level, by request id (when one was given),
-- by grant order (KEY_ALL and the host's ZSET, both scored by token) and, when
-- it expires, by expiry time (KEY_EXPIRY).

local function leaseReply(id)
  return redis.call('HGETALL', leaseKey(id))
end

-- Removes a lease and every index entry, and returns its pair to the pool.
-- Returns the lease's fields as they were (HGETALL form), or false.
local function dropLease(id)
  local key = leaseKey(id)
  local fields = redis.call('HGETALL', key)
  if #fields == 0 then return false end
  local lease = {}
  for i = 1, #fields, 2 do lease[fields[i]] = fields[i + 1] end

  freeRank(tonumber(lease.rank))
  local wf = workloadField(lease.host, lease.workload)
  if redis.call('HGET', KEY_WORKLOADS, wf) == id then redis.call('HDEL', KEY_WORKLOADS, wf) end
  if redis.call('HGET', KEY_LEVELS, lease.level) == id then redis.call('HDEL', KEY_LEVELS, lease.level) end
  if lease.request ~= nil and lease.request ~= '' and redis.call('HGET', KEY_REQUESTS, lease.request) == id then
    redis.call('HDEL', KEY_REQUESTS, lease.request)
  end
  redis.call('ZREM', KEY_ALL, id)
  redis.call('ZREM', hostKey(lease.host), id)
  redis.call('ZREM', KEY_EXPIRY, id)
  redis.call('DEL', key)
  return fields
end
