-- allocate: lease a label to (host, workload): a uniformly random free
-- pair, a static level, a disabled label, or membership of an existing
-- lease (a pod); and record the volume claims that come with it.
--
-- A.host, A.workload
-- A.requestId        '' = none; scoped by host
-- A.ttlMs            0 = never expires
-- A.random           random integer in [0, 2^48), fresh per RPC
-- A.suffix           random 12-character lease id suffix, fresh per RPC
-- A.processPrefix, A.mountPrefix, A.roPrefix   context prefixes "user:role:type"
-- A.mode             random | static | disabled | join
-- A.level            static: the canonical level; disabled: the bare
--                    sensitivity; join: the level the request insists on, or ''
-- A.joinId, A.joinSlot   join: the lease id to join and its slot
-- A.hostTtlMs        --host-ttl (0 = leases are not bound to host liveness)
-- A.hostQuota        --host-quota in pairs (0 = none)
-- A.hostStaticQuota  --host-static-quota (0 = none)
-- A.maxStaticPairs   --max-static-pairs (0 = none)
-- A.stableKey        '' = none; the pair is held for it when the lease ends
-- A.stableScope      'h' (the key is per host) or 'c' (cluster-wide)
-- A.retentionMs      how long the pair is held for the key
-- rest               volume claims: scope, path, mode for each
--
-- Returns {0, created (1|0), <lease: Records.REPLY>} or
--   {E.POOL_NOT_INITIALIZED}
--   {E.POOL_EXHAUSTED, total}
--   {E.REQUEST_ID_REUSED, lease id, host, workload}
--   {E.WORKLOAD_HAS_LEASE, lease id, level}
--   {E.LEVEL_IN_USE, level, lease id, host, workload}
--   {E.LEVEL_CONFLICT, level, lease id, its level, relation, its host}
--   {E.LEVEL_TOO_WIDE, level, pairs it covers, most allowed}
--   {E.LEVEL_RESERVED, level, reserved level}
--   {E.VOLUME_CONFLICT, path, mode, lease id, its path, its mode, scope, its host}
--   {E.LEASE_NOT_FOUND} / {E.HOST_MISMATCH, host} / {E.SHARE_MISMATCH, level}  (join)
--   {E.KEYED_EXHAUSTED}
--   {E.HOST_EXPIRED, host, when}  the host missed its heartbeats; reconcile first
--   {E.HOST_QUOTA, host, used, cost, quota}
--   {E.HOST_STATIC_QUOTA, host, wide static levels held, most allowed}
--   {E.LEASE_TOO_LARGE, what, count, most allowed}  claims or members past their bounds
--   {E.STABLE_KEY_IN_USE, key, lease id, host, workload}  a live lease has the key
--   {E.STABLE_KEY_LEVEL_MISMATCH, key, held level, host}  the key holds another level
--   {E.POOL_RECOVERING, until (ms), pool created at (ms)}  a new random or
--        static lease while the pool, created again after Redis lost it,
--        waits for hosts to report what they run (pod joins, disabled
--        labels and the leases a workload holds already are answered)
-- Nothing is written unless every check passes (expired leases met on the
-- way are reclaimed). The checks whose cost is fixed (width, quotas) come
-- before those that walk other leases. Idempotent: the same request for a
-- (host, workload) that holds a lease, or the same request id, returns that
-- lease. If ioredis resends this very call after a reconnect, the lease it
-- finds carries this call's suffix and it answers created = 1, as the first
-- execution did. A stable key whose pair is held (its lease ended within
-- the retention) brings that pair back, as a new lease (created = 1) with
-- the old level.

local host, workload, requestId = A.host, A.workload, A.requestId
local ttl, random, suffix = tonumber(A.ttlMs), tonumber(A.random), A.suffix
local mode, level = A.mode, A.level
local hostTtl = tonumber(A.hostTtlMs)
local maxStaticPairs = tonumber(A.maxStaticPairs)
local claims = Claims.claimsFromArgs(A.rest)

