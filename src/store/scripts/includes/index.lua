-- Index: how leases are found without scanning.
--   wl:<d3>        HASH  (host, workload) digest -> slot, one entry per member
--   req:<d3>       HASH  request id digest -> slot (requests that carried one)
--   sk:<d3>        HASH  stable key digest -> slot (leases and holds that carry one)
--   host:<host>    ZSET  the host's slots, each scored by itself
--   hc:<host> m    how many workloads hold the host's leases (Hosts.MEMBERS)
--   Key.hosts      ZSET  hosts with at least one lease (score 0, by name)
--   exp:<b>        ZSET  slots in [b * C.EXPIRY_BUCKET, (b+1) * C.EXPIRY_BUCKET) by expiry (ms)
--   Key.expiry     ZSET  expiry bucket b -> the earliest expiry in exp:<b>
-- The layout is chosen for memory. Redis keeps a small hash, set or sorted
-- set in one compact block (listpack, intset: a few bytes per entry) and a
-- big one as a hash table (about 100 bytes per entry), so the indexes are
-- split into many small keys: an index entry is a 64-bit digest (3 hex
-- digits name the hash, 13 the field), and an expiry bucket holds at most
-- C.EXPIRY_BUCKET leases. A host's slots are one sorted set, compact up to
-- 128 leases (Redis's zset-max-listpack-entries): every read of it is a
-- bounded range, never the whole host.

-- The digest indexes: 64 bits of SHA-1, the first 3 hex digits pick one of
-- 4096 hashes, the other 13 are the field. At 128 entries or fewer (about
-- 500,000 leases per pool) each hash stays a listpack.
function Index.digestField(family, digest)
  return Key.digestIndex(family, string.sub(digest, 1, 3)), string.sub(digest, 4, 16)
end

function Index.indexGet(family, digest)
  local key, field = Index.digestField(family, digest)
  return tonumber(redis.call('HGET', key, field))
end

function Index.indexSet(family, digest, slot)
  local key, field = Index.digestField(family, digest)
  redis.call('HSET', key, field, slot)
end

-- Removes an index entry, but only while it still names `slot`.
function Index.indexDel(family, digest, slot)
  local key, field = Index.digestField(family, digest)
  if tonumber(redis.call('HGET', key, field)) == slot then redis.call('HDEL', key, field) end
end

-- Hosts, workload ids and request ids hold no tab (the store checks). The
-- last digest is remembered: an Allocate looks the member up, then indexes it.
Index.memoKey = ''
Index.memoDigest = ''
function Index.workloadDigest(host, workload)
  local k = host .. '\t' .. workload
  if k ~= Index.memoKey then Index.memoKey, Index.memoDigest = k, redis.sha1hex(k) end
  return Index.memoDigest
end

-- What a record keeps of its request id (16 hex digits). Request ids are
-- scoped by host: one host's ids never collide with another's.
function Index.requestDigest(host, requestId)
  return string.sub(redis.sha1hex(host .. '\t' .. requestId), 1, 16)
end

-- A stable key's digest: per host ('h') or cluster-wide ('c': the same key
-- from any host names the same hold).
function Index.stableDigest(scope, host, key)
  if scope == 'c' then return redis.sha1hex('\t' .. key) end
  return redis.sha1hex(host .. '\t' .. key)
end

function Index.stableDigestOf(r)
  return Index.stableDigest(r.stableScope, r.host, r.stableKey)
end

-- The lease or hold (slot, record) a stable key names, or nil. A stale
-- index entry is dropped; an expired lease is ended on the way (a stable
-- one is held then) and an expired hold dropped (Leases.isLive).
function Index.stableEntry(scope, host, key)
  local digest = Index.stableDigest(scope, host, key)
  local slot = Index.indexGet('sk', digest)
  if not slot then return nil end
  local r = Records.readRecord(slot)
  if not r or r.stableKey ~= key or r.stableScope ~= scope or (scope == 'h' and r.host ~= host) then
    Index.indexDel('sk', digest, slot)
    return nil
  end
  if not Leases.isLive(slot, r) then return nil end
  return slot, r
end

-- What the workload index holds for (host, workload): its digest, the slot
-- named there and that slot's record, and whether (host, workload) is a
-- member of that record (false for a stale entry).
function Index.workloadEntry(host, workload)
  local digest = Index.workloadDigest(host, workload)
  local slot = Index.indexGet('wl', digest)
  local r = slot and Records.readRecord(slot)
  return digest, slot, r, (r and r.host == host and Records.hasMember(r, workload)) == true
end

-- The lease (slot, record) that (host, workload) is a member of, or nil.
function Index.leaseOfWorkload(host, workload)
  local _, slot, r, member = Index.workloadEntry(host, workload)
  if member then return slot, r end
  return nil
end

-- Up to `limit` slots of the host's leases above `after`, ascending.
function Index.hostSlotsAfter(host, after, limit)
  local out = {}
  for _, v in ipairs(redis.call('ZRANGE', Key.host(host), '(' .. after, '+inf', 'BYSCORE', 'LIMIT', 0, limit)) do
    out[#out + 1] = tonumber(v)
  end
  return out
end

-- Adds (host, workload) as a member of the lease in `slot` to the indexes.
function Index.indexMember(slot, host, workload)
  local s = Records.slotString(slot)
  Index.indexSet('wl', Index.workloadDigest(host, workload), s)
  redis.call('ZADD', Key.host(host), s, s)
  if Hosts.count(host, Hosts.MEMBERS, 1) == 1 then redis.call('ZADD', Key.hosts, 0, host) end
end

-- Removes a member indexed by Index.indexMember (the slot stays in the
-- host's set until the lease ends: see Leases.unindexLease).
function Index.unindexMember(slot, host, workload)
  Index.indexDel('wl', Index.workloadDigest(host, workload), slot)
  if Hosts.count(host, Hosts.MEMBERS, -1) <= 0 then redis.call('ZREM', Key.hosts, host) end
end

-- Expiry buckets: Key.expiry always scores a bucket by its earliest expiry,
-- so the reaper finds what is due without one sorted-set entry per lease.
function Index.expiryBucket(slot)
  local b = math.floor(slot / C.EXPIRY_BUCKET)
  return b, Key.expiryBucket(b)
end

-- Moves bucket b's entry in Key.expiry to its earliest expiry, or drops it.
function Index.refreshExpiryBucket(b, key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[1] then
    redis.call('ZADD', Key.expiry, first[2], b)
  else
    redis.call('ZREM', Key.expiry, b)
  end
end

function Index.setExpiry(slot, at)
  local b, key = Index.expiryBucket(slot)
  redis.call('ZADD', key, at, slot)
  Index.refreshExpiryBucket(b, key)
end

function Index.clearExpiry(slot)
  local b, key = Index.expiryBucket(slot)
  if redis.call('ZREM', key, slot) == 1 then Index.refreshExpiryBucket(b, key) end
end
