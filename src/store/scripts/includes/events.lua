-- Events: lease events, written by the same script as the change they
-- describe, to a capped Redis Stream (Key.events). Any replica can serve
-- any watcher, and a watcher that resumes after its last event id misses
-- nothing still retained. meta.eventmax is how many events to keep (about).
--   fields: t type (ALLOCATED RELEASED EXPIRED RESTORED RENEWED HOLD_ENDED),
--           h host, w member that left (RELEASED of one member; absent
--             otherwise, which readers take as ''),
--           l the lease, compact: a JSON array of the fields of
--             Events.LEASE (src/store/contract.ts EVENT_LEASE), the
--             contexts as an interned labels id that readers resolve
--             through Key.labels
-- An event costs about 200 bytes (at most about 33 KiB: the lease bounds),
-- so the stream's cap bounds its memory. The cap is applied every
-- Events.TRIM_EVERY events a stream gets from this Redis (an XADD with
-- MAXLEN costs a fifth more), so the stream holds up to that many more.

Events.TRIM_EVERY = 64
Events.untrimmed = {}

function Events.emit(eventType, slot, r, workload)
  local keep = tonumber(Call.meta().eventmax) or 6000
  if keep <= 0 then return end
  local t = Records.text
  -- In the order of Events.LEASE (Events.LEASE_ORDER, checked on the first call).
  local lease = cjson.encode({
    r.id or '', r.host or '', r.workloads or '', Records.levelOf(slot, r), t(r.token), t(r.created), t(r.expires),
    r.labels or '', r.kind or '', r.claims or '', r.stableKey or '', r.held or '',
  })
  local n = (Events.untrimmed[Key.events] or 0) + 1
  if n >= Events.TRIM_EVERY then
    n = 0
    if workload then
      redis.call('XADD', Key.events, 'MAXLEN', '~', string.format('%d', keep), '*', 't', eventType, 'h', r.host, 'w', workload, 'l', lease)
    else
      redis.call('XADD', Key.events, 'MAXLEN', '~', string.format('%d', keep), '*', 't', eventType, 'h', r.host, 'l', lease)
    end
  elseif workload then
    redis.call('XADD', Key.events, '*', 't', eventType, 'h', r.host, 'w', workload, 'l', lease)
  else
    redis.call('XADD', Key.events, '*', 't', eventType, 'h', r.host, 'l', lease)
  end
  Events.untrimmed[Key.events] = n
end
Events.LEASE_ORDER = {'id', 'host', 'members', 'level', 'token', 'created', 'expires', 'labels', 'kind', 'claims', 'stableKey', 'held'}
