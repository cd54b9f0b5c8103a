#!lua flags=no-writes
-- list_leases: one page of live leases in grant (fencing token) order.
--
-- KEYS[1] all        ZSET lease id scored by fencing token
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host filter ('' = every host; then the host's own ZSET is read)
-- ARGV[3] exclusive lower bound on the token ('' = from the start)
-- ARGV[4] page size
--
-- Returns {0, last token scanned ('' if none), more (1|0), n, then n times
-- the HGETALL of a lease, each preceded by its field count}. Expired leases
-- are skipped but still move the cursor, so a page may be short (AIP-158
-- allows that) and the cursor never stalls.

local KEY_ALL = KEYS[1]

-- @include "common.lua"

local index = KEY_ALL
if ARGV[2] ~= '' then index = hostKey(ARGV[2]) end
local from = '-inf'
if ARGV[3] ~= '' then from = '(' .. ARGV[3] end
local size = tonumber(ARGV[4])

local now = nowMs()
local rows = redis.call('ZRANGE', index, from, '+inf', 'BYSCORE', 'LIMIT', 0, size + 1, 'WITHSCORES')
local out, leases, last, n = {0}, {}, '', 0
local scanned = math.min(size, #rows / 2)
for i = 1, scanned do
  local id, score = rows[2 * i - 1], rows[2 * i]
  last = score
  local fields = redis.call('HGETALL', leaseKey(id))
  if #fields > 0 and not isExpired(redis.call('HGET', leaseKey(id), 'expires'), now) then
    n = n + 1
    table.insert(leases, #fields)
    for _, v in ipairs(fields) do table.insert(leases, v) end
  end
end
local more = 0
if #rows / 2 > size then more = 1 end
table.insert(out, last)
table.insert(out, more)
table.insert(out, n)
for _, v in ipairs(leases) do table.insert(out, v) end
return out
