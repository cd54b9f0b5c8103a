-- Leases: writing and ending leases, with everything they hold.

-- An error reply when one more member `workload` would take the lease `r`
-- past its bounds (C.MAX_MEMBERS, C.MAX_MEMBER_BYTES), or nil.
function Leases.membersTooLarge(r, workload)
  local n = #Records.members(r) + 1
  if n > C.MAX_MEMBERS then return {E.LEASE_TOO_LARGE, 'members', n, C.MAX_MEMBERS} end
  local bytes = #r.workloads + 1 + #workload
  if bytes > C.MAX_MEMBER_BYTES then return {E.LEASE_TOO_LARGE, 'member bytes', bytes, C.MAX_MEMBER_BYTES} end
  return nil
end

-- Adds a pod member to the lease `r` in `slot` and saves it; check
-- Leases.membersTooLarge first.
function Leases.addMember(slot, r, host, workload)
  r.workloads = r.workloads .. ' ' .. workload
  Records.saveRecord(slot, r)
  Index.indexMember(slot, host, workload)
end

-- Writes a new lease: its record, its first member and its indexes.
function Leases.writeLease(slot, r)
  Records.saveRecord(slot, r)
  Index.indexMember(slot, r.host, r.workloads)
  if r.request ~= '' then Index.indexSet('req', r.request, slot) end
  if tonumber(r.expires) > 0 then Index.setExpiry(slot, r.expires) end
end

-- Removes a lease's record and every index entry of it.
function Leases.unindexLease(slot, r)
  redis.call('HDEL', Key.leases, slot)
  for _, w in ipairs(Records.members(r)) do Index.unindexMember(slot, r.host, w) end
  redis.call('ZREM', Key.host(r.host), slot)
  if r.request ~= '' then Index.indexDel('req', r.request, slot) end
  -- Only a lease with an expiry has an entry in an expiry bucket.
  if tonumber(r.expires) ~= 0 then Index.clearExpiry(slot) end
end

-- Removes a lease (or a hold) with all its members, claims and index
-- entries, gives back what it held (its pair, the pairs its static level
-- blocked, or its keyed slot) and records the event (RELEASED or EXPIRED;
-- HOLD_ENDED for a hold). Returns the lease reply as it was.
function Leases.dropLease(slot, r, event)
  Call.dropped = Call.dropped + 1
  local reply = Records.leaseReply(slot, r)
  if Records.isHold(r) then
    event = 'HOLD_ENDED'
    redis.call('ZREM', Key.holds(), slot)
    redis.call('ZREM', Key.hostHolds(r.host), slot)
    redis.call('HINCRBY', Key.meta, 'held', -1)
  end
  if r.stableKey ~= '' then Index.indexDel('sk', Index.stableDigestOf(r), slot) end
  Events.emit(event, slot, r)
  Hosts.refundHost(r.host, Hosts.quotaCost(slot, r.kind, r.level), Hosts.isWideLease(slot, r.kind))
  if Records.isPairSlot(slot) then
    Pairs.freeRank(slot)
  else
    if r.kind == C.KIND_STATIC then Statics.releaseStatic(slot, Statics.categoriesOf(r.level)) end
    redis.call('RPUSH', Key.kfree, slot)
  end
  Leases.unindexLease(slot, r)
  Claims.dropClaims(slot, r)
  return reply
end

-- A lease ends (released, or its TTL or its host ran out): one with a
-- stable key leaves its pair held for the key (Leases.holdLease); anything
-- else, a hold included, is dropped. Returns the lease reply as it was, and
-- whether the slot is still taken (by the hold).
function Leases.endLease(slot, r, event)
  if r.stableKey ~= '' and not Records.isHold(r) and (tonumber(r.retention) or 0) > 0 then
    return Leases.holdLease(slot, r, event), true
  end
  return Leases.dropLease(slot, r, event), false
end

