-- Ending leases. Needs lease.lua, statics.lua, claims.lua and events.lua.

-- Removes a lease with all its members, claims and index entries, gives
-- back what it held (its pair, the pairs its static level blocked, or its
-- keyed slot) and records the event (RELEASED or EXPIRED). Returns the
-- lease reply as it was.
local function dropLease(slot, r, event)
  dropped = dropped + 1
  local reply = leaseReply(slot, r)
  emit(event, slot, r)
  refundHost(r.host, quotaCost(slot, r.kind, r.level), not isPairSlot(slot) and r.kind == 's')
  if isPairSlot(slot) then
    freeRank(slot)
  else
    if r.kind == 's' then releaseStatic(slot, categoriesOf(r.level)) end
    redis.call('RPUSH', KEY_KFREE, slot)
  end
  unindexLease(slot, r)
  dropClaims(slot, r)
  return reply
end

-- A lease is live until its expiry; an expired one found on the way is
-- reclaimed on the spot, so it never blocks anyone.
local function isLive(slot, r)
  liveNow = liveNow or nowMs()
  if isExpired(r.expires, liveNow) then
    dropLease(slot, r, 'EXPIRED')
    return false
  end
  return true
end

-- One member leaves. Returns the lease reply and how many members remain;
-- the last member's leaving ends the lease.
local function dropMember(slot, r, workload)
  local rest = {}
  for _, w in ipairs(members(r)) do
    if w ~= workload then table.insert(rest, w) end
  end
  if #rest == 0 then return dropLease(slot, r, 'RELEASED'), 0 end
  r.workloads = table.concat(rest, ' ')
  saveRecord(slot, r)
  unindexMember(slot, r.host, workload)
  local reply = leaseReply(slot, r)
  emit('RELEASED', slot, r, workload)
  return reply, #rest
end

-- The live lease (slot, record) that (host, workload) holds, or nil. A stale
-- index entry is dropped and an expired lease reclaimed on the way. Two
-- members whose digests collide (odds about n / 2^64) cannot both be
-- indexed: the script fails rather than let one shadow the other.
local function heldBy(host, workload)
  local digest, slot, r, member = workloadEntry(host, workload)
  if not slot then return nil end
  if member then
    if not isLive(slot, r) then return nil end
    return slot, r
  end
  if r then
    for _, w in ipairs(members(r)) do
      if workloadDigest(r.host, w) == digest then
        error('workload index digest collision: ' .. host .. ' ' .. workload .. ' and lease ' .. r.id)
      end
    end
  end
  indexDel('wl', digest, slot)
  return nil
end
