-- reap: reclaim leases whose expiry has passed, the earliest expiry
-- bucket first.
--
-- A.limit   most leases to reclaim in this call
--
-- Returns {0, <lease: Records.REPLY>...} for the leases it reclaimed: first
-- leases whose own TTL ran out, then leases of hosts that missed their
-- heartbeats (--host-ttl; such a host is marked in Key.hostdead so that it
-- gets HOST_EXPIRED until it reconciles). Each lease is reclaimed by exactly
-- one call, however many replicas run the reaper: the script is atomic and
-- removes what it returns. A host with many leases is reclaimed over several
-- calls, at most A.limit leases each, so no call blocks Redis for long.

local now, limit = Call.now(), tonumber(A.limit)
local out, reclaimed = {0}, 0

-- A lease past its TTL or host ends (one with a stable key is held for its
-- key); a hold past its retention ends, and its pair goes back to the pool.
local function reclaim(slot, r)
  for _, v in ipairs((Leases.endLease(slot, r, 'EXPIRED'))) do table.insert(out, v) end
  reclaimed = reclaimed + 1
end

-- Leases whose own TTL ran out, bucket by bucket, earliest first.
for _, b in ipairs(redis.call('ZRANGE', Key.expiry, '-inf', now, 'BYSCORE', 'LIMIT', 0, limit)) do
  if reclaimed >= limit then break end
  local key = Key.expiryBucket(b)
  for _, member in ipairs(redis.call('ZRANGE', key, '-inf', now, 'BYSCORE', 'LIMIT', 0, limit - reclaimed)) do
    local slot = tonumber(member)
    local r = Records.readRecord(slot)
    if r and Call.expired(r.expires, now) then
      reclaim(slot, r)
    elseif r and tonumber(r.expires) > 0 then
      -- The index lagged behind the record: repair it rather than lose the expiry.
      redis.call('ZADD', key, r.expires, member)
    else
      -- An index entry that outlived its lease: drop it so it cannot stall reaping.
      redis.call('ZREM', key, member)
    end
  end
  Index.refreshExpiryBucket(b, key)
end

-- Leases of hosts that missed their heartbeats, a bounded range of each
-- host's leases at a time.
while reclaimed < limit do
  local host = redis.call('ZRANGE', Key.hostexp, '-inf', now, 'BYSCORE', 'LIMIT', 0, 1)[1]
  if not host then break end
  local slots = Index.hostSlotsAfter(host, -1, limit - reclaimed)
  if #slots == 0 then redis.call('ZREM', Key.hostexp, host) end
  for _, slot in ipairs(slots) do
    local r = Records.readRecord(slot)
    if r and r.host == host then
      redis.call('HSETNX', Key.hostdead, host, now)
      reclaim(slot, r)
    else
      -- An index entry without its lease: drop it so it cannot stall reaping.
      redis.call('ZREM', Key.host(host), slot)
    end
  end
end
return out
