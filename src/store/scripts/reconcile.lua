-- reconcile: one batch of the workloads a host reports running, with the
-- level each uses. After a runtime or host restart this brings the pool in
-- line with what really runs (go-selinux's ReserveLabel, checked).
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
-- ARGV[3] host ttl in ms (--host-ttl; 0 = leases are not bound to host liveness)
-- ARGV[4..6] context prefixes of restored leases: process, mount, ro
-- ARGV[7..9] context prefixes of restored disabled (s0) leases
-- ARGV[10] number of workloads, then for each: workload id, canonical
--          level, kind ('p' a pair of the pool, 's' another static level,
--          'd' the bare sensitivity of a disabled label), lease id suffix
--
-- Returns {0, <outcome>...}, an outcome being one of
--   'k', <lease: 12 fields>   kept: the workload holds a lease of that level
--   'x', <lease: 12 fields>   released: the workload held another level
--   'r', <lease: 12 fields>   restored: leased again, or joined (same host, same level)
--   'c', workload, level, holder lease id, holder host, holder workload,
--        code, v1, v2, v3, v4
--                             conflict: code and values as allocate.lua's errors
-- Safe to repeat: a second run with the same report keeps everything.

local host, hostTtl = ARGV[2], tonumber(ARGV[3])
if redis.call('EXISTS', KEY_META) == 0 then return {E_POOL_NOT_INITIALIZED} end
local now = nowMs()
local out = {0}

local function push(tag, values)
  table.insert(out, tag)
  for _, v in ipairs(values) do table.insert(out, v) end
end

-- c: an error reply as staticConflict returns them: {code, values...}
local function conflict(workload, level, c)
  local id, h, w = '', '', ''
  if c[1] == E_LEVEL_IN_USE then
    id, h, w = c[3], c[4], c[5]
  elseif c[1] == E_LEVEL_CONFLICT then
    local holder = readRecord(slotOfId(c[3]))
    id, h, w = c[3], holder and holder.host or '', holder and members(holder)[1] or ''
  end
  push('c', {workload, level, id, h, w, c[1], c[2] or '', c[3] or '', c[4] or '', c[5] or ''})
end

local function join(slot, r, workload)
  addMember(slot, r, host, workload)
  local reply = leaseReply(slot, r)
  emit('RESTORED', slot, r)
  push('r', reply)
end

local function grant(slot, workload, kind, level, prefixes, suffix)
  local record = {
    id = slotDigits(slot) .. suffix, host = host, workloads = workload, created = now, expires = 0,
    request = '', kind = kind, level = level, claims = '',
    token = redis.call('HINCRBY', KEY_META, 'token', 1),
    labels = internLabels(prefixes[1], prefixes[2], prefixes[3]),
  }
  writeLease(slot, record)
  -- Restored leases count against the quota but are never refused for it:
  -- the workloads run already.
  chargeHost(host, quotaCost(slot, kind, level))
  local reply = leaseReply(slot, record)
  emit('RESTORED', slot, record)
  push('r', reply)
end

local defaults = {ARGV[4], ARGV[5], ARGV[6]}
local privileged = {ARGV[7], ARGV[8], ARGV[9]}
local n = tonumber(ARGV[10])
for i = 0, n - 1 do
  local base = 11 + 4 * i
  local workload, level, kind, suffix = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local done = false

  local held, r = heldBy(host, workload)
  if held then
    if levelOf(held, r) == level then
      push('k', leaseReply(held, r))
      done = true
    else
      -- It runs with another level than its lease: that lease is stale.
      local reply = dropMember(held, r, workload)
      push('x', reply)
    end
  end

  if not done and kind == 'd' then
    local slot = takeKeyedSlot()
    if not slot then
      conflict(workload, level, {E_KEYED_EXHAUSTED})
    else
      grant(slot, workload, 'd', level, privileged, suffix)
    end
  elseif not done then
    local cats = categoriesOf(level)
    local c = staticConflict(level, cats, isLive)
    if c and c[1] == E_LEVEL_IN_USE and c[4] == host then
      -- The same label on the same host: a pod member. Join its lease.
      local slot = slotOfId(c[3])
      join(slot, readRecord(slot), workload)
    elseif c then
      conflict(workload, level, c)
    elseif kind == 'p' then
      local slot = rankOfPair(cats[1], cats[2], poolRange())
      if takeRank(slot) then
        grant(slot, workload, '', '', defaults, suffix)
      else
        conflict(workload, level, {E_POOL_STATE_INCONSISTENT, 'pair ' .. level .. ' is not free'})
      end
    else
      local slot = takeKeyedSlot()
      if not slot then
        conflict(workload, level, {E_KEYED_EXHAUSTED})
      else
        holdStatic(slot, cats)
        grant(slot, workload, 's', level, defaults, suffix)
      end
    end
  end
end

hostAlive(host, hostTtl, now)
return out
