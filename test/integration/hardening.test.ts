import { writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { errorInfoOf } from '../../src/rpc/error-details.js';
import { LEASE_LIMITS } from '../../src/store/limits.js';
import { TestPki } from '../support/pki.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { NO_OPTIONS, expectStatus, refusedWithoutTrace } from '../support/rpc.js';
import { connect, rpcError, startService, type TestClient } from '../support/service.js';
import { waitUntil } from '../../testkit/process.js';

// Attacks by a hostile host with an ordinary host certificate, each one
// against a real server, a real Redis and real mutual TLS.

let redis: TestRedis;
let raw: Redis;
let pki: TestPki;
let server: RunningServer;
const servers: RunningServer[] = [];
const clients: TestClient[] = [];

const POLICY = `
identities:
  - cn: node-a
    role: host
    hosts: [node-a]
  - cn: node-b
    role: host
    hosts: [node-b]
    allow_disable: false
    allowed_levels: ["s0:c0.c9"]
  - cn: ops
    role: operator
`;

async function tlsService(pool: string, options: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startService(redis.url, {
    pool,
    tlsCert: pki.path('server.crt'),
    tlsKey: pki.path('server.key'),
    tlsClientCa: pki.path('ca.crt'),
    authz: pki.path('policy.yaml'),
    ...options,
  });
  servers.push(s);
  return s;
}

function as(name: string, target = server): TestClient {
  const creds = grpc.credentials.createSsl(pki.read('ca.crt'), pki.read(`${name}.key`), pki.read(`${name}.crt`));
  const c = connect(target.address.replace('127.0.0.1', 'localhost'), creds);
  clients.push(c);
  return c;
}

const volume = (host_path: string, mode = 'Z', storage_id = '') => ({ host_path, mode, read_only: false, storage_id, current_label: '' });

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = redis.client();
  pki = new TestPki()
    .ca('ca')
    .leaf('server', 'ca', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'], server: true })
    .leaf('node-a', 'ca', { cn: 'node-a' })
    .leaf('node-b', 'ca', { cn: 'node-b' })
    .leaf('ops', 'ca', { cn: 'ops' });
  writeFileSync(pki.path('policy.yaml'), POLICY);
  server = await tlsService('hard');
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  raw?.disconnect();
  await redis?.stop();
  pki?.dispose();
});

describe('ListLeases page tokens', () => {
  it('a token naming another host reads nothing of it', async () => {
    const a = as('node-a');
    const b = as('node-b');
    for (let i = 0; i < 3; i++) await b.Allocate({ host: 'node-b', workload_id: `secret-${i}` });
    await a.Allocate({ host: 'node-a', workload_id: 'mine' });
    // The forged token: the filter field says node-a, the cursor node-b.
    const forged = Buffer.from(JSON.stringify({ v: 1, f: 'node-a', h: 'node-b', s: -1 })).toString('base64url');
    const err = await rpcError(a.ListLeases({ host: 'node-a', page_token: forged, page_size: 10 }));
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /^page_token: is not a token this service issued$/);
  });

  it('the store lists only the filtered host, whatever cursor it is given', async () => {
    const page = await server.store.list({ host: 'node-a', after: { host: 'node-b', slot: -1 }, limit: 100 });
    expect(page.leases.length).toBeGreaterThan(0);
    expect(new Set(page.leases.map((l) => l.host))).toEqual(new Set(['node-a']));
  });
});

