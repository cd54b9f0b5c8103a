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
-- ARGV[10] host quota in pairs (--host-quota; 0 = none)
-- ARGV[11] wide static levels one host may hold (--host-static-quota; 0 = no limit)
-- ARGV[12] most pairs a static level may cover (--max-static-pairs; 0 = no limit)
-- ARGV[13] number of workloads, then for each: workload id, canonical
--          level, kind ('p' a pair of the pool, 's' another static level,
--          'd' the bare sensitivity of a disabled label), lease id suffix,
--          and why the host may not have that level leased anew ('' = it
--          may; the caller applies the host's authorization policy, as for
--          Allocate)
--
-- A workload that holds a lease of its level keeps it. Anything new goes
-- through the same checks as allocate.lua: the policy (above), the width
-- bound, dominance, then the quotas. The caller batches workloads so that
-- one call covers a bounded number of pairs.
--
-- Returns {0, <outcome>...}, an outcome being one of
--   'k', <lease: 12 fields>   kept: the workload holds a lease of that level
--   'x', <lease: 12 fields>   released: the workload held another level
--   'r', <lease: 12 fields>   restored: leased again, or joined (same host, same level)
--   'c', workload, level, holder lease id, holder host, holder workload,
--        code, v1, v2, v3, v4, v5
--                             (E_NOT_AUTHORIZED, the caller's reason: refused by policy)
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
    id, h, w = c[3], c[6], holder and members(holder)[1] or ''
  end
  push('c', {workload, level, id, h, w, c[1], c[2] or '', c[3] or '', c[4] or '', c[5] or '', c[6] or ''})
end

local function join(slot, r, workload, level)
  local big = membersTooLarge(r, workload)
  if big then return conflict(workload, level, big) end
  addMember(slot, r, host, workload)
  local reply = leaseReply(slot, r)
  emit('RESTORED', slot, r)
  push('r', reply)
end

local function grant(slot, workload, kind, level, prefixes, suffix, cost, wide)
  local record = {
    id = slotDigits(slot) .. suffix, host = host, workloads = workload, created = now, expires = 0,
    request = '', kind = kind, level = level, claims = '',
    token = redis.call('HINCRBY', KEY_META, 'token', 1),
    labels = internLabels(prefixes[1], prefixes[2], prefixes[3]),
  }
  writeLease(slot, record)
  chargeHost(host, cost, wide)
  local reply = leaseReply(slot, record)
  emit('RESTORED', slot, record)
  push('r', reply)
end

local defaults = {ARGV[4], ARGV[5], ARGV[6]}
local privileged = {ARGV[7], ARGV[8], ARGV[9]}
local limits = {quota = tonumber(ARGV[10]), staticQuota = tonumber(ARGV[11])}
local maxStaticPairs = tonumber(ARGV[12])
local n = tonumber(ARGV[13])
for i = 0, n - 1 do
  local base = 14 + 5 * i
  local workload, level, kind, suffix, refusal = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
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

  if not done and refusal ~= '' then
    conflict(workload, level, {E_NOT_AUTHORIZED, refusal})
  elseif not done and kind == 'd' then
    local over = quotaExceeded(host, 1, false, limits)
    local slot = not over and takeKeyedSlot()
    if over then
      conflict(workload, level, over)
    elseif not slot then
      conflict(workload, level, {E_KEYED_EXHAUSTED})
    else
      grant(slot, workload, 'd', level, privileged, suffix, 1, false)
    end
  elseif not done then
    local cats = categoriesOf(level)
    local wide = isWide(cats)
    local cost = 1
    if wide then cost = math.max(1, coverCount(cats)) end
    -- The width bound first: it bounds what the comparison walks. A label
    -- held on this host already is a pod member joining, which costs
    -- nothing; any other new lease must fit the host's quotas.
    local c = tooWide(level, cats, maxStaticPairs) or staticConflict(level, cats, isLive)
    local joinSlot
    if c and c[1] == E_LEVEL_IN_USE and c[4] == host then
      joinSlot, c = slotOfId(c[3]), nil
    elseif not c then
      c = quotaExceeded(host, cost, wide, limits)
    end
    if joinSlot then
      join(joinSlot, readRecord(joinSlot), workload, level)
    elseif c then
      conflict(workload, level, c)
    elseif kind == 'p' then
      local slot = rankOfPair(cats[1], cats[2], poolRange())
      if takeRank(slot) then
        grant(slot, workload, '', '', defaults, suffix, 1, false)
      else
        conflict(workload, level, {E_POOL_STATE_INCONSISTENT, 'pair ' .. level .. ' is not free'})
      end
    else
      local slot = takeKeyedSlot()
      if not slot then
        conflict(workload, level, {E_KEYED_EXHAUSTED})
      else
        holdStatic(slot, cats)
        grant(slot, workload, 's', level, defaults, suffix, cost, wide)
      end
    end
  end
end

hostAlive(host, hostTtl, now)
return out
