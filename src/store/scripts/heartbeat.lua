-- heartbeat: a host says it is alive; every lease it holds stays alive.
--
-- A.host
-- A.ttlMs        0 = leases are not bound to host liveness
-- A.knownEpoch   the pool epoch the host saw last ('' = none yet)
-- A.recoveryMs   --recovery-window
--
-- Returns {0, expires at (ms, 0 = none), leases held by the host, pool
-- epoch} or
--   {E.HOST_EXPIRED, host, when}  the host's leases were reclaimed; reconcile
--   {E.POOL_NOT_INITIALIZED}
-- The pool epoch is when the pool was created: it changes when Redis lost
-- the pool and it was created again, and a host that sees it change
-- reconciles at once. A host that knew another epoch is evidence that the
-- pool was created again while workloads ran: if it is still young and not
-- already waiting, new leases wait for the rest of the recovery window
-- (E.POOL_RECOVERING in allocate.lua).
-- O(1) in the host's leases: one sorted-set entry per host.

local host, ttl = A.host, tonumber(A.ttlMs)
if redis.call('EXISTS', Key.meta) == 0 then return {E.POOL_NOT_INITIALIZED} end
local expiredHost = Hosts.hostExpiredReply(host)
if expiredHost then return expiredHost end
local now = Call.now()
local m = redis.call('HMGET', Key.meta, 'created', 'recoverUntil')
local epoch, window = m[1], tonumber(A.recoveryMs)
if A.knownEpoch ~= '' and A.knownEpoch ~= epoch and not m[2] and window > 0 and now < tonumber(epoch) + window then
  redis.call('HSET', Key.meta, 'recoverUntil', tonumber(epoch) + window)
end
local expires = 0
if ttl > 0 then
  expires = now + ttl
  redis.call('ZADD', Key.hostexp, expires, host)
end
return {0, expires, Hosts.counter(host, Hosts.MEMBERS), epoch}
