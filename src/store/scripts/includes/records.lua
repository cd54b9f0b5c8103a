-- Records: lease records, lease ids and the lease as replies carry it.
--
-- Every lease sits in a numbered slot of Key.leases (slot -> record). A
-- random or static pair's slot is its rank; a lease without a pair of its
-- own (a static level of one or of three or more categories, or a disabled
-- label) gets a slot from C.KEYED_BASE up, recycled through Key.kfree.
-- A lease id is its slot in four base32 digits followed by a random suffix,
-- so finding a lease by id needs no index: decode the slot, read the
-- record, compare the id. A stale id of a reused slot does not match.

Records.B32 = 'abcdefghijklmnopqrstuvwxyz234567'

function Records.slotDigits(slot)
  local out = ''
  for _ = 1, 4 do
    local d = math.fmod(slot, 32)
    out = string.sub(Records.B32, d + 1, d + 1) .. out
    slot = (slot - d) / 32
  end
  return out
end

-- The slot a lease id names (its first four base32 digits).
function Records.slotOfId(id)
  local slot = 0
  for i = 1, 4 do slot = slot * 32 + string.find(Records.B32, string.sub(id, i, i), 1, true) - 1 end
  return slot
end

function Records.slotString(slot)
  return string.format('%d', slot)
end

function Records.isPairSlot(slot)
  return slot < C.KEYED_BASE
end

-- Fields of a record, in order. Hosts, workload ids and request ids are
-- printable ASCII without spaces (the store checks), so a tab separates
-- fields and a space separates pod members. Trailing empty fields are not
-- stored: a random lease has no kind, level or claims.
--   request: Index.requestDigest of the request id ('' = none)
--   kind: C.KIND_RANDOM (''), C.KIND_STATIC or C.KIND_DISABLED
--   level: the level of a lease without a pair slot ('' = from the rank)
--   claims: "scope\0path\0mode" entries joined by "\n" (paths have no control characters)
--   stableKey, stableScope: the lease's stable key ('' = none) and its scope
--     ('h' per host, 'c' cluster-wide): when the lease ends its pair is held
--     for the key for `retention` ms
--   held: '1' for a pair held for its stable key (no members; `expires` is
--     when the hold ends), '' for a lease
Records.FIELDS = {
  'id', 'host', 'workloads', 'token', 'created', 'expires', 'labels', 'request', 'kind', 'level', 'claims',
  'stableKey', 'stableScope', 'retention', 'held',
}

function Records.encodeRecord(r)
  local parts, last = {}, 0
  for i, name in ipairs(Records.FIELDS) do
    local v = r[name] or ''
    -- %d: tostring would round 16-digit tokens to 14 significant digits.
    if type(v) == 'number' then v = string.format('%d', v) end
    parts[i] = v
    if v ~= '' then last = i end
  end
  return table.concat(parts, '\t', 1, last)
end

function Records.decodeRecord(s)
  local r, i = {}, 1
  for part in string.gmatch(s .. '\t', '([^\t]*)\t') do
    r[Records.FIELDS[i]] = part
    i = i + 1
  end
  for j = i, #Records.FIELDS do r[Records.FIELDS[j]] = '' end
  return r
end

function Records.readRecord(slot)
  local s = redis.call('HGET', Key.leases, slot)
  if not s then return nil end
  return Records.decodeRecord(s)
end

function Records.saveRecord(slot, r)
  redis.call('HSET', Key.leases, slot, Records.encodeRecord(r))
end

-- The lease in `slot` whose id is `id`, or nil.
function Records.recordById(slot, id)
  local r = Records.readRecord(slot)
  if r and r.id == id then return r end
  return nil
end

function Records.members(r)
  local out = {}
  for w in string.gmatch(r.workloads, '[^ ]+') do table.insert(out, w) end
  return out
end

-- A pair held for a stable key after its lease ended: it blocks its pair
-- (and what its level covers) but nobody runs with it.
function Records.isHold(r)
  return r.held == '1'
end

function Records.hasMember(r, workload)
  return string.find(' ' .. r.workloads .. ' ', ' ' .. workload .. ' ', 1, true) ~= nil
end

function Records.levelOf(slot, r)
  if r.level ~= '' then return r.level end
  return Pairs.levelOfRank(slot)
end

-- Context prefixes are interned in Key.labels: "n:<id>" -> "proc\tmount\tro"
-- and "t:<proc\tmount\tro>" -> id. The id of an existing triple, or nil.
function Records.labelsId(proc, mount, ro)
  return redis.call('HGET', Key.labels, 't:' .. proc .. '\t' .. mount .. '\t' .. ro)
end

-- Interns a process/mount/ro prefix triple and returns its small id.
function Records.internLabels(proc, mount, ro)
  local id = Records.labelsId(proc, mount, ro)
  if id then return id end
  local triple = proc .. '\t' .. mount .. '\t' .. ro
  id = redis.call('HINCRBY', Key.meta, 'labelseq', 1)
  redis.call('HSET', Key.labels, 't:' .. triple, id, 'n:' .. id, triple)
  return string.format('%d', id)
end

-- The triple of an interned labels id, read once per call.
function Records.labelsOf(id)
  local triple = Call.labels[id]
  if not triple then
    triple = redis.call('HGET', Key.labels, 'n:' .. id) or '\t\t'
    Call.labels[id] = triple
  end
  return triple
end

-- The lease as every script reply carries it: the fields of Records.REPLY
-- (src/store/contract.ts LEASE_REPLY), in that order.
function Records.leaseReply(slot, r)
  local level = Records.levelOf(slot, r)
  local proc, mount, ro = string.match(Records.labelsOf(r.labels), '^([^\t]*)\t([^\t]*)\t([^\t]*)$')
  local heldUntil = ''
  if Records.isHold(r) then heldUntil = r.expires end
  local lease = {
    id = r.id, host = r.host, members = r.workloads, level = level, token = r.token,
    created = r.created, expires = r.expires, kind = r.kind, claims = r.claims,
    process = proc .. ':' .. level, mount = mount .. ':' .. level, ro = ro .. ':' .. level,
    stableKey = r.stableKey or '', heldUntil = heldUntil,
  }
  -- A field a new record has not set is '' (a nil would end the list).
  local out = {}
  for i, name in ipairs(Records.REPLY) do out[i] = lease[name] or '' end
  return out
end

-- A slot for a lease without a pair: a recycled one, or the next new one.
-- Returns nil when all C.KEYED_MAX - C.KEYED_BASE slots are in use.
function Records.takeKeyedSlot()
  local slot = redis.call('LPOP', Key.kfree)
  if slot then return tonumber(slot) end
  local n = redis.call('HINCRBY', Key.meta, 'keyedseq', 1)
  if C.KEYED_BASE + n - 1 >= C.KEYED_MAX then
    redis.call('HINCRBY', Key.meta, 'keyedseq', -1)
    return nil
  end
  return C.KEYED_BASE + n - 1
end
