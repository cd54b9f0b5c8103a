-- Hosts: liveness and what a host may hold.

-- Host liveness (--host-ttl): any sign of life from a host moves the time
-- its leases lapse (Key.hostexp); the reaper reclaims the leases of hosts
-- past it.
function Hosts.hostAlive(host, ttl, now)
  if ttl > 0 then redis.call('ZADD', Key.hostexp, 'GT', now + ttl, host) end
end

-- A host whose leases were reclaimed for a missed heartbeat gets
-- HOST_EXPIRED until it reconciles: its workloads may still run with the
-- lost labels.
function Hosts.hostExpiredReply(host)
  local at = redis.call('HGET', Key.hostdead, host)
  if at then return {E.HOST_EXPIRED, host, at} end
  return nil
end

-- What a lease costs its host's quota (--host-quota), in pairs: a pair
-- lease one, a static level the pairs it keeps out of the pool (at least
-- one), a disabled label one (its slot). Pod members add nothing.
function Hosts.quotaCost(slot, kind, level)
  if Records.isPairSlot(slot) or kind ~= C.KIND_STATIC then return 1 end
  return math.max(1, Statics.coverCount(Statics.categoriesOf(level)))
end

-- Whether a lease is a wide static level (one, or three or more
-- categories): those count against --host-static-quota.
function Hosts.isWideLease(slot, kind)
  return not Records.isPairSlot(slot) and kind == C.KIND_STATIC
end

-- Key.hostuse counts each host's pairs; Key.hostStatics() its wide static
-- levels, each of which every later static level sharing a category is
-- compared with, so a host may hold only a few.
function Hosts.chargeHost(host, cost, wide)
  redis.call('HINCRBY', Key.hostuse, host, cost)
  if wide then redis.call('HINCRBY', Key.hostStatics(), host, 1) end
end

function Hosts.refundHost(host, cost, wide)
  if redis.call('HINCRBY', Key.hostuse, host, -cost) <= 0 then redis.call('HDEL', Key.hostuse, host) end
  if wide and redis.call('HINCRBY', Key.hostStatics(), host, -1) <= 0 then redis.call('HDEL', Key.hostStatics(), host) end
end

-- Why `host` may not take a new lease costing `cost` pairs (a wide static
-- level when `wide`), as an error reply, or nil. `limits`: quota (pairs,
-- 0 = none), staticQuota (wide levels, 0 = none).
function Hosts.quotaExceeded(host, cost, wide, limits)
  if limits.quota > 0 then
    local used = tonumber(redis.call('HGET', Key.hostuse, host)) or 0
    if used + cost > limits.quota then return {E.HOST_QUOTA, host, used, cost, limits.quota} end
  end
  if wide and limits.staticQuota > 0 then
    local held = tonumber(redis.call('HGET', Key.hostStatics(), host)) or 0
    if held + 1 > limits.staticQuota then return {E.HOST_STATIC_QUOTA, host, held, limits.staticQuota} end
  end
  return nil
end
