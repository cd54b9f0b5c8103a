-- reconcile: one batch of the workloads a host reports running, with the
-- level each uses. After a runtime or host restart this brings the pool in
-- line with what really runs (go-selinux's ReserveLabel, checked).
--
-- A.host
-- A.hostTtlMs         --host-ttl (0 = leases are not bound to host liveness)
-- A.processPrefix, A.mountPrefix, A.roPrefix   contexts of restored leases
-- A.privilegedProcessPrefix, A.privilegedMountPrefix, A.privilegedRoPrefix
--                     contexts of restored disabled (s0) leases
-- A.hostQuota         --host-quota in pairs (0 = none)
-- A.hostStaticQuota   --host-static-quota (0 = none)
-- A.maxStaticPairs    --max-static-pairs (0 = none)
-- rest                for each reported workload: its id, canonical level,
--                     kind (C.REPORTED_PAIR a pair of the pool,
--                     C.REPORTED_STATIC another static level,
--                     C.REPORTED_DISABLED the bare sensitivity of a disabled
--                     label), a lease id suffix, and why the host may not
--                     have that level leased anew ('' = it may; the caller
--                     applies the host's authorization policy, as for
--                     Allocate)
--
-- A workload that holds a lease of its level keeps it. Anything new goes
-- through the same checks as allocate.lua: the policy (above), the width
-- bound, dominance, then the quotas. The caller batches workloads so that
-- one call covers a bounded number of pairs.
--
-- Returns {0, <outcome>...}, an outcome being one of
--   'k', <lease: Records.REPLY>   kept: the workload holds a lease of that level
--   'x', <lease: Records.REPLY>   released: the workload held another level
--   'r', <lease: Records.REPLY>   restored: leased again, or joined (same host, same level)
--   'c', workload, level, holder lease id, holder host, holder workload,
--        n, code, n - 1 values   conflict: the code and values of the error
--                                 allocate.lua would answer (E.NOT_AUTHORIZED
--                                 with the caller's reason: refused by policy)
-- Safe to repeat: a second run with the same report keeps everything.

local host, hostTtl = A.host, tonumber(A.hostTtlMs)
if redis.call('EXISTS', Key.meta) == 0 then return {E.POOL_NOT_INITIALIZED} end
local now = Call.now()
local out = {0}

-- Appends a tag ('' = none) and values to the answer.
local function push(tag, values)
  if tag ~= '' then table.insert(out, tag) end
  for _, v in ipairs(values) do table.insert(out, v) end
end

-- c: an error reply as allocate.lua answers it: {code, values...}
local function conflict(workload, level, c)
  local id, h, w = '', '', ''
  if c[1] == E.LEVEL_IN_USE then
    id, h, w = c[3], c[4], c[5]
  elseif c[1] == E.LEVEL_CONFLICT then
    local holder = Records.readRecord(Records.slotOfId(c[3]))
    id, h, w = c[3], c[6], holder and Records.members(holder)[1] or ''
  end
  push('c', {workload, level, id, h, w, #c})
  push('', c)
end

-- The label is held on this host already: by a pod member (join its
-- lease), or for a stable key (the workload came back: the hold is its
-- lease again).
local function join(slot, r, workload, level, suffix)
  if Records.isHold(r) then
    local lease = {
      suffix = suffix, labels = Records.internLabels(A.processPrefix, A.mountPrefix, A.roPrefix),
      request = '', ttl = 0, retention = r.retention,
    }
    Leases.reviveHold(slot, r, host, workload, lease, now)
    Events.emit('RESTORED', slot, r)
    return push('r', Records.leaseReply(slot, r))
  end
  local big = Leases.membersTooLarge(r, workload)
  if big then return conflict(workload, level, big) end
  Leases.addMember(slot, r, host, workload)
  local reply = Records.leaseReply(slot, r)
  Events.emit('RESTORED', slot, r)
  push('r', reply)
end

local function grant(slot, workload, kind, level, prefixes, suffix, cost, wide)
  local record = {
    id = Records.slotDigits(slot) .. suffix, host = host, workloads = workload, created = now, expires = 0,
    request = '', kind = kind, level = level, claims = '',
    token = redis.call('HINCRBY', Key.meta, 'token', 1),
    labels = Records.internLabels(prefixes[1], prefixes[2], prefixes[3]),
  }
  Leases.writeLease(slot, record)
  Hosts.chargeHost(host, cost, wide)
  local reply = Records.leaseReply(slot, record)
  Events.emit('RESTORED', slot, record)
  push('r', reply)
end

local defaults = {A.processPrefix, A.mountPrefix, A.roPrefix}
local privileged = {A.privilegedProcessPrefix, A.privilegedMountPrefix, A.privilegedRoPrefix}
local limits = {quota = tonumber(A.hostQuota), staticQuota = tonumber(A.hostStaticQuota)}
local maxStaticPairs = tonumber(A.maxStaticPairs)
local reported = Call.rest(A.rest)
for base = 1, #reported - 4, 5 do
  local workload, level, kind = reported[base], reported[base + 1], reported[base + 2]
  local suffix, refusal = reported[base + 3], reported[base + 4]
  local done = false

  local held, r = Leases.heldBy(host, workload)
  if held then
    if Records.levelOf(held, r) == level then
      push('k', Records.leaseReply(held, r))
      done = true
    else
      -- It runs with another level than its lease: that lease is stale.
      local reply = Leases.dropMember(held, r, workload)
      push('x', reply)
    end
  end

  if not done and refusal ~= '' then
    conflict(workload, level, {E.NOT_AUTHORIZED, refusal})
  elseif not done and kind == C.REPORTED_DISABLED then
    local over = Hosts.quotaExceeded(host, 1, false, limits)
    local slot = not over and Records.takeKeyedSlot()
    if over then
      conflict(workload, level, over)
    elseif not slot then
      conflict(workload, level, {E.KEYED_EXHAUSTED})
    else
      grant(slot, workload, C.KIND_DISABLED, level, privileged, suffix, 1, false)
    end
  elseif not done then
    local cats = Statics.categoriesOf(level)
    local wide = Statics.isWide(cats)
    local cost = 1
    if wide then cost = math.max(1, Statics.coverCount(cats)) end
    -- The width bound first: it bounds what the comparison walks. A label
    -- held on this host already is a pod member joining, which costs
    -- nothing; any other new lease must fit the host's quotas.
    local c = Statics.tooWide(level, cats, maxStaticPairs) or Statics.staticConflict(level, cats)
    local joinSlot
    if c and c[1] == E.LEVEL_IN_USE and c[4] == host then
      joinSlot, c = Records.slotOfId(c[3]), nil
    elseif not c then
      c = Hosts.quotaExceeded(host, cost, wide, limits)
    end
    if joinSlot then
      join(joinSlot, Records.readRecord(joinSlot), workload, level, suffix)
    elseif c then
      conflict(workload, level, c)
    elseif kind == C.REPORTED_PAIR then
      local slot = Statics.rankOfPair(cats[1], cats[2], Statics.poolRange())
      if Pairs.takeRank(slot) then
        grant(slot, workload, C.KIND_RANDOM, '', defaults, suffix, 1, false)
      else
        conflict(workload, level, {E.POOL_STATE_INCONSISTENT, 'pair ' .. level .. ' is not free'})
      end
    else
      local slot = Records.takeKeyedSlot()
      if not slot then
        conflict(workload, level, {E.KEYED_EXHAUSTED})
      else
        Statics.holdStatic(slot, cats)
        grant(slot, workload, C.KIND_STATIC, level, defaults, suffix, cost, wide)
      end
    end
  end
end

Hosts.hostAlive(host, hostTtl, now)
return out
