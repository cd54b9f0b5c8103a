-- Call: the context of the operation running now. The library is loaded
-- once and its functions run many times, so every call starts with
-- Call.bind, which binds the call's keys (Key.<name>) and arguments and
-- resets what one call caches.
--   Call.args     ARGV of the call
--   Call.prefix   the pool's key prefix "mcs:{<pool>}:" (every call's ARGV[1]);
--                 keys built from it carry the pool's hash tag, so they live
--                 in the same cluster slot as the declared keys
--   Call.dropped  leases ended during this call (Leases.drop): loops over
--                 index ranges restart when it moves

function Call.bind(keys, args)
  if not Call.sealed then Call.seal() end
  Call.args, Call.prefix, Call.dropped = args, args[1], 0
  Call.liveNow, Call.shape, Call.labels = nil, nil, {}
  for i, name in ipairs(Key.NAMES) do rawset(Key, name, keys[i]) end
end

-- Reading a name the contract (src/store/contract.ts) does not define is a
-- bug: it fails loudly instead of carrying on with nil. Set on the first
-- call, because the standard library does not exist while the library loads.
function Call.seal()
  for name, t in pairs({E = E, C = C, Key = Key}) do
    setmetatable(t, {__index = function(_, k) error(name .. '.' .. tostring(k) .. ' is not in src/store/contract.ts (or not bound yet)') end})
  end
  Call.sealed = true
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
