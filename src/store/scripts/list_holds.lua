#!lua flags=no-writes
-- list_holds: one page of the pairs held for stable keys, by slot.
--
-- A.filter       host ('' = every host)
-- A.cursorSlot   exclusive ('' = from the start)
-- A.limit        page size
--
-- Returns {0, more (1|0), last slot, n, <n holds: Records.REPLY>}: a hold
-- has no members, its stable key, and held_until (its expiry). Holds past
-- their retention are skipped (the reaper drops them); a page reads at most
-- twice its size (plus 64) of them, and ends after C.MAX_PAGE_BYTES.

local size = tonumber(A.limit)
local after = tonumber(A.cursorSlot) or -1
local key = Key.holds()
if A.filter ~= '' then key = Key.hostHolds(A.filter) end
local now = Call.now()
local scanLimit = 2 * size + 64
local slots = redis.call('ZRANGE', key, '(' .. after, '+inf', 'BYSCORE', 'LIMIT', 0, scanLimit + 1)
local holds, n, bytes, last, more = {}, 0, 0, after, 0
for i, v in ipairs(slots) do
  if n == size or bytes >= C.MAX_PAGE_BYTES or i > scanLimit then more = 1 break end
  local slot = tonumber(v)
  last = slot
  local r = Records.readRecord(slot)
  if r and Records.isHold(r) and not Call.expired(r.expires, now) then
    n = n + 1
    for _, x in ipairs(Records.leaseReply(slot, r)) do
      table.insert(holds, x)
      if type(x) == 'string' then bytes = bytes + #x end
    end
  end
end
local out = {0, more, last, n}
for _, x in ipairs(holds) do table.insert(out, x) end
return out
