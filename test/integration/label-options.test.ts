import { beforeAll, describe, expect, it } from 'vitest';
import { parseLevel } from '../../src/domain/level.js';
import { rpcError, type TestClient } from '../support/service.js';
import { expectStatus, NO_OPTIONS, refusedWithoutTrace } from '../support/rpc.js';
import { useRedis } from '../support/fixtures.js';

// Label options, static levels and pods over gRPC against a real Redis.

const t = useRedis();

async function service(pool: string, categories = 'c0.c1023'): Promise<TestClient> {
  return (await t.service({ pool, categories })).client;
}

describe('label options', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await service('opts');
  });

  it('applies type, user, role, filetype and profile to the right labels', async () => {
    const { lease } = await c.Allocate({
      host: 'h',
      workload_id: 'kvm',
      options: { ...NO_OPTIONS, type: 'container_kvm_t', user: 'user_u', role: 'user_r', filetype: 'container_ro_file_t' },
    });
    expect(lease.kind).toBe('RANDOM');
    expect(lease.process_label).toBe(`user_u:user_r:container_kvm_t:${lease.level}`);
    expect(lease.mount_label).toBe(`user_u:object_r:container_ro_file_t:${lease.level}`);
    expect(lease.ro_mount_label).toBe(`user_u:object_r:container_ro_file_t:${lease.level}`);
    const svirt = await c.Allocate({ host: 'h', workload_id: 'old', options: { ...NO_OPTIONS, profile: 'svirt' } });
    expect(svirt.lease.process_label).toBe(`system_u:system_r:svirt_lxc_net_t:${svirt.lease.level}`);
    expect(svirt.lease.mount_label).toBe(`system_u:object_r:svirt_sandbox_file_t:${svirt.lease.level}`);
  });

  it('refuses spc_t and unlisted types with PERMISSION_DENIED, malformed ones with INVALID_ARGUMENT, leaving no trace', async () => {
    const denied = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'h', workload_id: 'p', options: { ...NO_OPTIONS, type: 'spc_t' } }),
    );
    expectStatus(denied, 'PERMISSION_DENIED', 'NOT_ALLOWED', /^options\.type: spc_t is not an allowed process type/);
    const bad = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'h', workload_id: 'p', options: { ...NO_OPTIONS, type: 'a:b' } }),
    );
    expectStatus(bad, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /^options\.type: must be an SELinux identifier/);
    const mixed = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'h', workload_id: 'p', options: { ...NO_OPTIONS, disable: true, level: 's0:c1,c2' } }),
    );
    expectStatus(mixed, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /options\.level: cannot be combined with options\.disable/);
  });

  it('disable: the privileged type at s0 and no pair consumed', async () => {
    const before = await c.GetPoolStats({});
    const { lease, created } = await c.Allocate({ host: 'h', workload_id: 'priv', options: { ...NO_OPTIONS, disable: true } });
    expect(created).toBe(true);
    expect(lease).toMatchObject({
      kind: 'DISABLED',
      level: 's0',
      process_label: 'system_u:system_r:spc_t:s0',
      mount_label: 'system_u:object_r:container_file_t:s0',
    });
    const after = await c.GetPoolStats({});
    expect(after.free).toBe(before.free);
    expect(after.leased).toBe(before.leased);
    expect((await c.Allocate({ host: 'h', workload_id: 'priv', options: { ...NO_OPTIONS, disable: true } })).created).toBe(false);
    // The same workload asking for something else is refused, not answered with the disabled lease.
    const other = await rpcError(c.Allocate({ host: 'h', workload_id: 'priv' }));
    expectStatus(other, 'FAILED_PRECONDITION', 'WORKLOAD_HAS_LEASE', new RegExp(lease.lease_id));
    expect(await c.Release({ lease_id: lease.lease_id })).toEqual({ released: true, remaining_members: 0 });
  });
});

