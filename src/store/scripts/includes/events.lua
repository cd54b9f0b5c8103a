-- Lease events, written by the same script as the change they describe, to
-- a capped Redis Stream. Any replica can serve any watcher, and a watcher
-- that resumes after its last event id misses nothing still retained. Needs
-- KEY_EVENTS and KEY_META (meta.eventmax: how many events to keep, about).
--   fields: t type (ALLOCATED RELEASED EXPIRED RESTORED RENEWED),
--           h host, w member that left (RELEASED of one member),
--           l the lease as a JSON array of its 12 reply fields

local function emit(type, reply, workload)
  local keep = tonumber(redis.call('HGET', KEY_META, 'eventmax')) or 100000
  if keep <= 0 then return end
  redis.call('XADD', KEY_EVENTS, 'MAXLEN', '~', keep, '*',
    't', type, 'h', reply[2], 'w', workload or '', 'l', cjson.encode(reply))
end