if not Call.meta().free then return {E.POOL_NOT_INITIALIZED} end
local expiredHost = Hosts.hostExpiredReply(host)
if expiredHost then return expiredHost end
local now = Call.now()
local kind = Records.kindOfMode(mode)

-- A live lease under this request id answers the retry, but only for the
-- same workload: AIP-155 refuses a reused request id with other parameters.
local request = ''
if requestId ~= '' then
  request = Index.requestDigest(host, requestId)
  local slot = Index.indexGet('req', request)
  local r = slot and Records.readRecord(slot)
  if r and r.request == request and Leases.isLive(slot, r) and not Records.isHold(r) then
    if r.host ~= host or not Records.hasMember(r, workload) then
      return {E.REQUEST_ID_REUSED, r.id, r.host, Records.members(r)[1]}
    end
    Hosts.hostAlive(host, hostTtl, now)
    return {0, 1, unpack(Records.leaseReply(slot, r))}
  end
end

-- The workload holds a lease already: the same request gets it back,
-- another request is refused rather than silently answered with it.
local existing, r = Leases.heldBy(host, workload)
if existing then
  local same
  if mode == 'join' then
    same = r.id == A.joinId
  else
    same = r.kind == kind and r.labels == (Records.labelsId(A.processPrefix, A.mountPrefix, A.roPrefix) or '')
      and (mode ~= 'static' or Records.levelOf(existing, r) == level)
      and r.stableKey == A.stableKey
  end
  if not same then return {E.WORKLOAD_HAS_LEASE, r.id, Records.levelOf(existing, r)} end
  local big = Claims.claimsTooLarge(r, claims)
  if big then return big end
  local conflict = Claims.claimConflict(claims, existing)
  if conflict then return conflict end
  Claims.addClaims(existing, r, claims)
  Records.saveRecord(existing, r)
  Hosts.hostAlive(host, hostTtl, now)
  local created = 0
  if string.sub(r.id, 5) == suffix then created = 1 end
  return {0, created, unpack(Records.leaseReply(existing, r))}
end

if mode == 'join' then
  local slot = tonumber(A.joinSlot)
  local r = Records.recordById(slot, A.joinId)
  if not r or not Leases.isLive(slot, r) or Records.isHold(r) then return {E.LEASE_NOT_FOUND} end
  if r.host ~= host then return {E.HOST_MISMATCH, r.host} end
  if level ~= '' and Records.levelOf(slot, r) ~= level then return {E.SHARE_MISMATCH, Records.levelOf(slot, r)} end
  local big = Leases.membersTooLarge(r, workload) or Claims.claimsTooLarge(r, claims)
  if big then return big end
  local conflict = Claims.claimConflict(claims, slot)
  if conflict then return conflict end
  if ttl > 0 and tonumber(r.expires) > 0 and now + ttl > tonumber(r.expires) then
    r.expires = now + ttl
    Index.setExpiry(slot, r.expires)
  end
  Claims.addClaims(slot, r, claims)
  Leases.addMember(slot, r, host, workload)
  Hosts.hostAlive(host, hostTtl, now)
  local reply = Records.leaseReply(slot, r)
  Events.emit('ALLOCATED', slot, r)
  return {0, 1, unpack(reply)}
end

local limits = {quota = tonumber(A.hostQuota), staticQuota = tonumber(A.hostStaticQuota)}