-- Keeps the pair of a lease that ended for its stable key: the members,
-- request id and expiry go, the record stays in its slot (so the pair stays
-- out of the free region and, for a static level, what it covers stays
-- blocked), counted against its host's quota, its claims in place (the
-- files still carry its label), until `retention` ms from now. The record
-- `r` is changed into the hold. Returns the lease reply as it was.
function Leases.holdLease(slot, r, event)
  Call.dropped = Call.dropped + 1
  local reply = Records.leaseReply(slot, r)
  Events.emit(event, slot, r)
  for _, w in ipairs(Records.members(r)) do Index.unindexMember(slot, r.host, w) end
  redis.call('ZREM', Key.host(r.host), slot)
  if r.request ~= '' then Index.indexDel('req', r.request, slot) end
  Index.clearExpiry(slot)
  r.workloads, r.request, r.held = '', '', '1'
  r.expires = Call.now() + tonumber(r.retention)
  Records.saveRecord(slot, r)
  Index.setExpiry(slot, r.expires)
  redis.call('ZADD', Key.holds(), slot, slot)
  redis.call('ZADD', Key.hostHolds(r.host), slot, slot)
  redis.call('HINCRBY', Key.meta, 'held', 1)
  return reply
end

-- A hold becomes a live lease again, for `workload` on `host` (an Allocate
-- with its stable key, or a Reconcile of a workload running with its
-- level). `lease` has the new lease's id suffix, labels id, request digest,
-- ttl (ms, 0 = none) and retention; a cluster-wide key may bring the hold
-- to another host, whose quota the caller has checked. The record `r` is
-- changed into the lease; the caller saves claims it adds.
function Leases.reviveHold(slot, r, host, workload, lease, now)
  redis.call('ZREM', Key.holds(), slot)
  redis.call('ZREM', Key.hostHolds(r.host), slot)
  redis.call('HINCRBY', Key.meta, 'held', -1)
  Index.clearExpiry(slot)
  if host ~= r.host then
    local cost, wide = Hosts.quotaCost(slot, r.kind, r.level), Hosts.isWideLease(slot, r.kind)
    Hosts.refundHost(r.host, cost, wide)
    Hosts.chargeHost(host, cost, wide)
  end
  r.id = Records.slotDigits(slot) .. lease.suffix
  r.host, r.workloads, r.held = host, workload, ''
  r.created, r.token = now, redis.call('HINCRBY', Key.meta, 'token', 1)
  r.expires = 0
  if lease.ttl > 0 then r.expires = now + lease.ttl end
  r.labels, r.request, r.retention = lease.labels, lease.request, lease.retention
  Leases.writeLease(slot, r)
end

-- A lease is live until its expiry; an expired one found on the way is
-- ended on the spot, so it never blocks anyone (a stable one is held for
-- its key then, and still takes its slot: true).
function Leases.isLive(slot, r)
  if Call.expired(r.expires, Call.liveClock()) then
    local _, held = Leases.endLease(slot, r, 'EXPIRED')
    return held
  end
  return true
end

-- One member leaves. Returns the lease reply and how many members remain;
-- the last member's leaving ends the lease.
function Leases.dropMember(slot, r, workload)
  local rest = {}
  for _, w in ipairs(Records.members(r)) do
    if w ~= workload then table.insert(rest, w) end
  end
  if #rest == 0 then return (Leases.endLease(slot, r, 'RELEASED')), 0 end
  r.workloads = table.concat(rest, ' ')
  Records.saveRecord(slot, r)
  Index.unindexMember(slot, r.host, workload)
  local reply = Records.leaseReply(slot, r)
  Events.emit('RELEASED', slot, r, workload)
  return reply, #rest
end

-- The live lease (slot, record) that (host, workload) holds, or nil. A
-- stale index entry is dropped and an expired lease reclaimed on the way.
-- Two members whose digests collide (odds about n / 2^64) cannot both be
-- indexed: the script fails rather than let one shadow the other.
function Leases.heldBy(host, workload)
  local digest, slot, r, member = Index.workloadEntry(host, workload)
  if not slot then return nil end
  if member then
    -- An expired stable lease is held now: nobody's lease.
    if not Leases.isLive(slot, r) or Records.isHold(r) then return nil end
    return slot, r
  end
  if r then
    for _, w in ipairs(Records.members(r)) do
      if Index.workloadDigest(r.host, w) == digest then
        error('workload index digest collision: ' .. host .. ' ' .. workload .. ' and lease ' .. r.id)
      end
    end
  end
  Index.indexDel('wl', digest, slot)
  return nil
end
