-- Call: the context of the operation running now. The library is loaded
-- once and its functions run many times, so every call starts with
-- Call.bind, which binds the pool's keys (Key.<name>, built from the
-- prefix) and arguments and resets what one call caches.
--   Call.args     ARGV of the call
--   Call.prefix   the pool's key prefix "mcs:{<pool>}:" (every call's ARGV[1]);
--                 keys built from it carry the pool's hash tag, so they live
--                 in the same cluster slot as the declared keys
--   Call.dropped  leases ended during this call (Leases.drop): loops over
--                 index ranges restart when it moves
--   Call.meta()   the pool's settings and counters in Key.meta, read once

function Call.bind(keys, args)
  if not Call.sealed then Call.seal() end
  Call.args, Call.dropped = args, 0
  Call.liveNow, Call.shape, Call.metaFields, Call.levels = nil, nil, nil, nil
  if Call.labels == nil or next(Call.labels) ~= nil then Call.labels = {} end
  -- The declared names are the prefix and the name (src/store/keys.ts);
  -- they change only with the pool (Lua compares strings by reference).
  if args[1] ~= Call.prefix then
    Call.prefix = args[1]
    for _, name in ipairs(Key.NAMES) do rawset(Key, name, args[1] .. name) end
  end
end

-- On the first call: the standard library's locals (src/store/scripts.ts)
-- are bound, and reading a name the contract (src/store/contract.ts) does
-- not define becomes a bug that fails loudly instead of carrying on with
-- nil. Not at load, because the standard library does not exist then.
function Call.seal()
  bindStandardLibrary() -- src/store/scripts.ts STANDARD_LIBRARY
  -- The hand-written reply and event arrays follow the contract's orders.
  for what, pair in pairs({reply = {Records.REPLY, Records.REPLY_ORDER}, event = {Events.LEASE, Events.LEASE_ORDER}}) do
    for i = 1, math.max(#pair[1], #pair[2]) do
      if pair[1][i] ~= pair[2][i] then error('the ' .. what .. ' fields are not in the order of src/store/contract.ts') end
    end
  end
  for name, t in pairs({E = E, C = C, Key = Key}) do
    setmetatable(t, {__index = function(_, k)
      error(name .. '.' .. tostring(k) .. ' is not in src/store/contract.ts (or not bound yet)')
    end})
  end
  Call.sealed = true
end

-- The fields of Key.meta the hot paths read, with one HMGET the first
-- time any is needed (each field a command reads or answers costs about as
-- much as a small command): the free count (Pairs keeps it current; nil
-- when the pool does not exist), the recovery window, the event cap and
-- the pool's sensitivity and lowest category (a pair's level). Other
-- counters (token, held, blocked, ...) change with HINCRBY and are not cached.
function Call.meta()
  if not Call.metaFields then
    local v = redis.call('HMGET', Key.meta, 'free', 'recoverUntil', 'eventmax', 'sensitivity', 'low')
    Call.metaFields = {free = v[1] or nil, recoverUntil = v[2] or nil, eventmax = v[3] or nil, sensitivity = v[4] or nil, low = v[5] or nil}
  end
  return Call.metaFields
end

-- Milliseconds on the Redis clock: one clock for every replica of the service.
function Call.now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The clock as first read in this call by Leases.isLive: one reading for
-- every liveness check of a call.
function Call.liveClock()
  Call.liveNow = Call.liveNow or Call.now()
  return Call.liveNow
end

-- A lease whose expiry has passed is gone, even before the reaper gets to it.
function Call.expired(expires, now)
  local e = tonumber(expires)
  return e ~= nil and e > 0 and e <= now
end

-- The arguments from index `first` on (an operation's variadic tail).
function Call.rest(first)
  local out = {}
  for i = first, #Call.args do out[#out + 1] = Call.args[i] end
  return out
end
