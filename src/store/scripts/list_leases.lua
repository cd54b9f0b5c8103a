#!lua flags=no-writes
-- list_leases: one page of live leases, ordered by host name, then by slot.
--
-- A.filter       host filter ('' = every host)
-- A.cursorHost   '' = from the start
-- A.cursorSlot   exclusive, within the cursor host ('' = from its start)
-- A.limit        page size
--
-- Returns {0, more (1|0), last host, last slot, n, <n leases: Records.REPLY>}.
-- A page also ends once its leases pass C.MAX_PAGE_BYTES, so that every
-- page fits a default gRPC message whatever the leases hold. The cursor is
-- (host, slot): stable while leases come and go, and a page costs what it
-- returns (a range of each host's sorted slots), not the leases of the
-- hosts it touches. A pod's lease appears once. Expired leases are
-- skipped; they still move the cursor.

local filter, cursorHost, size = A.filter, A.cursorHost, tonumber(A.limit)
local cursorSlot = tonumber(A.cursorSlot) or -1
local now = Call.now()

-- The host after `host` in name order, or nil.
local function nextHost(host)
  if filter ~= '' then return nil end
  local from = '-'
  if host ~= '' then from = '(' .. host end
  return redis.call('ZRANGE', Key.hosts, from, '+', 'BYLEX', 'LIMIT', 0, 1)[1]
end

-- With a host filter the listing never leaves that host, whatever the
-- cursor says (the caller refuses a cursor of another host; this holds
-- for every caller).
local host = cursorHost
if filter ~= '' and host ~= filter then host = '' end
if host == '' then
  if filter ~= '' then host = filter else host = nextHost('') end
  cursorSlot = -1
end

-- A page reads at most SCAN_LIMIT slots, expired ones included, so that
-- leases waiting for the reaper cannot make one page long.
local SCAN_LIMIT = 2 * size + 64
local leases, n, lastHost, lastSlot, bytes, scanned = {}, 0, '', '', 0, 0
local function full()
  return n == size or bytes >= C.MAX_PAGE_BYTES or scanned >= SCAN_LIMIT
end
while host and not full() do
  local slots = Index.hostSlotsAfter(host, cursorSlot, size - n)
  if #slots == 0 then
    host = nextHost(host)
    cursorSlot = -1
  end
  for _, slot in ipairs(slots) do
    if full() then break end
    scanned = scanned + 1
    cursorSlot = slot
    lastHost, lastSlot = host, slot
    local r = Records.readRecord(slot)
    if r and not Call.expired(r.expires, now) then
      n = n + 1
      for _, v in ipairs(Records.leaseReply(slot, r)) do
        table.insert(leases, v)
        if type(v) == 'string' then bytes = bytes + #v end
      end
    end
  end
end

-- More to come when anything follows the last slot read.
local more = 0
if full() and lastHost ~= '' then
  if #Index.hostSlotsAfter(lastHost, lastSlot, 1) > 0 or nextHost(lastHost) then more = 1 end
end

local out = {0, more, lastHost, lastSlot, n}
for _, v in ipairs(leases) do table.insert(out, v) end
return out