describe('static levels', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await service('static');
  });

  it('leases a named level, canonicalised, and refuses it to anyone else', async () => {
    const { lease } = await c.Allocate({ host: 'h1', workload_id: 'db', options: { ...NO_OPTIONS, level: 's0:c200,c100' } });
    expect(lease).toMatchObject({ kind: 'STATIC', level: 's0:c100,c200' });
    const taken = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'h2', workload_id: 'web', options: { ...NO_OPTIONS, level: 's0:c100,c200' } }),
    );
    expectStatus(taken, 'ALREADY_EXISTS', 'LEVEL_IN_USE', new RegExp(`held by lease ${lease.lease_id} \\(host h1, workload db\\)`));
  });

  it.each([
    ['s0:c100,c200,c300', 'dominates'],
    ['s0:c100', 'is dominated by'],
    ['s0:c99.c101,c199.c201', 'dominates'],
  ])('refuses %s, which %s the leased s0:c100,c200, with FAILED_PRECONDITION', async (level, relation) => {
    const err = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'h3', workload_id: `x-${level}`, options: { ...NO_OPTIONS, level } }),
    );
    expectStatus(err, 'FAILED_PRECONDITION', 'LEVEL_DOMINANCE_CONFLICT', new RegExp(`${relation} level s0:c100,c200 of lease`));
  });

  it('refuses the reserved pair and levels comparable with it', async () => {
    for (const level of ['s0:c1022,c1023', 's0:c1000.c1023', 's0:c1023']) {
      const err = await refusedWithoutTrace(t.raw, () => c.Allocate({ host: 'h', workload_id: 'r', options: { ...NO_OPTIONS, level } }));
      expectStatus(err, 'FAILED_PRECONDITION', 'LEVEL_RESERVED', /reserved/);
    }
  });

  it('refuses a static level that dominates a random lease, naming it', async () => {
    const { lease } = await c.Allocate({ host: 'h', workload_id: 'random-1' });
    const [a, b] = parseLevel(lease.level).categories;
    // A third category away from the reserved pair (c1022,c1023) and from the pair itself.
    const third = [1020, 1019, 1018].find((x) => x !== a && x !== b)!;
    const err = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'h', workload_id: 'wide', options: { ...NO_OPTIONS, level: `s0:c${a},c${b},c${third}` } }),
    );
    expectStatus(
      err,
      'FAILED_PRECONDITION',
      'LEVEL_DOMINANCE_CONFLICT',
      new RegExp(`dominates level ${lease.level} of lease ${lease.lease_id}`),
    );
    const single = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'h', workload_id: 'one', options: { ...NO_OPTIONS, level: `s0:c${a}` } }),
    );
    expectStatus(single, 'FAILED_PRECONDITION', 'LEVEL_DOMINANCE_CONFLICT', /is dominated by/);
  });
});

describe('random allocation never hands out a pair comparable with a static level', () => {
  it('one category: s0:c5 keeps every pair containing c5 out of the pool', async () => {
    const c = await service('single', 'c0.c9');
    const { lease } = await c.Allocate({ host: 'h', workload_id: 'solo', options: { ...NO_OPTIONS, level: 's0:c5' } });
    expect((await c.GetPoolStats({})).blocked).toBe('9');
    const levels: string[] = [];
    for (let i = 0; i < 36; i++) levels.push((await c.Allocate({ host: 'h', workload_id: `r${i}` })).lease.level);
    expect(new Set(levels).size).toBe(36);
    for (const l of levels) expect(parseLevel(l).categories).not.toContain(5);
    expectStatus(await rpcError(c.Allocate({ host: 'h', workload_id: 'full' })), 'RESOURCE_EXHAUSTED', 'POOL_EXHAUSTED');
    await c.Release({ lease_id: lease.lease_id });
    expect(await c.GetPoolStats({})).toMatchObject({ blocked: '0', free: '9', leased: '36' });
  });

  it('many categories: s0:c0.c3 keeps its six pairs out; overlapping statics share blocked pairs', async () => {
    const c = await service('wide', 'c0.c9');
    const wide = (await c.Allocate({ host: 'h', workload_id: 'wide', options: { ...NO_OPTIONS, level: 's0:c0.c3' } })).lease;
    expect(wide.level).toBe('s0:c0.c3');
    expect((await c.GetPoolStats({})).blocked).toBe('6');
    // {2,3,4} overlaps {0,1,2,3} without either dominating the other; pair (2,3) is blocked by both.
    const other = (await c.Allocate({ host: 'h', workload_id: 'other', options: { ...NO_OPTIONS, level: 's0:c2,c3,c4' } })).lease;
    expect((await c.GetPoolStats({})).blocked).toBe('8');
    await c.Release({ lease_id: wide.lease_id });
    expect((await c.GetPoolStats({})).blocked).toBe('3');
    const levels: string[] = [];
    for (let i = 0; i < 42; i++) levels.push((await c.Allocate({ host: 'h', workload_id: `r${i}` })).lease.level);
    for (const l of levels) {
      const cats = parseLevel(l).categories;
      expect(cats.every((x) => [2, 3, 4].includes(x))).toBe(false);
    }
    await c.Release({ lease_id: other.lease_id });
    expect(await c.GetPoolStats({})).toMatchObject({ blocked: '0', free: '3', leased: '42' });
  });
});

