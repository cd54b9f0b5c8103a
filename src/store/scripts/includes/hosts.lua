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

-- A host's counters are one small hash of its own (Key.hostCounters):
--   u  the pairs its leases hold (--host-quota)
--   m  the workloads holding its leases, pod members each (Index)
--   s  its wide static levels, each of which every later static level
--      sharing a category is compared with, so a host may hold only a few
-- A field at zero is deleted, and with the last one the key. (Shared hashes
-- of all hosts, as layout 3 had, are searched entry by entry while they
-- are small: at 100 hosts each counter cost an Allocate about 10,000
-- instructions more than in a hash of its own.)
Hosts.USED = 'u'
Hosts.MEMBERS = 'm'
Hosts.WIDE = 's'

-- Adds `by` to one of the host's counters; returns the new count.
function Hosts.count(host, field, by)
  local key = Key.hostCounters(host)
  local n = redis.call('HINCRBY', key, field, by)
  if n <= 0 then redis.call('HDEL', key, field) end
  return n
end

function Hosts.counter(host, field)
  return tonumber(redis.call('HGET', Key.hostCounters(host), field)) or 0
end

function Hosts.chargeHost(host, cost, wide)
  Hosts.count(host, Hosts.USED, cost)
  if wide then Hosts.count(host, Hosts.WIDE, 1) end
end

function Hosts.refundHost(host, cost, wide)
  Hosts.count(host, Hosts.USED, -cost)
  if wide then Hosts.count(host, Hosts.WIDE, -1) end
end

-- Why `host` may not take a new lease costing `cost` pairs (a wide static
-- level when `wide`), as an error reply, or nil. `limits`: quota (pairs,
-- 0 = none), staticQuota (wide levels, 0 = none).
function Hosts.quotaExceeded(host, cost, wide, limits)
  if limits.quota > 0 then
    local used = Hosts.counter(host, Hosts.USED)
    if used + cost > limits.quota then return {E.HOST_QUOTA, host, used, cost, limits.quota} end
  end
  if wide and limits.staticQuota > 0 then
    local held = Hosts.counter(host, Hosts.WIDE)
    if held + 1 > limits.staticQuota then return {E.HOST_STATIC_QUOTA, host, held, limits.staticQuota} end
  end
  return nil
end
