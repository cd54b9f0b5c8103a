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
-- Records.B32 by digit value (no standard library while the library loads).
Records.DIGITS = {
  [0] = 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p',
  'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '2', '3', '4', '5', '6', '7',
}

function Records.slotDigits(slot)
  local d = Records.DIGITS
  return d[math.floor(slot / 32768) % 32] .. d[math.floor(slot / 1024) % 32] .. d[math.floor(slot / 32) % 32] .. d[slot % 32]
end

-- The slot a lease id names (its first four base32 digits).
function Records.slotOfId(id)
  local slot = 0
  for i = 1, 4 do slot = slot * 32 + string.find(Records.B32, string.sub(id, i, i), 1, true) - 1 end
  return slot
end

-- A slot as the decimal string Redis stores (the last one is remembered:
-- a call formats the same slot for several commands).
Records.memoSlot = -1
Records.memoSlotText = ''
function Records.slotString(slot)
  if slot ~= Records.memoSlot then
    Records.memoSlot, Records.memoSlotText = slot, string.format('%d', slot)
  end
  return Records.memoSlotText
end

-- The kind a record stores for an Allocate's mode (nil for a join).
function Records.kindOfMode(mode)
  if mode == 'random' then return C.KIND_RANDOM end
  if mode == 'static' then return C.KIND_STATIC end
  if mode == 'disabled' then return C.KIND_DISABLED end
  return nil
end

-- A field as stored text: numbers in full (tostring would round 16-digit
-- tokens to 14 significant digits), nil as ''.
function Records.text(v)
  if type(v) == 'number' then return string.format('%d', v) end
  return v or ''
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
  local t = Records.text
  -- In the order of Records.FIELDS; the counters and times may be numbers.
  local parts = {
    r.id or '', r.host or '', r.workloads or '', t(r.token), t(r.created), t(r.expires), r.labels or '', r.request or '',
    r.kind or '', r.level or '', r.claims or '', r.stableKey or '', r.stableScope or '', t(r.retention), r.held or '',
  }
  local last = #Records.FIELDS
  while last > 0 and parts[last] == '' do last = last - 1 end
  return table.concat(parts, '\t', 1, last)
end

-- One match for the fields of Records.FIELDS, in that order: the tabs
-- appended stand for the trailing empty fields that are not stored.
Records.DECODE = '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t'
  .. '([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t'
  .. '([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t'
function Records.decodeRecord(s)
  local id, host, workloads, token, created, expires, labels, request, kind, level, claims, stableKey, stableScope, retention, held =
    string.match(s .. '\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t', Records.DECODE)
  return {
    id = id, host = host, workloads = workloads, token = token, created = created, expires = expires, labels = labels,
    request = request, kind = kind, level = level, claims = claims, stableKey = stableKey, stableScope = stableScope,
    retention = retention, held = held,
  }
end

function Records.readRecord(slot)
  local s = redis.call('HGET', Key.leases, Records.slotString(slot))
  if not s then return nil end
  return Records.decodeRecord(s)
end

function Records.saveRecord(slot, r)
  redis.call('HSET', Key.leases, Records.slotString(slot), Records.encodeRecord(r))
end

-- The lease in `slot` whose id is `id`, or nil.
function Records.recordById(slot, id)
  local r = Records.readRecord(slot)
  if r and r.id == id then return r end
  return nil
end

function Records.members(r)
  if not string.find(r.workloads, ' ', 1, true) then
    if r.workloads == '' then return {} end
    return {r.workloads}
  end
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
  local triple = proc .. '\t' .. mount .. '\t' .. ro
  local id = redis.call('HGET', Key.labels, 't:' .. triple)
  if not id then
    id = string.format('%d', redis.call('HINCRBY', Key.meta, 'labelseq', 1))
    redis.call('HSET', Key.labels, 't:' .. triple, id, 'n:' .. id, triple)
  end
  Call.labels[id] = triple
  return id
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
  local heldUntil = ''
  if Records.isHold(r) then heldUntil = r.expires end
  -- In the order of Records.REPLY (Records.REPLY_ORDER, checked on the
  -- first call); a field a new record has not set is '' (a nil would end
  -- the list).
  return {
    r.id or '', r.host or '', r.workloads or '', level, r.token or '', r.created or '', r.expires or '',
    Records.labelsOf(r.labels), r.kind or '', r.claims or '', r.stableKey or '', heldUntil,
  }
end
Records.REPLY_ORDER = {
  'id', 'host', 'members', 'level', 'token', 'created', 'expires', 'labels', 'kind', 'claims', 'stableKey', 'heldUntil',
}

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
