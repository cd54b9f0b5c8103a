-- Claims: which lease relabelled which path, shared (z) or private (Z). A
-- claim lives in a sorted set per mode and scope,
-- ordered by path so that a path's ancestors and descendants are ranges:
--   claims:<mode>:<scope>  ZSET  "path\0slot" (score 0)
-- where scope is "h:<host>", or "s:<storage id>" for storage that several
-- hosts see. A lease lists its claims in its record and drops them with it.
-- A claim conflicts with another lease's claim on the same path, a parent
-- or a child, when either of them is private: relabelling would cut the
-- other container off its files. Members of one pod share a lease, so they
-- never conflict.

-- `a` is `b` or one of its ancestors, segment-wise (paths are normalised).
function Claims.isAncestorOrSelf(a, b)
  return a == b or a == '/' or string.sub(b, 1, #a + 1) == a .. '/'
end

function Claims.parentPath(path)
  if path == '/' then return nil end
  local cut = string.match(path, '^(.*)/[^/]*$')
  if cut == '' then return '/' end
  return cut
end

-- Byte order, as sorted sets compare members (Lua's `<` would use the
-- locale's collation, and stop at a NUL).
function Claims.bytesBefore(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- The longest proper ancestor of `path` whose claims ("ancestor\0slot")
-- would sort before the member `top`, or nil.
function Claims.ancestorBefore(path, top)
  local a = Claims.parentPath(path)
  while a and not Claims.bytesBefore(a .. '\0', top) do a = Claims.parentPath(a) end
  return a
end

-- The first claim in `key` overlapping `path` that belongs to a slot other
-- than `own`, as {path, slot, record}, or nil. Claims of leases that
-- `Leases.isLive` rejects are skipped (and reclaimed).
function Claims.foreignOverlap(key, path, own)
  local function foreign(found)
    for _, m in ipairs(found) do
      local p, s = string.match(m, '^(.*)%z(%d+)$')
      local slot = tonumber(s)
      if slot ~= own then
        local r = Records.readRecord(slot)
        if r and Leases.isLive(slot, r) then return {p, slot, r} end
      end
    end
    return nil
  end
  -- The path and its ancestors, walking up from the path. The claims on a
  -- path's ancestors sort in the order of the ancestors' lengths, before
  -- the path's own. The greatest member sorting at or before the candidate
  -- is either on an ancestor (its claims are checked, then the walk goes on
  -- above it), or on some other path: then no ancestor whose claims would
  -- sort after that member has any, and the walk goes on at the longest
  -- ancestor whose claims sort before it. One or two probes, unless claims
  -- crowd the path's own branch; never more than one per segment.
  local candidate = path
  while candidate do
    local top = redis.call('ZRANGE', key, '[' .. candidate .. '\0\255', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1]
    if not top then break end
    local p = string.match(top, '^(.*)%z%d+$')
    if Claims.isAncestorOrSelf(p, candidate) then
      local hit = foreign(redis.call('ZRANGE', key, '[' .. p .. '\0', '[' .. p .. '\0\255', 'BYLEX'))
      if hit then return hit end
      candidate = Claims.parentPath(p)
    else
      candidate = Claims.ancestorBefore(candidate, top)
    end
  end
  -- Below the path: one range.
  local below = path .. '/'
  if path == '/' then below = '/' end
  local offset = 0
  while true do
    local batch = redis.call('ZRANGE', key, '[' .. below, '[' .. below .. '\255', 'BYLEX', 'LIMIT', offset, 64)
    if #batch == 0 then return nil end
    local before = Call.dropped
    local hit = foreign(batch)
    if hit then return hit end
    -- Reclaiming an expired lease removed entries: the offset moved under us.
    if Call.dropped ~= before then offset = 0 else offset = offset + #batch end
  end
end

-- Checks claims {scope, path, mode} for the lease in slot `own` (nil for a
-- lease not yet written). Returns an error reply or nil.
function Claims.claimConflict(claims, own)
  for _, c in ipairs(claims) do
    local modes = {'Z'}
    if c.mode == 'Z' then modes = {'Z', 'z'} end
    for _, m in ipairs(modes) do
      local hit = Claims.foreignOverlap(Key.claims(m, c.scope), c.path, own)
      if hit then
        return {E.VOLUME_CONFLICT, c.path, c.mode, hit[3].id, hit[1], m, c.scope, hit[3].host}
      end
    end
  end
  return nil
end

-- The claims of `r` with `claims` added: the new entries, the stored text
-- they make and how many there are. Claims the lease already holds are not
-- added twice.
function Claims.mergedClaims(r, claims)
  local have, added, parts = {}, {}, {}
  for entry in string.gmatch(r.claims, '[^\n]+') do
    have[entry] = true
    parts[#parts + 1] = entry
  end
  for _, c in ipairs(claims) do
    local entry = c.scope .. '\0' .. c.path .. '\0' .. c.mode
    if not have[entry] then
      have[entry] = true
      added[#added + 1] = c
      parts[#parts + 1] = entry
    end
  end
  return added, table.concat(parts, '\n'), #parts
end

-- An error reply when adding `claims` would take the lease `r` past its
-- bounds (C.MAX_CLAIMS, C.MAX_CLAIM_BYTES), or nil.
function Claims.claimsTooLarge(r, claims)
  local _, text, n = Claims.mergedClaims(r, claims)
  if n > C.MAX_CLAIMS then return {E.LEASE_TOO_LARGE, 'claims', n, C.MAX_CLAIMS} end
  if #text > C.MAX_CLAIM_BYTES then return {E.LEASE_TOO_LARGE, 'claim bytes', #text, C.MAX_CLAIM_BYTES} end
  return nil
end

-- Adds claims to the lease record `r` in `slot` (not saved here) and to the
-- claim sets; check Claims.claimsTooLarge first.
function Claims.addClaims(slot, r, claims)
  if #claims == 0 then return end
  local added, text = Claims.mergedClaims(r, claims)
  r.claims = text
  for _, c in ipairs(added) do
    redis.call('ZADD', Key.claims(c.mode, c.scope), 0, c.path .. '\0' .. Records.slotString(slot))
  end
end

function Claims.dropClaims(slot, r)
  for entry in string.gmatch(r.claims, '[^\n]+') do
    local scope, path, mode = string.match(entry, '^(.-)%z(.*)%z([zZ])$')
    redis.call('ZREM', Key.claims(mode, scope), path .. '\0' .. Records.slotString(slot))
  end
end

-- Claims as an operation's argument tail carries them: triples scope,
-- path, mode from ARGV[first] to the end.
function Claims.claimsFromArgs(first)
  local out = {}
  local args = Call.args
  for base = first, #args - 2, 3 do
    table.insert(out, {scope = args[base], path = args[base + 1], mode = args[base + 2]})
  end
  return out
end
