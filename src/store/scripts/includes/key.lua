-- Key: the pool's keys. The declared ones (src/store/contract.ts
-- POOL_KEYS: Key.meta, Key.leases, ...) are bound per call by Call.bind;
-- the others are built from the pool's prefix:
--   host:<host>       ZSET  the host's slots, each scored by itself (Index)
--   hc:<host>         HASH  the host's counters (Hosts): u pairs its leases
--                           hold, m workloads holding them, s wide static levels
--   wl:<d3>, req:<d3> HASH  the digest indexes (Index)
--   exp:<b>           ZSET  an expiry bucket (Index)
--   scat:<c>          SET   wide static levels containing category c (Statics)
--   claims:<m>:<s>    ZSET  volume claims of one mode and scope (Claims)
--   sk:<d3>           HASH  stable key digest -> slot (Index)
--   holds             ZSET  slots of pairs held for stable keys, scored by slot (Leases)
--   holds:<host>      ZSET  the same, of one host

function Key.host(host)
  return Call.prefix .. 'host:' .. host
end

function Key.hostCounters(host)
  return Call.prefix .. 'hc:' .. host
end

function Key.digestIndex(family, digest3)
  return Call.prefix .. family .. ':' .. digest3
end

function Key.expiryBucket(b)
  return Call.prefix .. 'exp:' .. b
end

function Key.staticCategory(c)
  return Call.prefix .. 'scat:' .. c
end

function Key.holds()
  return Call.prefix .. 'holds'
end

function Key.hostHolds(host)
  return Call.prefix .. 'holds:' .. host
end

function Key.claims(mode, scope)
  return Call.prefix .. 'claims:' .. mode .. ':' .. scope
end
