import { describe, expect, it } from 'vitest';
import { canonicalLevel, parseLevel } from '../../src/domain/level.js';
import { expectStatus } from '../support/rpc.js';
import { connect, startService, rpcError } from '../support/service.js';
import { useService } from '../support/fixtures.js';

const t = useService({ pool: 'api' });

async function stats() {
  return t.client.GetPoolStats({});
}

describe('Allocate', () => {
  it('returns a canonical pair with the profile contexts', async () => {
    const { lease, created } = await t.client.Allocate({ host: 'node-1', workload_id: 'c0ffee' });
    expect(created).toBe(true);
    const level = parseLevel(lease.level);
    expect(level.sensitivity).toBe(0);
    expect(level.categories).toHaveLength(2);
    expect(canonicalLevel(lease.level)).toBe(lease.level);
    expect(lease).toMatchObject({
      pool: 'api',
      host: 'node-1',
      workload_id: 'c0ffee',
      process_label: `system_u:system_r:container_t:${lease.level}`,
      mount_label: `system_u:object_r:container_file_t:${lease.level}`,
      ro_mount_label: `system_u:object_r:container_ro_file_t:${lease.level}`,
      expires_at: null,
    });
    expect(lease.lease_id).toMatch(/^[a-z2-7]{16}$/);
    expect(Number(lease.created_at!.seconds) * 1000).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is idempotent per (host, workload_id) and per request_id', async () => {
    const first = await t.client.Allocate({ host: 'node-1', workload_id: 'idem', request_id: 'req-1' });
    const again = await t.client.Allocate({ host: 'node-1', workload_id: 'idem' });
    expect(again.created).toBe(false);
    expect(again.lease).toEqual(first.lease);
    // A retry with the same request id answers like the original call (AIP-155).
    const retry = await t.client.Allocate({ host: 'node-1', workload_id: 'idem', request_id: 'req-1' });
    expect(retry.created).toBe(true);
    expect(retry.lease).toEqual(first.lease);
    // The same workload on another host is another workload.
    const other = await t.client.Allocate({ host: 'node-2', workload_id: 'idem' });
    expect(other.lease.lease_id).not.toBe(first.lease.lease_id);
    expect(other.lease.level).not.toBe(first.lease.level);
  });

  it('refuses a request_id reused for another workload, and writes nothing', async () => {
    await t.client.Allocate({ host: 'node-1', workload_id: 'orig', request_id: 'req-shared' });
    const before = await stats();
    const err = await rpcError(t.client.Allocate({ host: 'node-1', workload_id: 'other', request_id: 'req-shared' }));
    expectStatus(err, 'ALREADY_EXISTS', 'REQUEST_ID_REUSED', /request_id was already used/);
    expect(await stats()).toEqual(before);
  });

  it('gives each grant a larger fencing token', async () => {
    const tokens: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      tokens.push(BigInt((await t.client.Allocate({ host: 'node-1', workload_id: `tok${i}` })).lease.fencing_token));
    }
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]! > tokens[i - 1]!).toBe(true);
  });

  it.each([
    [{ host: '', workload_id: 'w' }, 'host: is required'],
    [{ host: 'bad host', workload_id: 'w' }, 'host: must be letters'],
    [{ host: 'a'.repeat(254), workload_id: 'w' }, 'host: must be at most 253'],
    [{ host: '-leading', workload_id: 'w' }, 'host: must be letters'],
    [{ host: 'h\nx', workload_id: 'w' }, 'host: must be letters'],
    [{ host: 'h', workload_id: '' }, 'workload_id: is required'],
    [{ host: 'h', workload_id: 'has space' }, 'workload_id: must be printable ASCII'],
    [{ host: 'h', workload_id: 'nl\n' }, 'workload_id: must be printable ASCII'],
    [{ host: 'h', workload_id: 'é' }, 'workload_id: must be printable ASCII'],
    [{ host: 'h', workload_id: 'w'.repeat(257) }, 'workload_id: must be at most 256'],
    [{ host: 'h', workload_id: 'w', request_id: 'r'.repeat(129) }, 'request_id: must be at most 128'],
    [{ host: 'h', workload_id: 'w', request_id: 'a b' }, 'request_id: must be printable ASCII'],
    [{ host: 'h', workload_id: 'w', ttl_seconds: 10 * 365 * 24 * 3600 + 1 }, 'ttl_seconds: must be at most'],
  ])('refuses %j with INVALID_ARGUMENT and changes nothing', async (req, message) => {
    const before = await stats();
    const err = await rpcError(t.client.Allocate(req));
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    expect(err.details).toContain(message);
    expect(await stats()).toEqual(before);
  });
});

