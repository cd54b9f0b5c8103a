-- Lease records and their indexes. Needs KEY_LEASES, KEY_REQUESTS,
-- KEY_HOSTS, KEY_EXPIRY, KEY_LABELS (and pairs.lua) set by the including
-- script.
--
-- The layout is chosen for memory: a lease costs one field in KEY_LEASES and
-- one in its host's hash, nothing more unless it has a request id or a TTL.
--   KEY_LEASES     HASH  rank -> record (tab-separated, see encodeRecord)
--   host:<host>    HASH  workload -> rank (small ones stay listpack-encoded)
--   KEY_HOSTS      ZSET  host names with at least one lease (score 0, by name)
--   KEY_REQUESTS   HASH  request id -> rank (only for requests that carried one)
--   KEY_EXPIRY     ZSET  rank scored by expiry in ms (only leases with a TTL)
--   KEY_LABELS     HASH  interned context prefixes: "n:<id>" -> "proc\tmount\tro"
--                        and "t:<proc\tmount\tro>" -> id
-- A lease id is the rank in four base32 digits followed by a random suffix,
-- so finding a lease by id needs no index: decode the rank, read the record,
-- compare the id. A stale id of a reused rank does not match.

local B32 = 'abcdefghijklmnopqrstuvwxyz234567'

local function rankDigits(rank)
  local out = ''
  for _ = 1, 4 do
    local d = math.fmod(rank, 32)
    out = string.sub(B32, d + 1, d + 1) .. out
    rank = (rank - d) / 32
  end
  return out
end

-- Fields of a record, in order. Hosts, workload ids and request ids never
-- contain a tab (the server accepts printable ASCII without spaces only).
local RECORD = {'id', 'host', 'workload', 'token', 'created', 'expires', 'labels', 'request'}

-- Numbers are written with %d: tostring would round tokens (16 digits) to 14.
local function encodeRecord(r)
  local parts = {}
  for i, name in ipairs(RECORD) do
    local v = r[name]
    if type(v) == 'number' then v = string.format('%d', v) end
    parts[i] = v
  end
  return table.concat(parts, '\t')
end

local function decodeRecord(s)
  local r, i = {}, 1
  for part in string.gmatch(s .. '\t', '([^\t]*)\t') do
    r[RECORD[i]] = part
    i = i + 1
  end
  return r
end

local function readRecord(rank)
  local s = redis.call('HGET', KEY_LEASES, rank)
  if not s then return nil end
  return decodeRecord(s)
end

-- The live lease at `rank` whose id is `id`, or nil.
local function recordById(rank, id)
  local r = readRecord(rank)
  if r and r.id == id then return r end
  return nil
end

local function rankOfWorkload(host, workload)
  local rank = redis.call('HGET', hostKey(host), workload)
  if rank then return tonumber(rank) end
  return nil
end

-- Interns a process/mount/ro prefix triple and returns its small id.
local function internLabels(proc, mount, ro)
  local triple = proc .. '\t' .. mount .. '\t' .. ro
  local id = redis.call('HGET', KEY_LABELS, 't:' .. triple)
  if id then return id end
  id = redis.call('HINCRBY', KEY_META, 'labelseq', 1)
  redis.call('HSET', KEY_LABELS, 't:' .. triple, id, 'n:' .. id, triple)
  return tostring(id)
end

-- The lease as scripts return it: {id, host, workload, level, token,
-- created, expires, process, mount, ro}.
local function leaseReply(rank, r)
  local level = levelOfRank(rank)
  local triple = redis.call('HGET', KEY_LABELS, 'n:' .. r.labels) or '\t\t'
  local proc, mount, ro = string.match(triple, '^([^\t]*)\t([^\t]*)\t([^\t]*)$')
  return {r.id, r.host, r.workload, level, r.token, r.created, r.expires,
    proc .. ':' .. level, mount .. ':' .. level, ro .. ':' .. level}
end

local function writeLease(rank, r)
  redis.call('HSET', KEY_LEASES, rank, encodeRecord(r))
  if redis.call('HSET', hostKey(r.host), r.workload, rank) == 1 then
    redis.call('ZADD', KEY_HOSTS, 0, r.host)
  end
  if r.request ~= '' then redis.call('HSET', KEY_REQUESTS, r.request, rank) end
  if tonumber(r.expires) > 0 then redis.call('ZADD', KEY_EXPIRY, r.expires, rank) end
end

-- Removes a lease and its index entries and returns its pair to the pool.
-- Returns the lease reply as it was.
local function dropLease(rank, r)
  local reply = leaseReply(rank, r)
  freeRank(rank)
  redis.call('HDEL', KEY_LEASES, rank)
  local hk = hostKey(r.host)
  redis.call('HDEL', hk, r.workload)
  if redis.call('EXISTS', hk) == 0 then redis.call('ZREM', KEY_HOSTS, r.host) end
  if r.request ~= '' and redis.call('HGET', KEY_REQUESTS, r.request) == string.format('%d', rank) then
    redis.call('HDEL', KEY_REQUESTS, r.request)
  end
  redis.call('ZREM', KEY_EXPIRY, rank)
  return reply
end
