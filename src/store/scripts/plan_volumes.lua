-- plan_volumes: record the claims of volumes added to a live lease.
--
-- A.leaseId, A.slot   the lease and the slot its id names
-- rest                volume claims: scope, path, mode for each; the scope
--                     "h:" stands for the lease's own host
--
-- Returns {0, <lease: Records.REPLY>} or
--   {E.LEASE_NOT_FOUND}
--   {E.VOLUME_CONFLICT, path, mode, lease id, its path, its mode, scope, its host}
--   {E.LEASE_TOO_LARGE, what, count, most allowed}  claims past their bounds
-- Nothing is written unless every claim is free of conflicts. Idempotent:
-- claims the lease holds already are not added again.

local id, slot = A.leaseId, tonumber(A.slot)
local claims = Claims.claimsFromArgs(A.rest)
local r = Records.recordById(slot, id)
if not r or not Leases.isLive(slot, r) or Records.isHold(r) then return {E.LEASE_NOT_FOUND} end
for _, c in ipairs(claims) do
  if c.scope == 'h:' then c.scope = 'h:' .. r.host end
end
local big = Claims.claimsTooLarge(r, claims)
if big then return big end
local conflict = Claims.claimConflict(claims, slot)
if conflict then return conflict end
Claims.addClaims(slot, r, claims)
Records.saveRecord(slot, r)
return {0, unpack(Records.leaseReply(slot, r))}