describe('Reconcile goes through the same rules as Allocate', () => {
  it("applies the host's policy: no disabled label, no level outside allowed_levels", async () => {
    const b = as('node-b');
    const before = await server.store.stats();
    // What it holds already, reported too so that nothing is released.
    const held = (await b.ListLeases({ host: 'node-b' })).leases.map((l) => ({ workload_id: l.workload_id, level: l.level }));
    const res = await b.Reconcile({
      host: 'node-b',
      workloads: [
        { workload_id: 'priv', level: 's0' },
        { workload_id: 'far', level: 's0:c12.c14' },
        { workload_id: 'near', level: 's0:c1.c3' },
        ...held,
      ],
    });
    expect(res.kept).toHaveLength(held.length);
    expect(res.released).toEqual([]);
    expect(res.restored.map((l) => [l.workload_id, l.level])).toEqual([['near', 's0:c1.c3']]);
    expect(res.conflicts.map((c) => [c.workload_id, c.reason, c.message])).toEqual([
      ['priv', 'NOT_AUTHORIZED', 'workloads[0].level: this identity may not ask for a disabled label'],
      ['far', 'NOT_AUTHORIZED', 'workloads[1].level: s0:c12.c14 is not among the levels this identity may ask for'],
    ]);
    const after = await server.store.stats();
    // Only the three pairs of s0:c1.c3 left the pool.
    expect(after.free).toBe(before.free - 3);
    await b.Release({ host: 'node-b', workload_id: 'near' });
  });

  it('keeps a lease the host holds although its policy would not grant it anew', async () => {
    // Granted before the policy changed (here: straight through the store).
    await server.store.allocate({
      host: 'node-b',
      workloadId: 'legacy',
      what: { kind: 'disabled', level: 's0' },
      prefixes: server.store.privilegedPrefixes,
    });
    const b = as('node-b');
    const held = (await b.ListLeases({ host: 'node-b' })).leases.map((l) => ({ workload_id: l.workload_id, level: l.level }));
    expect(held).toContainEqual({ workload_id: 'legacy', level: 's0' });
    const res = await b.Reconcile({ host: 'node-b', workloads: held });
    expect(res.kept.map((l) => [l.workload_id, l.kind])).toContainEqual(['legacy', 'DISABLED']);
    expect(res.kept).toHaveLength(held.length);
    expect(res.conflicts).toEqual([]);
    expect(res.released).toEqual([]);
  });

  it('refuses a level wider than --max-static-pairs as a conflict, before any work', async () => {
    const a = as('node-a');
    const before = await server.store.stats();
    const held = (await a.ListLeases({ host: 'node-a' })).leases.map((l) => ({ workload_id: l.workload_id, level: l.level }));
    const wide = [
      { workload_id: 'wide', level: 's0:c0.c1021' },
      ...Array.from({ length: 12 }, (_, i) => ({ workload_id: `w${i}`, level: `s0:c${i}.c${1000 + i}` })),
    ];
    const res = await a.Reconcile({ host: 'node-a', workloads: [...wide, ...held] });
    expect(res.conflicts.map((c) => c.reason)).toEqual(Array(13).fill('LEVEL_TOO_WIDE'));
    expect(res.kept).toHaveLength(held.length);
    expect(res.conflicts[0]!.message).toBe(
      'level s0:c0.c1021 covers 521731 pairs of the pool; a static level may cover at most 1024 (--max-static-pairs)',
    );
    expect(res.restored).toEqual([]);
    const stats = await server.store.stats();
    expect(stats.blocked).toBe(before.blocked);
    expect(stats.free).toBe(before.free);
  });

  it('restores disabled labels with --privileged-type, not a built-in spc_t', async () => {
    const s = await tlsService('priv-type', { privilegedType: 'my_priv_t', allowedTypes: 'container_t,my_priv_t' });
    const res = await as('node-a', s).Reconcile({ host: 'node-a', workloads: [{ workload_id: 'p', level: 's0' }] });
    expect(res.restored.map((l) => [l.kind, l.process_label])).toEqual([['DISABLED', 'system_u:system_r:my_priv_t:s0']]);
  });

  it('a host at its quota restores nothing more; the other host still allocates', async () => {
    const s = await tlsService('quota', { categories: 'c0.c19', hostQuota: '10' });
    const a = as('node-a', s);
    for (let i = 0; i < 10; i++) await a.Allocate({ host: 'node-a', workload_id: `q${i}` });
    expectStatus(await rpcError(a.Allocate({ host: 'node-a', workload_id: 'q10' })), 'RESOURCE_EXHAUSTED', 'HOST_QUOTA');
    const held = (await a.ListLeases({ host: 'node-a', page_size: 100 })).leases;
    // Report every pair of the pool as running, beside what it holds.
    const all: { workload_id: string; level: string }[] = held.map((l) => ({ workload_id: l.workload_id, level: l.level }));
    for (let i = 0; i < 20; i++)
      for (let j = i + 1; j < 20; j++) {
        const level = `s0:c${i},c${j}`;
        if (!held.some((l) => l.level === level)) all.push({ workload_id: `x${i}-${j}`, level });
      }
    const res = await a.Reconcile({ host: 'node-a', workloads: all });
    expect(res.kept).toHaveLength(10);
    expect(res.restored).toEqual([]);
    expect(new Set(res.conflicts.map((c) => c.reason))).toEqual(new Set(['HOST_QUOTA']));
    expect((await as('node-b', s).Allocate({ host: 'node-b', workload_id: 'other' })).created).toBe(true);
  });
});

