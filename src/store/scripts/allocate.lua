-- allocate: lease a label to (host, workload): a uniformly random free
-- pair, a static level, a disabled label, or membership of an existing
-- lease (a pod); and record the volume claims that come with it.
--
-- KEYS: the pool's 15 keys, see includes/keys.lua
--
-- ARGV[1] key prefix "mcs:{pool}:"
-- ARGV[2] host
-- ARGV[3] workload id
-- ARGV[4] request id ('' = none)
-- ARGV[5] ttl in ms (0 = never expires)
-- ARGV[6] random integer in [0, 2^48)
-- ARGV[7] random 12-character lease id suffix, fresh per RPC
-- ARGV[8] process context prefix "user:role:type"
-- ARGV[9] mount context prefix
-- ARGV[10] read-only mount context prefix
-- ARGV[11] mode: random | static | disabled | join
-- ARGV[12] level: static: the canonical level; disabled: the bare
--          sensitivity; join: the level the request insists on, or ''
-- ARGV[13] join: the lease id to join
-- ARGV[14] join: its slot
-- ARGV[15] host ttl in ms (--host-ttl; 0 = leases are not bound to host liveness)
-- ARGV[16] host quota in pairs (--host-quota; 0 = none)
-- ARGV[17] wide static levels one host may hold (--host-static-quota; 0 = no limit)
-- ARGV[18] most pairs a static level may cover (--max-static-pairs; 0 = no limit)
-- ARGV[19] number of volume claims, then scope, path, mode for each
--
-- Returns {0, created (1|0), <lease: 12 fields, see leaseReply>} or
--   {E_POOL_NOT_INITIALIZED}
--   {E_POOL_EXHAUSTED, total}
--   {E_REQUEST_ID_REUSED, lease id, host, workload}  (request ids are per host)
--   {E_WORKLOAD_HAS_LEASE, lease id, level}
--   {E_LEVEL_IN_USE, level, lease id, host, workload}
--   {E_LEVEL_CONFLICT, level, lease id, its level, relation, its host}
--   {E_LEVEL_TOO_WIDE, level, pairs it covers, most allowed}
--   {E_LEVEL_RESERVED, level, reserved level}
--   {E_VOLUME_CONFLICT, path, mode, lease id, its path, its mode, scope, its host}
--   {E_LEASE_NOT_FOUND} / {E_HOST_MISMATCH, host} / {E_SHARE_MISMATCH, level}  (join)
--   {E_KEYED_EXHAUSTED}
--   {E_HOST_EXPIRED, host, when}  the host missed its heartbeats; reconcile first
--   {E_HOST_QUOTA, host, used, cost, quota}
--   {E_HOST_STATIC_QUOTA, host, wide static levels held, most allowed}
--   {E_LEASE_TOO_LARGE, what, count, most allowed}  claims or members past limits.ts
-- Nothing is written unless every check passes (expired leases met on the
-- way are reclaimed). The checks whose cost is fixed (width, quotas) come
-- before those that walk other leases. Idempotent: the same request for a (host, workload)
-- that holds a lease, or the same request id, returns that lease. If
-- ioredis resends this very call after a reconnect, the lease it finds
-- carries this call's suffix and it answers created = 1, as the first
-- execution did.

local host, workload, requestId = ARGV[2], ARGV[3], ARGV[4]
local ttl, random, suffix = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local mode, level = ARGV[11], ARGV[12]
local hostTtl = tonumber(ARGV[15])
local limits = {quota = tonumber(ARGV[16]), staticQuota = tonumber(ARGV[17])}
local maxStaticPairs = tonumber(ARGV[18])
local claims = claimsFromArgs(19)

if redis.call('EXISTS', KEY_META) == 0 then return {E_POOL_NOT_INITIALIZED} end
local expiredHost = hostExpiredReply(host)
if expiredHost then return expiredHost end
local now = nowMs()
local kind = ({random = '', static = 's', disabled = 'd'})[mode]

-- A live lease under this request id answers the retry, but only for the
-- same workload: AIP-155 refuses a reused request id with other parameters.
local request = ''
if requestId ~= '' then
  request = requestDigest(host, requestId)
  local slot = indexGet('req', request)
  local r = slot and readRecord(slot)
  if r and r.request == request and isLive(slot, r) then
    if r.host ~= host or not hasMember(r, workload) then
      return {E_REQUEST_ID_REUSED, r.id, r.host, members(r)[1]}
    end
    hostAlive(host, hostTtl, now)
    return {0, 1, unpack(leaseReply(slot, r))}
  end
