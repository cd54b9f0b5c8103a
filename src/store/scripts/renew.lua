-- renew: move a live lease's expiry to now + ttl.
--
-- A.leaseId, A.slot   the lease and the slot its id names
-- A.ttlMs             > 0
--
-- Returns {0, <lease: Records.REPLY>} or
--   {E.LEASE_NOT_FOUND}  no such live lease: never granted, released, or
--                        expired (an expired lease found here is reclaimed on
--                        the spot, so the answer does not depend on whether
--                        the reaper got to it first)
-- Idempotent: repeating it only moves the expiry again.

local id, slot, ttl = A.leaseId, tonumber(A.slot), tonumber(A.ttlMs)
local r = Records.recordById(slot, id)
if not r or Records.isHold(r) then return {E.LEASE_NOT_FOUND} end

local now = Call.now()
if Call.expired(r.expires, now) then
  Leases.dropLease(slot, r, 'EXPIRED')
  return {E.LEASE_NOT_FOUND}
end

r.expires = now + ttl
Records.saveRecord(slot, r)
Index.setExpiry(slot, r.expires)
local reply = Records.leaseReply(slot, r)
Events.emit('RENEWED', slot, r)
return {0, unpack(reply)}