describe('Reconcile calls are bounded in size and in number at once', () => {
  it('refuses more than 2,000 workloads in one call', async () => {
    const workloads = Array.from({ length: 2001 }, (_, i) => ({ workload_id: `w${i}`, level: 's0:c1,c2' }));
    const err = await refusedWithoutTrace(raw, () => as('node-a').Reconcile({ host: 'node-a', workloads }));
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /^workloads: at most 2000 workloads per call$/);
  });

  it('runs --max-concurrent-reconciles at once; a caller whose deadline passes in the queue is told to retry', async () => {
    // A Redis of its own, frozen, holds the first Reconcile in its place.
    const frozen = await TestRedis.start();
    const s = await startService(frozen.url, {
      pool: 'gate',
      maxConcurrentReconciles: '1',
      redisTimeout: '3000',
      tlsCert: pki.path('server.crt'),
      tlsKey: pki.path('server.key'),
      tlsClientCa: pki.path('ca.crt'),
      authz: pki.path('policy.yaml'),
    });
    servers.push(s);
    try {
      frozen.pause();
      const first = as('node-a', s).Reconcile({ host: 'node-a', workloads: [] }, { deadlineMs: 10_000 });
      await new Promise((r) => setTimeout(r, 200));
      const queued = await rpcError(as('node-b', s).Reconcile({ host: 'node-b', workloads: [] }, { deadlineMs: 600 }));
      expectStatus(queued, 'UNAVAILABLE', 'RECONCILE_BUSY', /^1 Reconcile calls are running; retry later$/);
      frozen.resume();
      // The first one waited for Redis (not for the gate), and gets its answer now.
      expect((await first).kept).toEqual([]);
      // Once it is done, the next one runs.
      expect((await as('node-b', s).Reconcile({ host: 'node-b', workloads: [] }, { deadlineMs: 10_000 })).released).toEqual([]);
    } finally {
      frozen.resume();
      await s.close();
      servers.splice(servers.indexOf(s), 1);
      await frozen.stop();
    }
  });
});

describe('static levels cost what --max-static-pairs allows, no more', () => {
  it('refuses s0:c0.c1023 before it reaches Redis', async () => {
    const b = as('node-a');
    const err = await refusedWithoutTrace(raw, () =>
      b.Allocate({ host: 'node-a', workload_id: 'wide', options: { ...NO_OPTIONS, level: 's0:c0.c1023' } }),
    );
    // The field-named message is the request check's (the script's names no field).
    expectStatus(
      err,
      'INVALID_ARGUMENT',
      'LEVEL_TOO_WIDE',
      /^options\.level: s0:c0\.c1023 covers 523776 pairs of the pool; a static level may cover at most 1024 \(--max-static-pairs\)$/,
    );
  });

  it('the script refuses it too, for any caller of the store', async () => {
    const err = await server.store
      .allocate({ host: 'node-a', workloadId: 'direct', what: { kind: 'static', level: 's0:c0.c1023' } })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/covers 523776 pairs.*--max-static-pairs/);
  });

  it('grants the widest allowed level and gives back exactly what it blocked', async () => {
    const a = as('node-a');
    const before = await server.store.stats();
    const { lease } = await a.Allocate({ host: 'node-a', workload_id: 'one-cat', options: { ...NO_OPTIONS, level: 's0:c7' } });
    const held = await server.store.stats();
    expect(held.blocked - before.blocked).toBe(1023);
    expect(held.free).toBe(before.free - 1023);
    await a.Release({ lease_id: lease.lease_id });
    expect(await server.store.stats()).toEqual(before);
  });

  it('--host-static-quota bounds the wide levels one host holds', async () => {
    const s = await tlsService('statics', { hostStaticQuota: '2', hostQuota: '0' });
    const a = as('node-a', s);
    await a.Allocate({ host: 'node-a', workload_id: 's1', options: { ...NO_OPTIONS, level: 's0:c1,c2,c3' } });
    await a.Allocate({ host: 'node-a', workload_id: 's2', options: { ...NO_OPTIONS, level: 's0:c1,c4,c5' } });
    // Pairs are not wide: still granted.
    await a.Allocate({ host: 'node-a', workload_id: 'p', options: { ...NO_OPTIONS, level: 's0:c8,c9' } });
    const err = await refusedWithoutTrace(raw, () =>
      a.Allocate({ host: 'node-a', workload_id: 's3', options: { ...NO_OPTIONS, level: 's0:c1,c6,c7' } }),
    );
    expectStatus(err, 'RESOURCE_EXHAUSTED', 'HOST_STATIC_QUOTA', /host node-a holds 2 static levels .* at most 2 \(--host-static-quota\)/);
    await a.Release({ host: 'node-a', workload_id: 's1' });
    expect((await a.Allocate({ host: 'node-a', workload_id: 's3', options: { ...NO_OPTIONS, level: 's0:c1,c6,c7' } })).created).toBe(true);
  });
});

