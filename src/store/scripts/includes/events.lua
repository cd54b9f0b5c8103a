-- Events: lease events, written by the same script as the change they
-- describe, to a capped Redis Stream (Key.events). Any replica can serve
-- any watcher, and a watcher that resumes after its last event id misses
-- nothing still retained. meta.eventmax is how many events to keep (about).
--   fields: t type (ALLOCATED RELEASED EXPIRED RESTORED RENEWED HOLD_ENDED),
--           h host, w member that left (RELEASED of one member),
--           l the lease, compact: a JSON array of the fields of
--             Events.LEASE (src/store/contract.ts EVENT_LEASE), the
--             contexts as an interned labels id that readers resolve
--             through Key.labels
-- An event costs about 200 bytes (at most about 33 KiB: the lease bounds),
-- so the stream's cap bounds its memory.

function Events.emit(eventType, slot, r, workload)
  local keep = tonumber(Call.meta().eventmax) or 6000
  if keep <= 0 then return end
  local lease = {
    id = r.id, host = r.host, members = r.workloads, level = Records.levelOf(slot, r), token = r.token,
    created = r.created, expires = r.expires, labels = r.labels, kind = r.kind, claims = r.claims,
    stableKey = r.stableKey, held = r.held,
  }
  local out = {}
  for i, name in ipairs(Events.LEASE) do
    local v = lease[name]
    if type(v) == 'number' then v = string.format('%d', v) elseif v == nil then v = '' end
    out[i] = v
  end
  redis.call('XADD', Key.events, 'MAXLEN', '~', keep, '*',
    't', eventType, 'h', r.host, 'w', workload or '', 'l', cjson.encode(out))
end
