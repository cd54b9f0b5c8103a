-- Lease records and their indexes. Needs the keys (keys.lua) and pairs.lua.
--
-- Every lease sits in a numbered slot. A random or static pair's slot is its
-- rank; a lease without a pair of its own (a static level of one or of three
-- or more categories, or a disabled label) gets a slot from KEYED_BASE up,
-- recycled through KEY_KFREE.
--   KEY_LEASES      HASH  slot -> record (tab-separated, see RECORD)
--   host:<host>     ZSET  the host's slots, each scored by itself: pages in slot order
--   KEY_MEMBERS     HASH  host -> how many workloads hold its leases
--   KEY_HOSTS       ZSET  hosts with at least one lease (score 0, by name)
--   wl:<d3>         HASH  (host, workload) digest -> slot, one entry per member
--   req:<d3>        HASH  request id digest -> slot (requests that carried one)
--   exp:<b>         ZSET  slots in [b * EXPIRY_BUCKET, (b+1) * EXPIRY_BUCKET) by expiry (ms)
--   KEY_EXPIRY      ZSET  expiry bucket b -> the earliest expiry in exp:<b>
--   KEY_LABELS      HASH  interned context prefixes: "n:<id>" -> "proc\tmount\tro"
--                         and "t:<proc\tmount\tro>" -> id
-- The layout is chosen for memory. Redis keeps a small hash, set or sorted
-- set in one compact block (listpack, intset: a few bytes per entry) and a
-- big one as a hash table (about 100 bytes per entry), so the indexes are
-- split into many small keys: an index entry is a 64-bit digest (3 hex
-- digits name the hash, 13 the field), and an expiry bucket holds at most
-- EXPIRY_BUCKET leases. A host's slots are one sorted set, compact up to
-- 128 leases (Redis's zset-max-listpack-entries): every read of it is a
-- bounded range, never the whole host.
-- A lease id is its slot in four base32 digits followed by a random suffix,
-- so finding a lease by id needs no index: decode the slot, read the record,
-- compare the id. A stale id of a reused slot does not match.

local KEYED_BASE = 524288 -- 16 * 32^3: above every rank of c0.c1023 (523,775)
local KEYED_MAX = 1048576 -- 32^4 slots fit in four base32 digits
local B32 = 'abcdefghijklmnopqrstuvwxyz234567'

local function slotDigits(slot)
  local out = ''
  for _ = 1, 4 do
    local d = math.fmod(slot, 32)
    out = string.sub(B32, d + 1, d + 1) .. out
    slot = (slot - d) / 32
  end
  return out
end

-- The slot a lease id names (its first four base32 digits).
local function slotOfId(id)
  local slot = 0
  for i = 1, 4 do slot = slot * 32 + string.find(B32, string.sub(id, i, i), 1, true) - 1 end
  return slot
end

local function slotString(slot)
  return string.format('%d', slot)
end

local function isPairSlot(slot)
  return slot < KEYED_BASE
end

-- Fields of a record, in order. Hosts, workload ids and request ids are
-- printable ASCII without spaces (the server checks), so a tab separates
-- fields and a space separates pod members. Trailing empty fields are not
-- stored: a random lease has no kind, level or claims.
--   request: requestDigest of the request id ('' = none)
--   kind: '' random pair, 's' static level, 'd' disabled
--   level: the level of a lease without a pair slot ('' = from the rank)
--   claims: "scope\0path\0mode" entries joined by "\n" (paths have no control characters)
local RECORD = {'id', 'host', 'workloads', 'token', 'created', 'expires', 'labels', 'request', 'kind', 'level', 'claims'}

local function encodeRecord(r)
  local parts, last = {}, 0
  for i, name in ipairs(RECORD) do
    local v = r[name] or ''
    -- %d: tostring would round 16-digit tokens to 14 significant digits.
    if type(v) == 'number' then v = string.format('%d', v) end
    parts[i] = v
    if v ~= '' then last = i end
  end
  return table.concat(parts, '\t', 1, last)
end

local function decodeRecord(s)
  local r, i = {}, 1
  for part in string.gmatch(s .. '\t', '([^\t]*)\t') do
    r[RECORD[i]] = part
    i = i + 1
  end
  for j = i, #RECORD do r[RECORD[j]] = '' end
  return r
end

local function readRecord(slot)
  local s = redis.call('HGET', KEY_LEASES, slot)
  if not s then return nil end
  return decodeRecord(s)
end

local function saveRecord(slot, r)
  redis.call('HSET', KEY_LEASES, slot, encodeRecord(r))
end

-- The lease in `slot` whose id is `id`, or nil.
local function recordById(slot, id)
  local r = readRecord(slot)
  if r and r.id == id then return r end
  return nil
end

local function members(r)
  local out = {}
  for w in string.gmatch(r.workloads, '[^ ]+') do table.insert(out, w) end
  return out
end

local function levelOf(slot, r)
  if r.level ~= '' then return r.level end
  return levelOfRank(slot)
end

-- The id of an existing interned prefix triple, or nil.
local function labelsId(proc, mount, ro)
  return redis.call('HGET', KEY_LABELS, 't:' .. proc .. '\t' .. mount .. '\t' .. ro)
end

-- Interns a process/mount/ro prefix triple and returns its small id.
local function internLabels(proc, mount, ro)
  local id = labelsId(proc, mount, ro)
  if id then return id end
  local triple = proc .. '\t' .. mount .. '\t' .. ro
  id = redis.call('HINCRBY', KEY_META, 'labelseq', 1)
  redis.call('HSET', KEY_LABELS, 't:' .. triple, id, 'n:' .. id, triple)
  return string.format('%d', id)
end

-- The lease as scripts return it (12 fields): {id, host, members, level,
-- token, created, expires, process, mount, ro, kind, claims}.
local LEASE_FIELDS = 12
local function leaseReply(slot, r)
  local level = levelOf(slot, r)
  local triple = callLabels[r.labels]
  if not triple then
    triple = redis.call('HGET', KEY_LABELS, 'n:' .. r.labels) or '\t\t'
    callLabels[r.labels] = triple
  end
  local proc, mount, ro = string.match(triple, '^([^\t]*)\t([^\t]*)\t([^\t]*)$')
  return {r.id, r.host, r.workloads, level, r.token, r.created, r.expires,
    proc .. ':' .. level, mount .. ':' .. level, ro .. ':' .. level, r.kind, r.claims}
end

-- A slot for a lease without a pair: a recycled one, or the next new one.
-- Returns nil when all KEYED_MAX - KEYED_BASE slots are in use.
local function takeKeyedSlot()
  local slot = redis.call('LPOP', KEY_KFREE)
  if slot then return tonumber(slot) end
  local n = redis.call('HINCRBY', KEY_META, 'keyedseq', 1)
  if KEYED_BASE + n - 1 >= KEYED_MAX then
    redis.call('HINCRBY', KEY_META, 'keyedseq', -1)
    return nil
  end
  return KEYED_BASE + n - 1
end

-- The digest indexes: 64 bits of SHA-1, the first 3 hex digits pick one of
-- 4096 hashes, the other 13 are the field. At 128 entries or fewer (about
-- 500,000 leases per pool) each hash stays a listpack.
local function digestField(family, digest)
  return prefix .. family .. ':' .. string.sub(digest, 1, 3), string.sub(digest, 4, 16)
end

local function indexGet(family, digest)
  local key, field = digestField(family, digest)
  return tonumber(redis.call('HGET', key, field))
end

local function indexSet(family, digest, slot)
  local key, field = digestField(family, digest)
  redis.call('HSET', key, field, slot)
end

-- Removes an index entry, but only while it still names `slot`.
local function indexDel(family, digest, slot)
  local key, field = digestField(family, digest)
  if tonumber(redis.call('HGET', key, field)) == slot then redis.call('HDEL', key, field) end
end

-- Hosts, workload ids and request ids hold no tab (the server checks).
local function workloadDigest(host, workload)
  return redis.sha1hex(host .. '\t' .. workload)
end

-- What a record keeps of its request id (16 hex digits). Request ids are
-- scoped by host: one host's ids never collide with another's.
local function requestDigest(host, requestId)
  return string.sub(redis.sha1hex(host .. '\t' .. requestId), 1, 16)
end

local function hasMember(r, workload)
  return string.find(' ' .. r.workloads .. ' ', ' ' .. workload .. ' ', 1, true) ~= nil
end

-- What the workload index holds for (host, workload): its digest, the slot
-- named there and that slot's record, and whether (host, workload) is a
-- member of that record (false for a stale entry).
local function workloadEntry(host, workload)
  local digest = workloadDigest(host, workload)
  local slot = indexGet('wl', digest)
  local r = slot and readRecord(slot)
  return digest, slot, r, (r and r.host == host and hasMember(r, workload)) == true
end

-- The lease (slot, record) that (host, workload) is a member of, or nil.
local function leaseOfWorkload(host, workload)
  local _, slot, r, member = workloadEntry(host, workload)
  if member then return slot, r end
  return nil
end

-- Up to `limit` slots of the host's leases above `after`, ascending.
local function hostSlotsAfter(host, after, limit)
  local out = {}
  for _, v in ipairs(redis.call('ZRANGE', hostKey(host), '(' .. after, '+inf', 'BYSCORE', 'LIMIT', 0, limit)) do
    out[#out + 1] = tonumber(v)
  end
  return out
end

-- Adds (host, workload) as a member of the lease in `slot` to the indexes.
local function indexMember(slot, host, workload)
  indexSet('wl', workloadDigest(host, workload), slot)
  redis.call('ZADD', hostKey(host), slot, slot)
  if redis.call('HINCRBY', KEY_MEMBERS, host, 1) == 1 then redis.call('ZADD', KEY_HOSTS, 0, host) end
end

-- Removes a member indexed by indexMember (the slot stays in the host's set
-- until the lease ends: see unindexLease).
local function unindexMember(slot, host, workload)
  indexDel('wl', workloadDigest(host, workload), slot)
  if redis.call('HINCRBY', KEY_MEMBERS, host, -1) <= 0 then
    redis.call('HDEL', KEY_MEMBERS, host)
    redis.call('ZREM', KEY_HOSTS, host)
  end
end

-- Expiry buckets: KEY_EXPIRY always scores a bucket by its earliest expiry,
-- so the reaper finds what is due without one sorted-set entry per lease.
local EXPIRY_BUCKET = 128

local function expiryBucket(slot)
  local b = math.floor(slot / EXPIRY_BUCKET)
  return b, prefix .. 'exp:' .. b
end

-- Moves bucket b's entry in KEY_EXPIRY to its earliest expiry, or drops it.
local function refreshExpiryBucket(b, key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[1] then
    redis.call('ZADD', KEY_EXPIRY, first[2], b)
  else
    redis.call('ZREM', KEY_EXPIRY, b)
  end
end

local function setExpiry(slot, at)
  local b, key = expiryBucket(slot)
  redis.call('ZADD', key, at, slot)
  refreshExpiryBucket(b, key)
end

local function clearExpiry(slot)
  local b, key = expiryBucket(slot)
  if redis.call('ZREM', key, slot) == 1 then refreshExpiryBucket(b, key) end
end

-- An error reply when one more member `workload` would take the lease `r`
-- past its bounds (limits.ts), or nil.
local function membersTooLarge(r, workload)
  local n = #members(r) + 1
  if n > @MAX_MEMBERS@ then return {E_LEASE_TOO_LARGE, 'members', n, @MAX_MEMBERS@} end
  local bytes = #r.workloads + 1 + #workload
  if bytes > @MAX_MEMBER_BYTES@ then return {E_LEASE_TOO_LARGE, 'member bytes', bytes, @MAX_MEMBER_BYTES@} end
  return nil
end

-- Adds a pod member to the lease `r` in `slot` and saves it; check
-- membersTooLarge first.
local function addMember(slot, r, host, workload)
  r.workloads = r.workloads .. ' ' .. workload
  saveRecord(slot, r)
  indexMember(slot, host, workload)
end

-- Writes a new lease: its record, its first member and its indexes.
local function writeLease(slot, r)
  saveRecord(slot, r)
  indexMember(slot, r.host, r.workloads)
  if r.request ~= '' then indexSet('req', r.request, slot) end
  if tonumber(r.expires) > 0 then setExpiry(slot, r.expires) end
end

-- Removes a lease's record and every index entry of it.
local function unindexLease(slot, r)
  redis.call('HDEL', KEY_LEASES, slot)
  for _, w in ipairs(members(r)) do unindexMember(slot, r.host, w) end
  redis.call('ZREM', hostKey(r.host), slot)
  if r.request ~= '' then indexDel('req', r.request, slot) end
  clearExpiry(slot)
end

-- Host liveness (--host-ttl): any sign of life from a host moves the time
-- its leases lapse; the reaper reclaims the leases of hosts past it.
local function hostAlive(host, ttl, now)
  if ttl > 0 then redis.call('ZADD', KEY_HOSTEXP, 'GT', now + ttl, host) end
end

-- A host whose leases were reclaimed for a missed heartbeat gets HOST_EXPIRED
-- until it reconciles: its workloads may still run with the lost labels.
local function hostExpiredReply(host)
  local at = redis.call('HGET', KEY_HOSTDEAD, host)
  if at then return {E_HOST_EXPIRED, host, at} end
  return nil
end
