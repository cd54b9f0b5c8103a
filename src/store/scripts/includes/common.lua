-- Shared by every operation: error codes, per-host keys, the clock.

-- Numeric error codes; src/store/errors.ts maps them to typed errors.
local E_POOL_NOT_INITIALIZED = 1
local E_POOL_EXHAUSTED = 2
local E_LEASE_NOT_FOUND = 3
local E_HOST_MISMATCH = 5
local E_FENCING_TOKEN_MISMATCH = 6
local E_REQUEST_ID_REUSED = 7
local E_CATEGORIES_MISMATCH = 8
local E_RESERVED_IN_USE = 9
local E_POOL_STATE_INCONSISTENT = 11
local E_LEVEL_IN_USE = 12
local E_LEVEL_CONFLICT = 13
local E_LEVEL_RESERVED = 14
local E_VOLUME_CONFLICT = 15
local E_WORKLOAD_HAS_LEASE = 16
local E_SHARE_MISMATCH = 17
local E_KEYED_EXHAUSTED = 18
local E_HOST_EXPIRED = 19
local E_HOST_QUOTA = 20
local E_LAYOUT_MISMATCH = 21
local E_LEVEL_TOO_WIDE = 22
local E_HOST_STATIC_QUOTA = 23
local E_LEASE_TOO_LARGE = 24
local E_NOT_AUTHORIZED = 25

local function hostKey(host)
  return prefix .. 'host:' .. host
end

-- Milliseconds on the Redis clock: one clock for every replica of the service.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A lease whose expiry has passed is gone, even before the reaper gets to it.
local function isExpired(expires, now)
  local e = tonumber(expires)
  return e ~= nil and e > 0 and e <= now
end