describe('a lease holds a bounded number of claims and members', () => {
  const long = (i: number) => `/data/${'x'.repeat(4000)}/${i}`;

  it('Allocate and PlanVolumes stop at the bound and change nothing when they refuse', async () => {
    const a = as('node-a');
    const { lease } = await a.Allocate({ host: 'node-a', workload_id: 'hoarder', volumes: [0, 1, 2].map((i) => volume(long(i))) });
    const err = await refusedWithoutTrace(raw, () =>
      a.PlanVolumes({ lease_id: lease.lease_id, volumes: [3, 4].map((i) => volume(long(i))) }),
    );
    expectStatus(err, 'RESOURCE_EXHAUSTED', 'LEASE_TOO_LARGE', /^the lease would hold \d+ claim bytes; at most 16384$/);
    const again = await refusedWithoutTrace(raw, () =>
      a.Allocate({ host: 'node-a', workload_id: 'hoarder', volumes: [5, 6].map((i) => volume(long(i))) }),
    );
    expectStatus(again, 'RESOURCE_EXHAUSTED', 'LEASE_TOO_LARGE');
    // Many short claims: the count bound.
    const { lease: many } = await a.Allocate({
      host: 'node-a',
      workload_id: 'many',
      volumes: Array.from({ length: 128 }, (_, i) => volume(`/m/${i}`)),
    });
    const more = await refusedWithoutTrace(raw, () => a.PlanVolumes({ lease_id: many.lease_id, volumes: [volume('/m/extra')] }));
    expectStatus(more, 'RESOURCE_EXHAUSTED', 'LEASE_TOO_LARGE', /^the lease would hold 129 claims; at most 128$/);
    // What was granted still answers in full.
    const renewed = await a.Renew({ lease_id: lease.lease_id, ttl_seconds: 600 });
    expect(renewed.lease.claims).toHaveLength(3);
  });

  it('pod members stop at the bound', async () => {
    const a = as('node-a');
    const { lease } = await a.Allocate({ host: 'node-a', workload_id: `pod-0` });
    for (let i = 1; i < LEASE_LIMITS.MAX_MEMBERS; i++)
      await a.Allocate({ host: 'node-a', workload_id: `pod-${i}`, share_with: lease.lease_id });
    const err = await refusedWithoutTrace(raw, () => a.Allocate({ host: 'node-a', workload_id: 'pod-extra', share_with: lease.lease_id }));
    expectStatus(err, 'RESOURCE_EXHAUSTED', 'LEASE_TOO_LARGE', /^the lease would hold 257 members; at most 256$/);
    await a.Release({ lease_id: lease.lease_id });
  });

  it('every event, record and ListLeases page stays small', async () => {
    const a = as('node-a');
    for (let i = 0; i < 100; i++) {
      await a.Allocate({
        host: 'node-a',
        workload_id: `big-${i}`,
        volumes: [0, 1, 2].map((j) => volume(`/big/${i}/${'y'.repeat(4000)}/${j}`)),
      });
    }
    const events = (await raw.xrevrange('mcs:{hard}:events', '+', '-', 'COUNT', 1000)) as [string, string[]][];
    const biggest = Math.max(...events.map(([, f]) => f.join('').length));
    expect(biggest).toBeLessThan(LEASE_LIMITS.MAX_CLAIM_BYTES + LEASE_LIMITS.MAX_MEMBER_BYTES + 1024);
    const records = (await raw.hvals('mcs:{hard}:leases')).map((r) => r.length);
    expect(Math.max(...records)).toBeLessThan(LEASE_LIMITS.MAX_CLAIM_BYTES + LEASE_LIMITS.MAX_MEMBER_BYTES + 1024);
    const ops = as('ops');
    const page = await ops.ListLeases({ page_size: 1000 });
    const bytes = page.leases.reduce((n, l) => n + JSON.stringify(l).length, 0);
    expect(page.next_page_token).not.toBe('');
    expect(bytes).toBeLessThan(LEASE_LIMITS.MAX_PAGE_BYTES + 64 * 1024);
    // Every lease is still reachable page by page.
    let token = page.next_page_token;
    let seen = page.leases.length;
    while (token !== '') {
      const next = await ops.ListLeases({ page_size: 1000, page_token: token });
      seen += next.leases.length;
      token = next.next_page_token;
    }
    expect(seen).toBe(await raw.hlen('mcs:{hard}:leases'));
  });
});