describe('Release', () => {
  it('releases by lease id, then reports released = false', async () => {
    const { lease } = await t.client.Allocate({ host: 'node-1', workload_id: 'rel-id' });
    const before = await stats();
    expect(await t.client.Release({ lease_id: lease.lease_id })).toEqual({ released: true, remaining_members: 0 });
    expect(Number((await stats()).free)).toBe(Number(before.free) + 1);
    expect(await t.client.Release({ lease_id: lease.lease_id })).toEqual({ released: false, remaining_members: 0 });
    expect(await t.client.Release({ lease_id: 'aaaaaaaaaaaaaaaa' })).toEqual({ released: false, remaining_members: 0 });
    expect(Number((await stats()).free)).toBe(Number(before.free) + 1);
    const err = await rpcError(t.client.GetLease({ lease_id: lease.lease_id }));
    expectStatus(err, 'NOT_FOUND', 'LEASE_NOT_FOUND');
  });

  it('releases by host + workload_id', async () => {
    await t.client.Allocate({ host: 'node-3', workload_id: 'rel-hw' });
    expect(await t.client.Release({ host: 'node-3', workload_id: 'rel-hw' })).toEqual({ released: true, remaining_members: 0 });
    expect(await t.client.Release({ host: 'node-3', workload_id: 'rel-hw' })).toEqual({ released: false, remaining_members: 0 });
  });

  it('refuses a lease id with the wrong host or fencing token, and keeps the lease', async () => {
    const { lease } = await t.client.Allocate({ host: 'node-1', workload_id: 'guarded' });
    const wrongHost = await rpcError(t.client.Release({ lease_id: lease.lease_id, host: 'node-9' }));
    expectStatus(wrongHost, 'FAILED_PRECONDITION', 'HOST_MISMATCH', /belongs to host node-1/);
    const stale = (BigInt(lease.fencing_token) - 1n).toString();
    const wrongToken = await rpcError(t.client.Release({ lease_id: lease.lease_id, fencing_token: stale }));
    expectStatus(wrongToken, 'FAILED_PRECONDITION', 'FENCING_TOKEN_MISMATCH');
    expect((await t.client.GetLease({ lease_id: lease.lease_id })).level).toBe(lease.level);
    expect(await t.client.Release({ lease_id: lease.lease_id, host: 'node-1', fencing_token: lease.fencing_token })).toEqual({
      released: true,
      remaining_members: 0,
    });
  });

  it.each([
    [{}, 'lease_id: is required'],
    [{ lease_id: 'NOT-AN-ID' }, 'lease_id: is not a lease id'],
    [{ lease_id: 'aaaaaaaaaaaaaaaa', workload_id: 'w x' }, 'workload_id: must be printable ASCII'],
    [{ lease_id: 'aaaaaaaaaaaaaaaa', host: 'a b' }, 'host: must be letters'],
    [{ host: 'h' }, 'workload_id: is required'],
    [{ workload_id: 'w' }, 'host: is required'],
  ])('refuses %j with INVALID_ARGUMENT', async (req, message) => {
    const err = await rpcError(t.client.Release(req));
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    expect(err.details).toContain(message);
  });
});

describe('Renew and GetLease', () => {
  it('renews a lease with a TTL and finds it both ways', async () => {
    const { lease } = await t.client.Allocate({ host: 'node-4', workload_id: 'ttl', ttl_seconds: 30 });
    expect(Number(lease.expires_at!.seconds) - Number(lease.created_at!.seconds)).toBe(30);
    const { lease: renewed } = await t.client.Renew({ lease_id: lease.lease_id, ttl_seconds: 600 });
    expect(Number(renewed.expires_at!.seconds)).toBeGreaterThanOrEqual(Number(lease.created_at!.seconds) + 600);
    expect(await t.client.GetLease({ lease_id: lease.lease_id })).toEqual(renewed);
    expect(await t.client.GetLease({ host: 'node-4', workload_id: 'ttl' })).toEqual(renewed);
  });

  it('answers NOT_FOUND for unknown leases and INVALID_ARGUMENT for a zero TTL', async () => {
    expectStatus(await rpcError(t.client.Renew({ lease_id: 'bbbbbbbbbbbbbbbb', ttl_seconds: 5 })), 'NOT_FOUND', 'LEASE_NOT_FOUND');
    const err = await rpcError(t.client.Renew({ lease_id: 'bbbbbbbbbbbbbbbb', ttl_seconds: 0 }));
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /ttl_seconds: must be at least 1/);
    expectStatus(await rpcError(t.client.GetLease({ host: 'node-4', workload_id: 'nope' })), 'NOT_FOUND', 'LEASE_NOT_FOUND');
  });
});