-- A stable key: a live lease with it refuses, its held pair comes back.
if A.stableKey ~= '' then
  local slot, r = Index.stableEntry(A.stableScope, host, A.stableKey)
  if slot and not Records.isHold(r) then
    return {E.STABLE_KEY_IN_USE, A.stableKey, r.id, r.host, Records.members(r)[1] or ''}
  end
  if slot then
    local heldLevel = Records.levelOf(slot, r)
    if mode == 'static' and heldLevel ~= level then return {E.STABLE_KEY_LEVEL_MISMATCH, A.stableKey, heldLevel, r.host} end
    if r.host ~= host then
      local over = Hosts.quotaExceeded(host, Hosts.quotaCost(slot, r.kind, r.level), Hosts.isWideLease(slot, r.kind), limits)
      if over then return over end
    end
    local big = Claims.claimsTooLarge(r, claims)
    if big then return big end
    local conflict = Claims.claimConflict(claims, slot)
    if conflict then return conflict end
    local lease = {
      suffix = suffix, labels = Records.internLabels(A.processPrefix, A.mountPrefix, A.roPrefix),
      request = request, ttl = ttl, retention = tonumber(A.retentionMs),
    }
    Leases.reviveHold(slot, r, host, workload, lease, now)
    Claims.addClaims(slot, r, claims)
    Records.saveRecord(slot, r)
    Hosts.hostAlive(host, hostTtl, now)
    local reply = Records.leaseReply(slot, r)
    Events.emit('ALLOCATED', slot, r)
    return {0, 1, unpack(reply)}
  end
end

-- A new lease: every check first, those of fixed cost before the walks.
if mode == 'random' or mode == 'static' then
  local m = Call.meta()
  if m.recoverUntil and tonumber(m.recoverUntil) > now then
    return {E.POOL_RECOVERING, m.recoverUntil, redis.call('HGET', Key.meta, 'created')}
  end
end
local cats, wide = {}, false
local cost = 1
if mode == 'static' then
  cats = Statics.categoriesOf(level)
  local refused = Statics.tooWide(level, cats, maxStaticPairs)
  if refused then return refused end
  wide = Statics.isWide(cats)
  if wide then cost = math.max(1, Statics.coverCount(cats)) end
end
local over = Hosts.quotaExceeded(host, cost, wide, limits)
if over then return over end
if #claims > 0 then
  local big = Claims.claimsTooLarge({claims = ''}, claims)
  if big then return big end
end
if mode == 'static' then
  local conflict = Statics.staticConflict(level, cats)
  if conflict then return conflict end
end
local conflict = Claims.claimConflict(claims, nil)
if conflict then return conflict end

-- The record's numbers as text from the start: the record and the event
-- each carry them (a number made text costs about 2,000 instructions).
local slot
local record = {
  host = host, workloads = workload, created = Records.text(now), expires = '0', request = request, kind = kind, level = '',
  claims = '', stableKey = A.stableKey, stableScope = A.stableScope, retention = A.retentionMs,
}
if mode == 'random' then
  if Pairs.freeCount() <= 0 then
    return {E.POOL_EXHAUSTED, tonumber(redis.call('HGET', Key.meta, 'total'))}
  end
  slot = Pairs.drawFreeRank(random)
elseif mode == 'static' and #cats == 2 then
  slot = Statics.rankOfPair(cats[1], cats[2], Statics.poolRange())
  if not Pairs.takeRank(slot) then return {E.POOL_STATE_INCONSISTENT, 'static pair ' .. level .. ' is not free'} end
else
  slot = Records.takeKeyedSlot()
  if not slot then return {E.KEYED_EXHAUSTED} end
  record.level = level
  if mode == 'static' then Statics.holdStatic(slot, cats) end
end

record.labels = Records.internLabels(A.processPrefix, A.mountPrefix, A.roPrefix)
Hosts.chargeHost(host, cost, wide)
record.id = Records.slotDigits(slot) .. suffix
record.token = Records.text(redis.call('HINCRBY', Key.meta, 'token', 1))
if ttl > 0 then record.expires = Records.text(now + ttl) end
Claims.addClaims(slot, record, claims)
Leases.writeLease(slot, record)
if A.stableKey ~= '' then Index.indexSet('sk', Index.stableDigestOf(record), slot) end
Hosts.hostAlive(host, hostTtl, now)
local reply = Records.leaseReply(slot, record)
Events.emit('ALLOCATED', slot, record)
return {0, 1, unpack(reply)}
