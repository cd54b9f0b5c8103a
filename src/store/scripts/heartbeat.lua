-- heartbeat: a host says it is alive; every lease it holds stays alive.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
-- ARGV[3] ttl in ms (0 = leases are not bound to host liveness)
--
-- Returns {0, expires at (ms, 0 = none), leases held by the host} or
--   {E_HOST_EXPIRED, host, when}  the host's leases were reclaimed; reconcile
-- O(1) in the host's leases: one sorted-set entry per host.

local host, ttl = ARGV[2], tonumber(ARGV[3])
local expiredHost = hostExpiredReply(host)
if expiredHost then return expiredHost end
local expires = 0
if ttl > 0 then
  expires = nowMs() + ttl
  redis.call('ZADD', KEY_HOSTEXP, expires, host)
end
return {0, expires, tonumber(redis.call('HGET', KEY_MEMBERS, host)) or 0}
