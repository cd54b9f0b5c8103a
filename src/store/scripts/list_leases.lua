#!lua flags=no-writes
-- list_leases: one page of live leases, ordered by host name, then by slot.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
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

-- Slots of a host's leases above `after`, ascending.
local function slotsAfter(host, after)
  local slots = {}
  for _, slot in ipairs(slotsOfHost(host)) do
    if slot > after then table.insert(slots, slot) end
  end
  return slots
end

local host = cursorHost
if host == '' then
  if filter ~= '' then host = filter else host = nextHost('') end
  cursorSlot = -1
end

local leases, n, lastHost, lastSlot, more = {}, 0, '', '', 0
while host do
  for _, slot in ipairs(slotsAfter(host, cursorSlot)) do
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