describe('a host with many leases is read in bounded ranges', () => {
  it('Reconcile pages through what the host holds; ListLeases pages past expired leases', async () => {
    const s = await tlsService('big-host');
    const a = as('node-a', s);
    const ids = Array.from({ length: 1200 }, (_, i) => `c${i}`);
    const held = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 100) {
      const batch = await Promise.all(ids.slice(i, i + 100).map((w) => a.Allocate({ host: 'node-a', workload_id: w })));
      for (const r of batch) held.set(r.lease.workload_id, r.lease.level);
    }
    // Half of them still run: the other half is released, over several pages of the host's leases.
    const running = ids.filter((_, i) => i % 2 === 0).map((w) => ({ workload_id: w, level: held.get(w)! }));
    const res = await a.Reconcile({ host: 'node-a', workloads: running });
    expect(res.kept).toHaveLength(600);
    expect(res.released.map((l) => l.workload_id).sort()).toEqual(ids.filter((_, i) => i % 2 === 1).sort());
    // 300 short leases expire unreaped between the live ones.
    for (let i = 0; i < 300; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => a.Allocate({ host: 'node-a', workload_id: `short-${i + j}`, ttl_seconds: 1 })),
      );
    }
    await s.reaper.stop();
    await new Promise((r) => setTimeout(r, 1100));
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await a.ListLeases({ host: 'node-a', page_size: 50, page_token: token });
      seen.push(...page.leases.map((l) => l.workload_id));
      token = page.next_page_token;
      pages += 1;
    } while (token !== '');
    expect(seen.sort()).toEqual(running.map((w) => w.workload_id).sort());
    expect(pages).toBeGreaterThanOrEqual(12);
  });
});

describe('errors name only what the caller may see', () => {
  it("another host's static level, pair, request id and storage claim are not named to a host", async () => {
    const a = as('node-a');
    const b = as('node-b');
    const mine = (
      await a.Allocate({
        host: 'node-a',
        workload_id: 'secret-wl',
        request_id: 'job-9-try-1',
        options: { ...NO_OPTIONS, level: 's0:c3,c4' },
        volumes: [volume('/shared/data', 'Z', 'nfs-1')],
      })
    ).lease;
    const secrets = [mine.lease_id, 'node-a', 'secret-wl', '/shared/data'];
    const hidden = (err: grpc.ServiceError) => {
      const info = errorInfoOf(err);
      for (const s of secrets) {
        expect(err.details).not.toContain(s);
        expect(JSON.stringify(info?.metadata ?? {})).not.toContain(s);
      }
    };
    const inUse = await rpcError(b.Allocate({ host: 'node-b', workload_id: 'x', options: { ...NO_OPTIONS, level: 's0:c3,c4' } }));
    expectStatus(inUse, 'ALREADY_EXISTS', 'LEVEL_IN_USE', /^level s0:c3,c4 is held by a lease of another host$/);
    hidden(inUse);
    const dominance = await rpcError(b.Allocate({ host: 'node-b', workload_id: 'y', options: { ...NO_OPTIONS, level: 's0:c3.c5' } }));
    expectStatus(dominance, 'FAILED_PRECONDITION', 'LEVEL_DOMINANCE_CONFLICT', /another host/);
    hidden(dominance);
    const claim = await rpcError(b.Allocate({ host: 'node-b', workload_id: 'z', volumes: [volume('/shared/data/sub', 'Z', 'nfs-1')] }));
    expectStatus(
      claim,
      'FAILED_PRECONDITION',
      'VOLUME_CONFLICT',
      /^volume \/shared\/data\/sub \(Z\) on storage nfs-1 conflicts with a claim of a lease of another host/,
    );
    for (const s of [mine.lease_id, 'node-a', 'secret-wl']) expect(claim.details).not.toContain(s);
    const join = await rpcError(b.Allocate({ host: 'node-b', workload_id: 'j', share_with: mine.lease_id }));
    expectStatus(join, 'FAILED_PRECONDITION', 'HOST_MISMATCH', /^the lease belongs to another host$/);
    hidden(join);
    const rec = await b.Reconcile({ host: 'node-b', workloads: [{ workload_id: 'r', level: 's0:c3,c4' }] });
    expect(rec.conflicts).toEqual([
      expect.objectContaining({
        reason: 'LEVEL_IN_USE',
        holder_lease_id: '',
        holder_host: '',
        holder_workload_id: '',
        message: 'level s0:c3,c4 is held by a lease of another host',
      }),
    ]);
    // Request ids are per host: node-b's job-9-try-1 is its own.
    expect((await b.Allocate({ host: 'node-b', workload_id: 'job', request_id: 'job-9-try-1' })).created).toBe(true);
    // The owner and operators still see the holder.
    const own = await rpcError(a.Allocate({ host: 'node-a', workload_id: 'other', options: { ...NO_OPTIONS, level: 's0:c3,c4' } }));
    expect(own.details).toContain(mine.lease_id);
    const mismatch = await rpcError(as('ops').Release({ lease_id: mine.lease_id, host: 'node-b' }));
    expectStatus(mismatch, 'FAILED_PRECONDITION', 'HOST_MISMATCH', /^the lease belongs to host node-a$/);
  });
});

