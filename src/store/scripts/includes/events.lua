-- Lease events, written by the same script as the change they describe, to
-- a capped Redis Stream. Any replica can serve any watcher, and a watcher
-- that resumes after its last event id misses nothing still retained. Needs
-- KEY_EVENTS and KEY_META (meta.eventmax: how many events to keep, about).
--   fields: t type (ALLOCATED RELEASED EXPIRED RESTORED RENEWED),
--           h host, w member that left (RELEASED of one member),
--           l the lease, compact: a JSON array {id, host, members, level,
--             token, created, expires, labels id, kind, claims}; readers
--             turn the labels id into contexts through KEY_LABELS
-- An event costs about 200 bytes, so the stream's cap bounds its memory.

local function emit(eventType, slot, r, workload)
  local keep = tonumber(redis.call('HGET', KEY_META, 'eventmax')) or 6000
  if keep <= 0 then return end
  local lease = {r.id, r.host, r.workloads, levelOf(slot, r), r.token, r.created, r.expires, r.labels, r.kind, r.claims}
  for i = 1, 10 do
    local v = lease[i]
    if type(v) == 'number' then lease[i] = string.format('%d', v) elseif v == nil then lease[i] = '' end
  end
  redis.call('XADD', KEY_EVENTS, 'MAXLEN', '~', keep, '*',
    't', eventType, 'h', r.host, 'w', workload or '', 'l', cjson.encode(lease))
end
