-- plan_volumes: record the claims of volumes added to a live lease.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] lease id
-- ARGV[3] slot encoded in the lease id
-- ARGV[4] number of volume claims, then scope, path, mode for each; the
--         scope "h:" stands for the lease's own host
--
-- Returns {0, <lease: 12 fields>} or
--   {E_LEASE_NOT_FOUND}
--   {E_VOLUME_CONFLICT, path, mode, lease id, its path, its mode, scope, its host}
--   {E_LEASE_TOO_LARGE, what, count, most allowed}  claims past limits.ts
-- Nothing is written unless every claim is free of conflicts. Idempotent:
-- claims the lease holds already are not added again.

local id, slot = ARGV[2], tonumber(ARGV[3])
local claims = claimsFromArgs(4)
local r = recordById(slot, id)
if not r or not isLive(slot, r) then return {E_LEASE_NOT_FOUND} end
for _, c in ipairs(claims) do
  if c.scope == 'h:' then c.scope = 'h:' .. r.host end
end
local big = claimsTooLarge(r, claims)
if big then return big end
local conflict = claimConflict(claims, slot, isLive)
if conflict then return conflict end
addClaims(slot, r, claims)
saveRecord(slot, r)
return {0, unpack(leaseReply(slot, r))}
