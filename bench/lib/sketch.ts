/**
 * The sketch: the least an Allocate and a Release can do in Redis, as a
 * Redis function library of the benchmark's own (`mcs_bench_sketch`), so
 * that `script-cost` can say what any data model would cost at best on the
 * machine it runs on.
 *
 * The sketch keeps what no design can drop: an O(1) uniform draw from the
 * same compact arrays the store uses (a permutation of the pair ranks and
 * its inverse, 3 bytes an entry, so a full pool stays within its memory
 * budget), the (host, workload) index that makes Allocate idempotent, the
 * lease record, the host's counter, a fencing token, the clock and the
 * event, all in one call. It leaves out every check (quotas, claims,
 * static levels, stable keys, request ids, expiry, recovery), every
 * option and every error but "exhausted": a real operation costs more.
 *
 * Allocate: HGET, HMGET, TIME, 2 GETRANGE, 4 SETRANGE, 3 HSET, HINCRBY,
 * XADD (14 commands). Release: HGET, HMGET, 2 GETRANGE, 4 SETRANGE, 2 HDEL,
 * HSET, HINCRBY, XADD (13).
 */
export const SKETCH_LIBRARY = `#!lua name=mcs_bench_sketch
-- The pool's key prefix, set by each call (a library may not make globals).
local KP = ''

-- Entries of a packed array: 3 bytes big-endian, value + 1; 0 (or past the
-- end of the string) is the identity, so a new pool needs no writing.
local function getEntry(key, i)
  local b = redis.call('GETRANGE', key, i * 3, i * 3 + 2)
  if #b < 3 then return i end
  local x, y, z = string.byte(b, 1, 3)
  local v = x * 65536 + y * 256 + z
  if v == 0 then return i end
  return v - 1
end

local function setEntry(key, i, v)
  v = v + 1
  redis.call('SETRANGE', key, i * 3, string.char(math.floor(v / 65536) % 256, math.floor(v / 256) % 256, v % 256))
end

-- Swaps the ranks at positions p and q of the permutation (and the inverse).
local function swap(p, q, rp, rq)
  setEntry(KP .. 'perm', p, rq)
  setEntry(KP .. 'pos', rq, p)
  setEntry(KP .. 'perm', q, rp)
  setEntry(KP .. 'pos', rp, q)
end

local function event(kind, rank, host, workload, token)
  local e = KP .. 'events'
  if token % 64 == 0 then
    redis.call('XADD', e, 'MAXLEN', '~', 6000, '*', 't', kind, 's', rank, 'h', host, 'w', workload, 'k', token)
  else
    redis.call('XADD', e, '*', 't', kind, 's', rank, 'h', host, 'w', workload, 'k', token)
  end
end

-- keys: {meta}; args: prefix, host, workload, then the rest of an
-- Allocate's arguments, of which the sketch uses random (6) and suffix (7).
redis.register_function('mcs_bench_sketch_allocate', function(keys, args)
  KP = args[1]
  local host, workload = args[2], args[3]
  local member = host .. '\\t' .. workload
  local held = redis.call('HGET', KP .. 'w', member)
  if held then return {0, 0, held} end
  local m = redis.call('HMGET', keys[1], 'free', 'token')
  local free, token = tonumber(m[1]), tonumber(m[2]) + 1
  if free <= 0 then return {1} end
  local p, last = math.fmod(tonumber(args[6]), free), free - 1
  local rank = getEntry(KP .. 'perm', p)
  if p ~= last then swap(p, last, rank, getEntry(KP .. 'perm', last)) end
  local t = redis.call('TIME')
  local now = t[1] * 1000 + math.floor(t[2] / 1000)
  redis.call('HSET', keys[1], 'free', last, 'token', token)
  redis.call('HSET', KP .. 'leases', rank, member .. '\\t' .. now .. '\\t' .. token .. '\\t' .. args[7])
  redis.call('HSET', KP .. 'w', member, rank)
  redis.call('HINCRBY', KP .. 'hc:' .. host, 'u', 1)
  event('ALLOCATED', rank, host, workload, token)
  return {0, 1, rank .. args[7], rank, host, workload, token, now}
end)

-- keys: {meta}; args: prefix, rank (the lease id's slot).
redis.register_function('mcs_bench_sketch_release', function(keys, args)
  KP = args[1]
  local rank = tonumber(args[2])
  local record = redis.call('HGET', KP .. 'leases', rank)
  if not record then return {0, 0} end
  local host, workload, token = string.match(record, '^([^\\t]*)\\t([^\\t]*)\\t[^\\t]*\\t([^\\t]*)')
  local m = redis.call('HMGET', keys[1], 'free', 'token')
  local free = tonumber(m[1])
  local p = getEntry(KP .. 'pos', rank)
  if p ~= free then swap(p, free, rank, getEntry(KP .. 'perm', free)) end
  redis.call('HSET', keys[1], 'free', free + 1)
  redis.call('HDEL', KP .. 'leases', rank)
  redis.call('HDEL', KP .. 'w', host .. '\\t' .. workload)
  redis.call('HINCRBY', KP .. 'hc:' .. host, 'u', -1)
  event('RELEASED', rank, host, workload, tonumber(token))
  return {0, 1}
end)
`;

/** The sketch's keys start with this prefix (one hash tag, as a pool's). */
export const SKETCH_PREFIX = 'mcs:{sketch}:';
export const SKETCH_META = `${SKETCH_PREFIX}meta`;

/** Ranks of c0.c1023: the pool the store measures against. */
export const SKETCH_PAIRS = 523_776;
