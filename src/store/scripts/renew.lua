-- renew: move a live lease's expiry to now + ttl.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] lease id
-- ARGV[3] slot encoded in the lease id
-- ARGV[4] ttl in ms (> 0)
--
-- Returns {0, <lease: 12 fields>} or
--   {E_LEASE_NOT_FOUND}  no such live lease: never granted, released, or
--                        expired (an expired lease found here is reclaimed on
--                        the spot, so the answer does not depend on whether
--                        the reaper got to it first)
-- Idempotent: repeating it only moves the expiry again.

local id, slot, ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local r = recordById(slot, id)
if not r then return {E_LEASE_NOT_FOUND} end

local now = nowMs()
if isExpired(r.expires, now) then
  dropLease(slot, r, 'EXPIRED')
  return {E_LEASE_NOT_FOUND}
end

r.expires = now + ttl
saveRecord(slot, r)
setExpiry(slot, r.expires)
local reply = leaseReply(slot, r)
emit('RENEWED', slot, r)
return {0, unpack(reply)}
