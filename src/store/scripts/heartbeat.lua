-- heartbeat: a host says it is alive; every lease it holds stays alive.
--
-- A.host
-- A.ttlMs   0 = leases are not bound to host liveness
--
-- Returns {0, expires at (ms, 0 = none), leases held by the host} or
--   {E.HOST_EXPIRED, host, when}  the host's leases were reclaimed; reconcile
-- O(1) in the host's leases: one sorted-set entry per host.

local host, ttl = A.host, tonumber(A.ttlMs)
local expiredHost = Hosts.hostExpiredReply(host)
if expiredHost then return expiredHost end
local expires = 0
if ttl > 0 then
  expires = Call.now() + ttl
  redis.call('ZADD', Key.hostexp, expires, host)
end
return {0, expires, tonumber(redis.call('HGET', Key.members, host)) or 0}
