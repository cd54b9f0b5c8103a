-- Lease records and their indexes. Needs KEY_LEASES, KEY_REQUESTS,
-- KEY_HOSTS, KEY_EXPIRY, KEY_LABELS, KEY_KFREE (and pairs.lua) set by the
-- including script.
--
-- Every lease sits in a numbered slot. A random or static pair's slot is its
-- rank; a lease without a pair of its own (a static level of one or of three
-- or more categories, or a disabled label) gets a slot from KEYED_BASE up,
-- recycled through KEY_KFREE. The layout is chosen for memory: a plain lease
-- costs one field in KEY_LEASES and one in its host's hash.
--   KEY_LEASES     HASH  slot -> record (tab-separated, see RECORD)
--   host:<host>    HASH  workload -> slot (one entry per pod member)
--   KEY_HOSTS      ZSET  host names with at least one lease (score 0, by name)
--   KEY_REQUESTS   HASH  request id -> slot (only for requests that carried one)
--   KEY_EXPIRY     ZSET  slot scored by expiry in ms (only leases with a TTL)
--   KEY_LABELS     HASH  interned context prefixes: "n:<id>" -> "proc\tmount\tro"
--                        and "t:<proc\tmount\tro>" -> id
-- A lease id is its slot in four base32 digits followed by a random suffix,
-- so finding a lease by id needs no index: decode the slot, read the record,
-- compare the id. A stale id of a reused slot does not match.

-- Leases ended during this script (see dropLease): loops over index ranges restart when it moves.
local dropped = 0

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

local function slotOfWorkload(host, workload)
  local slot = redis.call('HGET', hostKey(host), workload)
  if slot then return tonumber(slot) end
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
  local triple = redis.call('HGET', KEY_LABELS, 'n:' .. r.labels) or '\t\t'
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

-- Adds (host, workload) as a member of the lease in `slot`.
local function indexMember(slot, host, workload)
  if redis.call('HSET', hostKey(host), workload, slot) == 1 and redis.call('HLEN', hostKey(host)) == 1 then
    redis.call('ZADD', KEY_HOSTS, 0, host)
  end
end

local function unindexMember(host, workload)
  local hk = hostKey(host)
  redis.call('HDEL', hk, workload)
  if redis.call('EXISTS', hk) == 0 then redis.call('ZREM', KEY_HOSTS, host) end
end

-- Adds a pod member to the lease `r` in `slot` and saves it.
local function addMember(slot, r, host, workload)
  r.workloads = r.workloads .. ' ' .. workload
  saveRecord(slot, r)
  indexMember(slot, host, workload)
end

-- Writes a new lease: its record, its first member and its indexes.
local function writeLease(slot, r)
  saveRecord(slot, r)
  indexMember(slot, r.host, r.workloads)
  if r.request ~= '' then redis.call('HSET', KEY_REQUESTS, r.request, slot) end
  if tonumber(r.expires) > 0 then redis.call('ZADD', KEY_EXPIRY, r.expires, slot) end
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