describe('an expired lease', () => {
  it('is NOT_FOUND (LEASE_NOT_FOUND) to every call, whether or not the reaper reclaimed it yet', async () => {
    // The reaper of this service runs only when the test says so.
    const slow = await startService(t.redis.url, { pool: 'expiry', categories: 'c0.c9', reapInterval: '3600000' });
    const c = connect(slow.address);
    try {
      const unreaped = (await c.Allocate({ host: 'node-5', workload_id: 'a', ttl_seconds: 1 })).lease;
      const reaped = (await c.Allocate({ host: 'node-5', workload_id: 'b', ttl_seconds: 1 })).lease;
      await new Promise((r) => setTimeout(r, 1100));
      // Reclaim one of the two, as the reaper would.
      const [taken] = await slow.store.reap(1);
      const [gone, notYet] = taken!.id === reaped.lease_id ? [reaped, unreaped] : [unreaped, reaped];
      for (const lease of [notYet, gone]) {
        const err = await rpcError(c.Renew({ lease_id: lease.lease_id, ttl_seconds: 60 }));
        expectStatus(err, 'NOT_FOUND', 'LEASE_NOT_FOUND', /^no such lease$/);
        expectStatus(await rpcError(c.GetLease({ lease_id: lease.lease_id })), 'NOT_FOUND', 'LEASE_NOT_FOUND');
        expect(await c.Release({ lease_id: lease.lease_id })).toMatchObject({ released: false });
      }
      // Renew reclaimed the one the reaper had not: nothing is left to reap.
      expect(await slow.store.reap(10)).toEqual([]);
      expect(await c.GetPoolStats({})).toMatchObject({ leased: '0' });
    } finally {
      c.close();
      await slow.close();
    }
  });
});

describe('ListLeases', () => {
  it('pages through every lease once and filters by host', async () => {
    const made: string[] = [];
    for (let i = 0; i < 25; i++) made.push((await t.client.Allocate({ host: 'lister', workload_id: `l${i}` })).lease.lease_id);
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await t.client.ListLeases({ host: 'lister', page_size: 10, page_token: token });
      expect(page.leases.length).toBeLessThanOrEqual(10);
      seen.push(...page.leases.map((l) => l.lease_id));
      token = page.next_page_token!;
      pages++;
    } while (token !== '');
    expect(seen.length).toBe(25);
    expect(new Set(seen)).toEqual(new Set(made));
    expect(pages).toBe(3);

    // Unfiltered, in pages of 7: every lease of every host exactly once.
    const everything: string[] = [];
    token = '';
    do {
      const page = await t.client.ListLeases({ page_size: 7, page_token: token });
      everything.push(...page.leases.map((l) => l.lease_id));
      token = page.next_page_token;
    } while (token !== '');
    expect(everything.length).toBe(Number((await stats()).leased));
    expect(new Set(everything).size).toBe(everything.length);
    expect(everything.filter((id) => made.includes(id)).length).toBe(25);
  });

  it('rejects foreign or mismatched page tokens', async () => {
    const page = await t.client.ListLeases({ host: 'lister', page_size: 5 });
    expect(page.next_page_token).not.toBe('');
    const mismatched = await rpcError(t.client.ListLeases({ host: 'other', page_token: page.next_page_token }));
    expectStatus(mismatched, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /page_token: was issued for a different host filter/);
    const forged = await rpcError(t.client.ListLeases({ page_token: 'not-a-token' }));
    expectStatus(forged, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /page_token/);
    const negative = await rpcError(t.client.ListLeases({ page_size: -1 }));
    expectStatus(negative, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /page_size/);
  });
});

describe('GetPoolStats', () => {
  it('adds up: leased + free + reserved = total', async () => {
    const s = await stats();
    expect(s.pool).toBe('api');
    expect(s.category_range).toBe('c0.c1023');
    expect(s.total).toBe('523776');
    expect(s.reserved).toBe('1');
    expect(Number(s.leased) + Number(s.free) + Number(s.reserved)).toBe(523_776);
    const listed = await t.client.ListLeases({ page_size: 1000 });
    expect(Number(s.leased)).toBe(listed.leases.length);
  });
});
