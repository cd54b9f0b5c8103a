-- Volume claims: which lease relabelled which path, shared (z) or private
-- (Z). Needs lease.lua. A claim lives in a sorted set per mode and scope,
-- ordered by path so that a path's ancestors and descendants are ranges:
--   claims:<mode>:<scope>  ZSET  "path\0slot" (score 0)
-- where scope is "h:<host>", or "s:<storage id>" for storage that several
-- hosts see. A lease lists its claims in its record and drops them with it.
-- A claim conflicts with another lease's claim on the same path, a parent
-- or a child, when either of them is private: relabelling would cut the
-- other container off its files. Members of one pod share a lease, so they
-- never conflict.

local function claimKey(mode, scope)
  return prefix .. 'claims:' .. mode .. ':' .. scope
end

local function ancestorsOf(path)
  local out = {'/'}
  local acc = ''
  for seg in string.gmatch(path, '[^/]+') do
    acc = acc .. '/' .. seg
    table.insert(out, acc)
  end
  return out
end

-- The first claim in `key` overlapping `path` that belongs to a slot other
-- than `own`, as {path, slot}, or nil. Claims of leases that `isLive`
-- rejects are skipped.
local function foreignOverlap(key, path, own, isLive)
  local function foreign(members)
    for _, m in ipairs(members) do
      local p, s = string.match(m, '^(.*)%z(%d+)$')
      local slot = tonumber(s)
      if slot ~= own then
        local r = readRecord(slot)
        if r and isLive(slot, r) then return {p, slot, r} end
      end
    end
    return nil
  end
  for _, a in ipairs(ancestorsOf(path)) do
    local hit = foreign(redis.call('ZRANGE', key, '[' .. a .. '\0', '[' .. a .. '\0\255', 'BYLEX'))
    if hit then return hit end
  end
  local below = path .. '/'
  if path == '/' then below = '/' end
  local offset = 0
  while true do
    local batch = redis.call('ZRANGE', key, '[' .. below, '[' .. below .. '\255', 'BYLEX', 'LIMIT', offset, 64)
    if #batch == 0 then return nil end
    local before = dropped
    local hit = foreign(batch)
    if hit then return hit end
    -- Reclaiming an expired lease removed entries: the offset moved under us.
    if dropped ~= before then offset = 0 else offset = offset + #batch end
  end
end

-- Checks claims {scope, path, mode} for the lease in slot `own` (nil for a
-- lease not yet written). Returns an error reply or nil.
local function claimConflict(claims, own, isLive)
  for _, c in ipairs(claims) do
    local modes = {'Z'}
    if c.mode == 'Z' then modes = {'Z', 'z'} end
    for _, m in ipairs(modes) do
      local hit = foreignOverlap(claimKey(m, c.scope), c.path, own, isLive)
      if hit then
        return {E_VOLUME_CONFLICT, c.path, c.mode, hit[3].id, hit[1], m, c.scope}
      end
    end
  end
  return nil
end

-- Adds claims to the lease record `r` in `slot` (not saved here) and to the
-- claim sets. Claims the lease already holds are not added twice.
local function addClaims(slot, r, claims)
  local have = {}
  for entry in string.gmatch(r.claims, '[^\n]+') do have[entry] = true end
  for _, c in ipairs(claims) do
    local entry = c.scope .. '\0' .. c.path .. '\0' .. c.mode
    if not have[entry] then
      have[entry] = true
      if r.claims == '' then r.claims = entry else r.claims = r.claims .. '\n' .. entry end
      redis.call('ZADD', claimKey(c.mode, c.scope), 0, c.path .. '\0' .. slotString(slot))
    end
  end
end

local function dropClaims(slot, r)
  for entry in string.gmatch(r.claims, '[^\n]+') do
    local scope, path, mode = string.match(entry, '^(.-)%z(.*)%z([zZ])$')
    redis.call('ZREM', claimKey(mode, scope), path .. '\0' .. slotString(slot))
  end
end

-- Claims as the scripts receive them: ARGV[first] = count, then count
-- triples scope, path, mode.
local function claimsFromArgs(first)
  local out = {}
  local n = tonumber(ARGV[first]) or 0
  for i = 0, n - 1 do
    local base = first + 1 + 3 * i
    table.insert(out, {scope = ARGV[base], path = ARGV[base + 1], mode = ARGV[base + 2]})
  end
  return out
end