describe('WatchLeases resume ids', () => {
  it('refuses an id beyond 64 bits with INVALID_ARGUMENT', async () => {
    const a = as('node-a');
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const stream = a.raw.WatchLeases({ host: 'node-a', after_event_id: '99999999999999999999-0' });
      stream.on('error', resolve);
      stream.on('data', () => {});
    });
    expectStatus(err, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', /^after_event_id: is not an event id/);
  });
});

describe('symlinked system paths', () => {
  it.each(['/var/run', '/var/run/', '/var/lock', '/lib32', '/libx32/x', '/var/run/../run'])('refuses %s', async (path) => {
    const err = await refusedWithoutTrace(raw, () => as('node-a').Allocate({ host: 'node-a', workload_id: 'v', volumes: [volume(path)] }));
    expectStatus(err, 'FAILED_PRECONDITION', 'RELABEL_NOT_ALLOWED');
  });

  it('claims /var/run/x as /run/x: the two conflict', async () => {
    const a = as('node-a');
    await a.Allocate({ host: 'node-a', workload_id: 'run-1', volumes: [volume('/var/run/app')] });
    const err = await rpcError(a.Allocate({ host: 'node-a', workload_id: 'run-2', volumes: [volume('/run/app/sub')] }));
    expectStatus(err, 'FAILED_PRECONDITION', 'VOLUME_CONFLICT', /holds \/run\/app \(Z\)/);
  });
});

describe('connections that never carry a call', () => {
  it('are capped per address and closed at the handshake deadline', async () => {
    const s = await tlsService('conns', { maxConnectionsPerAddress: '20', handshakeTimeout: '1' });
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    for (let i = 0; i < 200; i++) {
      const sock = netConnect(s.port, '127.0.0.1');
      sock.on('error', () => {});
      sock.on('close', () => closed.add(sock));
      sockets.push(sock);
    }
    // Beyond 20 they are closed at once.
    await waitUntil('180 refused', () => closed.size >= 180, 10_000);
    // A real client is not among the refused once the idle ones are gone.
    await waitUntil('the idle ones closed at the deadline', () => closed.size === 200, 10_000);
    expect((await as('ops', s).GetPoolStats({})).pool).toBe('conns');
    const metrics = await s.metrics.registry.getSingleMetricAsString('mcs_connections_refused_total');
    expect(metrics).toMatch(/reason="max_per_address"\} 180/);
    expect(metrics).toMatch(/reason="handshake_timeout"\} 20/);
    for (const sock of sockets) sock.destroy();
  });

  it('a TLS handshake that stalls is closed at the deadline', async () => {
    const s = await tlsService('stall', { handshakeTimeout: '1' });
    const sock = netConnect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    // A ClientHello's first bytes, more than the preface length, then nothing.
    sock.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), Buffer.alloc(40, 1)]));
    const started = Date.now();
    await new Promise((resolve) => sock.once('close', resolve));
    // Node's own default would keep it for 120 s.
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
