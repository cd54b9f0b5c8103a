#!lua flags=no-writes
-- list_leases: one page of live leases, ordered by host name, then by slot.
--
-- KEYS[1] meta       HASH   pool settings, free count, counters
-- KEYS[2] slots      STRING position -> rank (u24, value+1)
-- KEYS[3] pos        STRING rank -> position (u24, value+1)
-- KEYS[4] leases     HASH   slot -> lease record
-- KEYS[5] requests   HASH   request id -> slot
-- KEYS[6] hosts      ZSET   hosts holding leases
-- KEYS[7] expiry     ZSET   slot scored by expiry (ms)
-- KEYS[8] labels     HASH   interned context prefixes
-- KEYS[9] blocked    HASH   rank -> number of static levels blocking it
-- KEYS[10] kfree     LIST   recycled slots of leases without a pair
-- KEYS[11] reserved  HASH   reserved level -> rank
-- KEYS[12] events    STREAM lease events, capped (see events.lua)
-- KEYS[13] hostexp   ZSET   host scored by the time its leases lapse (--host-ttl)
-- KEYS[14] hostdead  HASH   host -> when its leases were reclaimed for a missed heartbeat
-- KEYS[15] hostuse   HASH   host -> pairs its leases hold (for --host-quota)
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host filter ('' = every host)
-- ARGV[3] cursor host ('' = from the start)
-- ARGV[4] cursor slot (exclusive, within the cursor host; '' = from its start)
-- ARGV[5] page size
--
-- Returns {0, more (1|0), last host, last slot, n, <n leases of 12 fields>}.
-- The cursor is (host, slot): stable while leases come and go, and a page
-- costs the leases of the hosts it touches, not the whole pool. A pod's
-- lease appears once. Expired leases are skipped; they still move the cursor.

local KEY_META, KEY_SLOTS, KEY_POS, KEY_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local KEY_REQUESTS, KEY_HOSTS, KEY_EXPIRY, KEY_LABELS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local KEY_BLOCKED, KEY_KFREE, KEY_RESERVED = KEYS[9], KEYS[10], KEYS[11]
local KEY_EVENTS, KEY_HOSTEXP, KEY_HOSTDEAD, KEY_HOSTUSE = KEYS[12], KEYS[13], KEYS[14], KEYS[15]

-- @include "common.lua"
-- @include "pairs.lua"
-- @include "lease.lua"

local filter, cursorHost, size = ARGV[2], ARGV[3], tonumber(ARGV[5])
local cursorSlot = tonumber(ARGV[4]) or -1
local now = nowMs()

-- The host after `host` in name order, or nil.
local function nextHost(host)
  if filter ~= '' then return nil end
  local from = '-'
  if host ~= '' then from = '(' .. host end
  return redis.call('ZRANGE', KEY_HOSTS, from, '+', 'BYLEX', 'LIMIT', 0, 1)[1]
end

-- Distinct slots of a host's leases above `after`, ascending.
local function slotsOf(host, after)
  local seen, slots = {}, {}
  for _, v in ipairs(redis.call('HVALS', hostKey(host))) do
    local slot = tonumber(v)
    if slot > after and not seen[slot] then
      seen[slot] = true
      table.insert(slots, slot)
    end
  end
  table.sort(slots)
  return slots
end

local host = cursorHost
if host == '' then
  if filter ~= '' then host = filter else host = nextHost('') end
  cursorSlot = -1
end

local leases, n, lastHost, lastSlot, more = {}, 0, '', '', 0
while host do
  for _, slot in ipairs(slotsOf(host, cursorSlot)) do
    if n == size then more = 1 break end
    local r = readRecord(slot)
    lastHost, lastSlot = host, slot
    if r and not isExpired(r.expires, now) then
      n = n + 1
      for _, v in ipairs(leaseReply(slot, r)) do table.insert(leases, v) end
    end
  end
  if more == 1 then break end
  host = nextHost(host)
  cursorSlot = -1
  if host and n == size then more = 1 break end
end

local out = {0, more, lastHost, lastSlot, n}
for _, v in ipairs(leases) do table.insert(out, v) end
return out