describe('pods', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await service('pods');
  });

  it('members share one label; the pair is freed with the last member', async () => {
    const first = (await c.Allocate({ host: 'node', workload_id: 'infra' })).lease;
    const joined = await c.Allocate({ host: 'node', workload_id: 'app', share_with: first.lease_id });
    expect(joined.created).toBe(true);
    expect(joined.lease.lease_id).toBe(first.lease_id);
    expect(joined.lease.level).toBe(first.level);
    expect(joined.lease.members).toEqual(['infra', 'app']);
    const again = await c.Allocate({ host: 'node', workload_id: 'app', share_with: first.lease_id });
    expect(again.created).toBe(false);
    expect(again.lease.members).toEqual(['infra', 'app']);
    expect((await c.GetLease({ host: 'node', workload_id: 'app' })).lease_id).toBe(first.lease_id);

    const leased = Number((await c.GetPoolStats({})).leased);
    expect(await c.Release({ host: 'node', workload_id: 'infra' })).toEqual({ released: true, remaining_members: 1 });
    expect((await c.GetPoolStats({})).leased).toBe(String(leased));
    expect((await c.GetLease({ lease_id: first.lease_id })).members).toEqual(['app']);
    expectStatus(await rpcError(c.GetLease({ host: 'node', workload_id: 'infra' })), 'NOT_FOUND', 'LEASE_NOT_FOUND');
    expect(await c.Release({ lease_id: first.lease_id, workload_id: 'app' })).toEqual({ released: true, remaining_members: 0 });
    expect((await c.GetPoolStats({})).leased).toBe(String(leased - 1));
  });

  it('a release by lease id alone ends the lease for every member', async () => {
    const pod = (await c.Allocate({ host: 'node', workload_id: 'p1' })).lease;
    await c.Allocate({ host: 'node', workload_id: 'p2', share_with: pod.lease_id });
    await c.Allocate({ host: 'node', workload_id: 'p3', share_with: pod.lease_id });
    expect(await c.Release({ lease_id: pod.lease_id })).toEqual({ released: true, remaining_members: 0 });
    for (const w of ['p1', 'p2', 'p3']) {
      expectStatus(await rpcError(c.GetLease({ host: 'node', workload_id: w })), 'NOT_FOUND', 'LEASE_NOT_FOUND');
    }
  });

  it('joining a static level by naming it', async () => {
    const db = (await c.Allocate({ host: 'node', workload_id: 'db', options: { ...NO_OPTIONS, level: 's0:c7,c9' } })).lease;
    const side = await c.Allocate({
      host: 'node',
      workload_id: 'sidecar',
      share_with: db.lease_id,
      options: { ...NO_OPTIONS, level: 's0:c9,c7' },
    });
    expect(side.lease.members).toEqual(['db', 'sidecar']);
    const wrong = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'node', workload_id: 'x', share_with: db.lease_id, options: { ...NO_OPTIONS, level: 's0:c7,c8' } }),
    );
    expectStatus(wrong, 'FAILED_PRECONDITION', 'SHARE_LEVEL_MISMATCH', /has level s0:c7,c9/);
  });

  it('refuses joins across hosts, to unknown leases, with other options, and for a workload holding another lease', async () => {
    const pod = (await c.Allocate({ host: 'node', workload_id: 'owner' })).lease;
    const elsewhere = await refusedWithoutTrace(t.raw, () => c.Allocate({ host: 'other', workload_id: 'w', share_with: pod.lease_id }));
    expectStatus(elsewhere, 'FAILED_PRECONDITION', 'HOST_MISMATCH', /belongs to host node/);
    const unknown = await refusedWithoutTrace(t.raw, () => c.Allocate({ host: 'node', workload_id: 'w', share_with: 'aaaaaaaaaaaaaaaa' }));
    expectStatus(unknown, 'NOT_FOUND', 'LEASE_NOT_FOUND');
    const typed = await refusedWithoutTrace(t.raw, () =>
      c.Allocate({ host: 'node', workload_id: 'w', share_with: pod.lease_id, options: { ...NO_OPTIONS, type: 'container_t' } }),
    );
    expectStatus(typed, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /^options\.type: cannot be combined with share_with/);
    await c.Allocate({ host: 'node', workload_id: 'busy' });
    const busy = await refusedWithoutTrace(t.raw, () => c.Allocate({ host: 'node', workload_id: 'busy', share_with: pod.lease_id }));
    expectStatus(busy, 'FAILED_PRECONDITION', 'WORKLOAD_HAS_LEASE');
  });
});