end

-- The workload holds a lease already: the same request gets it back,
-- another request is refused rather than silently answered with it.
local existing, r = heldBy(host, workload)
if existing then
  local same
  if mode == 'join' then
    same = r.id == ARGV[13]
  else
    same = r.kind == kind and r.labels == (labelsId(ARGV[8], ARGV[9], ARGV[10]) or '')
      and (mode ~= 'static' or levelOf(existing, r) == level)
  end
  if not same then return {E_WORKLOAD_HAS_LEASE, r.id, levelOf(existing, r)} end
  local big = claimsTooLarge(r, claims)
  if big then return big end
  local conflict = claimConflict(claims, existing, isLive)
  if conflict then return conflict end
  addClaims(existing, r, claims)
  saveRecord(existing, r)
  hostAlive(host, hostTtl, now)
  local created = 0
  if string.sub(r.id, 5) == suffix then created = 1 end
  return {0, created, unpack(leaseReply(existing, r))}
end

if mode == 'join' then
  local slot = tonumber(ARGV[14])
  local r = recordById(slot, ARGV[13])
  if not r or not isLive(slot, r) then return {E_LEASE_NOT_FOUND} end
  if r.host ~= host then return {E_HOST_MISMATCH, r.host} end
  if level ~= '' and levelOf(slot, r) ~= level then return {E_SHARE_MISMATCH, levelOf(slot, r)} end
  local big = membersTooLarge(r, workload) or claimsTooLarge(r, claims)
  if big then return big end
  local conflict = claimConflict(claims, slot, isLive)
  if conflict then return conflict end
  if ttl > 0 and tonumber(r.expires) > 0 and now + ttl > tonumber(r.expires) then
    r.expires = now + ttl
    setExpiry(slot, r.expires)
  end
  addClaims(slot, r, claims)
  addMember(slot, r, host, workload)
  hostAlive(host, hostTtl, now)
  local reply = leaseReply(slot, r)
  emit('ALLOCATED', slot, r)
  return {0, 1, unpack(reply)}
end

-- A new lease: every check first, those of fixed cost before the walks.
local cats, wide = {}, false
local cost = 1
if mode == 'static' then
  cats = categoriesOf(level)
  local refused = tooWide(level, cats, maxStaticPairs)
  if refused then return refused end
  wide = isWide(cats)
  if wide then cost = math.max(1, coverCount(cats)) end
end
local over = quotaExceeded(host, cost, wide, limits)
if over then return over end
local big = claimsTooLarge({claims = ''}, claims)
if big then return big end
if mode == 'static' then
  local conflict = staticConflict(level, cats, isLive)
  if conflict then return conflict end
end
local conflict = claimConflict(claims, nil, isLive)
if conflict then return conflict end

local slot
local record = {
  host = host, workloads = workload, created = now, expires = 0, request = request, kind = kind, level = '', claims = '',
}
if mode == 'random' then
  if freeCount() <= 0 then
    return {E_POOL_EXHAUSTED, tonumber(redis.call('HGET', KEY_META, 'total'))}
  end
  slot = drawFreeRank(random)
elseif mode == 'static' and #cats == 2 then
  slot = rankOfPair(cats[1], cats[2], poolRange())
  if not takeRank(slot) then return {E_POOL_STATE_INCONSISTENT, 'static pair ' .. level .. ' is not free'} end
else
  slot = takeKeyedSlot()
  if not slot then return {E_KEYED_EXHAUSTED} end
  record.level = level
  if mode == 'static' then holdStatic(slot, cats) end
end

record.labels = internLabels(ARGV[8], ARGV[9], ARGV[10])
chargeHost(host, cost, wide)
record.id = slotDigits(slot) .. suffix
record.token = redis.call('HINCRBY', KEY_META, 'token', 1)
if ttl > 0 then record.expires = now + ttl end
addClaims(slot, record, claims)
writeLease(slot, record)
hostAlive(host, hostTtl, now)
local reply = leaseReply(slot, record)
emit('ALLOCATED', slot, record)
return {0, 1, unpack(reply)}
