import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { RunningServer } from '../../src/server/server.js';
import { TestPki } from '../support/pki.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { NO_OPTIONS } from '../support/rpc.js';
import { connect, startService, type TestClient } from '../support/service.js';

// Redis over TLS with a least-privilege ACL user: the one SECURITY.md
// recommends must be enough for everything the service does.

let pki: TestPki;
let redis: TestRedis;
let admin: Redis;
let tlsPort: number;
const servers: RunningServer[] = [];
const clients: TestClient[] = [];

/** The ACL of SECURITY.md's hardening checklist, word for word. */
export const SERVICE_ACL = '~mcs:* +@read +@write +@scripting +@stream +wait +ping +info +time +cluster|slots';

beforeAll(async () => {
  pki = new TestPki().ca('ca').leaf('redis', 'ca', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'], server: true });
  tlsPort = await freePort();
  redis = await TestRedis.start({
    args: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      pki.path('redis.crt'),
      '--tls-key-file',
      pki.path('redis.key'),
      '--tls-ca-cert-file',
      pki.path('ca.crt'),
      '--tls-auth-clients',
      'no',
    ],
  });
  admin = redis.client();
  await admin.call('ACL', 'SETUSER', 'mcs', 'on', '>s3cret', ...SERVICE_ACL.split(' '));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  admin?.disconnect();
  await redis?.stop();
  pki?.dispose();
});

describe('Redis over TLS with an ACL user', () => {
  it('serves every kind of call with the documented least-privilege ACL', async () => {
    const server = await startService(`rediss://mcs:s3cret@localhost:${tlsPort}`, {
      pool: 'tls',
      categories: 'c0.c31',
      redisTlsCa: pki.path('ca.crt'),
      hostTtl: '60',
    });
    servers.push(server);
    const c = connect(server.address);
    clients.push(c);
    // The static level first: a random pair drawn before it could lie inside it.
    await c.Allocate({ host: 'h', workload_id: 's', options: { ...NO_OPTIONS, level: 's0:c1,c2,c3' } });
    const a = (
      await c.Allocate({
        host: 'h',
        workload_id: 'w',
        ttl_seconds: 60,
        volumes: [{ host_path: '/d', mode: 'Z', read_only: false, storage_id: '', current_label: '' }],
      })
    ).lease;
    await c.Allocate({ host: 'h', workload_id: 'p', share_with: a.lease_id });
    await c.Renew({ lease_id: a.lease_id, ttl_seconds: 120 });
    await c.Heartbeat({ host: 'h', ttl_seconds: 0 });
    await c.PlanVolumes({
      lease_id: a.lease_id,
      volumes: [{ host_path: '/e', mode: 'z', read_only: false, storage_id: '', current_label: '' }],
    });
    expect((await c.ListLeases({})).leases.length).toBe(2);
    const rec = await c.Reconcile({ host: 'h', workloads: [{ workload_id: 'w', level: a.level }] });
    expect(rec.kept.length).toBe(1);
    expect(await c.Release({ lease_id: a.lease_id })).toMatchObject({ released: true });
    expect((await c.GetPoolStats({})).leased).toBe('0');
    // The connection really is TLS and really is the ACL user.
    const clientsList = String(await admin.call('CLIENT', 'LIST'));
    expect(clientsList).toMatch(/user=mcs/);
    expect(server.serving()).toBe(true);
  });

  it('stays NOT_SERVING when the ACL user cannot log in', async () => {
    await expect(
      startService(`rediss://mcs:wrong@localhost:${tlsPort}`, { pool: 'tls2', redisTlsCa: pki.path('ca.crt') }).then((s) => {
        servers.push(s);
        return s.serving();
      }),
    ).resolves.toBe(false);
  });
});
