import { connect as tlsConnect } from 'node:tls';
import { copyFileSync, writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { TestPki } from '../support/pki.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { NO_OPTIONS } from '../support/rpc.js';
import { connect, LogCapture, rpcError, startService, type TestClient } from '../support/service.js';
import { errorInfoOf } from '../../src/rpc/error-details.js';

// Mutual TLS and per-host authorization, with certificates made here by openssl.

let redis: TestRedis;
let pki: TestPki;
const servers: RunningServer[] = [];
const clients: TestClient[] = [];
const log = new LogCapture();
let server: RunningServer;

const POLICY = `
identities:
  - cn: node-1
    role: host
    hosts: [node-1]
    allowed_types: [container_t, spc_t]
    allowed_levels: ["s0:c0.c99"]
    cluster_stable_keys: ["shared/*"]
  - cn: node-2
    role: host
    hosts: [node-2]
    allow_disable: false
  - cn: ops
    role: operator
  - dns: grafana.example.com
    role: viewer
`;

beforeAll(async () => {
  redis = await TestRedis.start();
  pki = new TestPki()
    .ca('ca')
    .ca('other-ca')
    .leaf('server', 'ca', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'], server: true })
    .leaf('server2', 'ca', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'], server: true })
    .leaf('node-1', 'ca', { cn: 'node-1' })
    .leaf('node-2', 'ca', { cn: 'node-2' })
    .leaf('node-3', 'ca', { cn: 'node-3' })
    .leaf('ops', 'ca', { cn: 'ops' })
    .leaf('viewer', 'ca', { cn: 'Grafana', dns: ['grafana.example.com'] })
    .leaf('stranger', 'ca', { cn: 'nobody' })
    .leaf('foreign', 'other-ca', { cn: 'node-1' })
    .leaf('expired', 'ca', { cn: 'node-1', expired: true });
  writeFileSync(pki.path('policy.yaml'), POLICY);
  copyFileSync(pki.path('server.crt'), pki.path('live.crt'));
  copyFileSync(pki.path('server.key'), pki.path('live.key'));
  server = await startService(
    redis.url,
    {
      pool: 'secure',
      tlsCert: pki.path('live.crt'),
      tlsKey: pki.path('live.key'),
      tlsClientCa: pki.path('ca.crt'),
      authz: pki.path('policy.yaml'),
      clusterStableKeys: 'shared/*',
    },
    log.logger(),
  );
  servers.push(server);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  await redis?.stop();
  pki?.dispose();
});

function as(name: string | undefined, target = server): TestClient {
  const creds = name
    ? grpc.credentials.createSsl(pki.read('ca.crt'), pki.read(`${name}.key`), pki.read(`${name}.crt`))
    : grpc.credentials.createSsl(pki.read('ca.crt'));
  const c = connect(target.address.replace('127.0.0.1', 'localhost'), creds);
  clients.push(c);
  return c;
}

function expectDenied(err: grpc.ServiceError, identity: string, message: RegExp) {
  expect(grpc.status[err.code]).toBe('PERMISSION_DENIED');
  expect(err.metadata.get('mcs-error-reason')).toEqual(['NOT_AUTHORIZED']);
  expect(err.details).toMatch(new RegExp(`^${identity} may not do this: `));
  expect(err.details).toMatch(message);
}

describe('transport', () => {
  it.each([
    ['no client certificate', undefined],
    ['a certificate from another CA', 'foreign'],
    ['an expired certificate', 'expired'],
  ])('refuses %s at the handshake', async (_what, name) => {
    const err = await rpcError(as(name).GetLease({ host: 'node-1', workload_id: 'x' }, { deadlineMs: 3000 }));
    expect(grpc.status[err.code]).toBe('UNAVAILABLE');
  });

  it('refuses a plaintext client', async () => {
    const c = connect(server.address);
    clients.push(c);
    const err = await rpcError(c.GetPoolStats({}, { deadlineMs: 3000 }));
    expect(grpc.status[err.code]).toBe('UNAVAILABLE');
  });

  it('reloads its certificate on SIGHUP without a restart', async () => {
    const serialOf = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: server.port,
          servername: 'localhost',
          ca: pki.read('ca.crt'),
          cert: pki.read('ops.crt'),
          key: pki.read('ops.key'),
          ALPNProtocols: ['h2'],
        });
        socket.once('secureConnect', () => {
          resolve(socket.getPeerCertificate().serialNumber);
          socket.end();
        });
        socket.once('error', reject);
      });
    const before = await serialOf();
    copyFileSync(pki.path('server2.crt'), pki.path('live.crt'));
    copyFileSync(pki.path('server2.key'), pki.path('live.key'));
    process.emit('SIGHUP', 'SIGHUP');
    const after = await serialOf();
    expect(after).not.toBe(before);
    // A bad set is refused and the current one stays.
    writeFileSync(pki.path('live.key'), 'not a key');
    process.emit('SIGHUP', 'SIGHUP');
    expect(await serialOf()).toBe(after);
    expect(log.lines.some((l) => l.msg === 'TLS certificates not reloaded; the previous ones stay in use')).toBe(true);
    copyFileSync(pki.path('server2.key'), pki.path('live.key'));
    expect((await as('ops').GetPoolStats({})).pool).toBe('secure');
  });
});

describe('authorization', () => {
  it('a host acts for its own host only', async () => {
    const n1 = as('node-1');
    const n2 = as('node-2');
    const mine = (await n1.Allocate({ host: 'node-1', workload_id: 'a' })).lease;
    expectDenied(await rpcError(n1.Allocate({ host: 'node-2', workload_id: 'a' })), 'cn=node-1', /may not act for host node-2/);
    // By lease id: refused without naming the lease's host.
    for (const err of [
      await rpcError(n2.Release({ lease_id: mine.lease_id })),
      await rpcError(n2.GetLease({ lease_id: mine.lease_id })),
      await rpcError(n2.Renew({ lease_id: mine.lease_id, ttl_seconds: 60 })),
      await rpcError(
        n2.PlanVolumes({
          lease_id: mine.lease_id,
          volumes: [{ host_path: '/srv/x', mode: 'Z', read_only: false, storage_id: '', current_label: '' }],
        }),
      ),
    ]) {
      expectDenied(err, 'cn=node-2', /the lease belongs to a host it may not act for$/);
      expect(errorInfoOf(err)?.metadata).toEqual({ identity: 'cn=node-2', method: expect.any(String) });
    }
    expectDenied(await rpcError(n2.ListLeases({})), 'cn=node-2', /must name one of its hosts/);
    expectDenied(await rpcError(n2.GetPoolStats({})), 'cn=node-2', /the host role may not call GetPoolStats/);
    expectDenied(await rpcError(n2.Heartbeat({ host: 'node-1', ttl_seconds: 0 })), 'cn=node-2', /host node-1/);
    expectDenied(await rpcError(n2.Reconcile({ host: 'node-1', workloads: [] })), 'cn=node-2', /host node-1/);
    expect((await n1.ListLeases({ host: 'node-1' })).leases.map((l) => l.lease_id)).toEqual([mine.lease_id]);
    expect((await n1.GetLease({ lease_id: mine.lease_id })).host).toBe('node-1');
    expect(await n1.Release({ lease_id: mine.lease_id })).toEqual({ released: true, remaining_members: 0 });
  });

  it('the policy decides which types, disabled labels and static levels a host may ask for', async () => {
    const n1 = as('node-1');
    const n2 = as('node-2');
    expect(
      (await n1.Allocate({ host: 'node-1', workload_id: 'spc', options: { ...NO_OPTIONS, type: 'spc_t' } })).lease.process_label,
    ).toMatch(/:spc_t:/);
    const err = await rpcError(n2.Allocate({ host: 'node-2', workload_id: 'spc', options: { ...NO_OPTIONS, type: 'spc_t' } }));
    expect(grpc.status[err.code]).toBe('PERMISSION_DENIED');
    expect(err.details).toMatch(/^options\.type: spc_t is not an allowed process type/);
    const disabled = await rpcError(n2.Allocate({ host: 'node-2', workload_id: 'priv', options: { ...NO_OPTIONS, disable: true } }));
    expect(disabled.details).toBe('options.disable: this identity may not ask for a disabled label');
    expect((await n1.Allocate({ host: 'node-1', workload_id: 'lvl', options: { ...NO_OPTIONS, level: 's0:c5,c6' } })).lease.level).toBe(
      's0:c5,c6',
    );
    const wide = await rpcError(n1.Allocate({ host: 'node-1', workload_id: 'far', options: { ...NO_OPTIONS, level: 's0:c200,c300' } }));
    expect(grpc.status[wide.code]).toBe('PERMISSION_DENIED');
    expect(wide.details).toMatch(/^options\.level: s0:c200,c300 is not among the levels/);
  });

  it("a cluster-wide stable key needs the identity's own cluster_stable_keys", async () => {
    const n1 = as('node-1');
    const held = (await n1.Allocate({ host: 'node-1', workload_id: 'vm', stable_key: 'shared/vm-1' })).lease;
    await n1.Release({ lease_id: held.lease_id });
    const stolen = await rpcError(as('node-2').Allocate({ host: 'node-2', workload_id: 'vm', stable_key: 'shared/vm-1' }));
    expect(grpc.status[stolen.code]).toBe('PERMISSION_DENIED');
    expect(stolen.metadata.get('mcs-error-reason')).toEqual(['NOT_AUTHORIZED']);
    expect(stolen.details).toBe("stable_key: shared/vm-1 is cluster-wide and not among this identity's cluster_stable_keys");
    expect((await as('ops').ListLeases({ held: true })).leases.map((l) => [l.lease_id, l.stable_key])).toContainEqual([
      held.lease_id,
      'shared/vm-1',
    ]);
    // node-2's own keys stay per host, and node-1 takes its held level back.
    expect((await as('node-2').Allocate({ host: 'node-2', workload_id: 'db', stable_key: 'db-0' })).lease.stable_key).toBe('db-0');
    expect((await n1.Allocate({ host: 'node-1', workload_id: 'vm-again', stable_key: 'shared/vm-1' })).lease.level).toBe(held.level);
  });

  it('operators inspect and release anything; viewers only read; strangers nothing', async () => {
    const lease = (await as('node-2').Allocate({ host: 'node-2', workload_id: 'op-target' })).lease;
    const ops = as('ops');
    expect((await ops.ListLeases({})).leases.some((l) => l.lease_id === lease.lease_id)).toBe(true);
    expect((await ops.GetPoolStats({})).pool).toBe('secure');
    expectDenied(await rpcError(ops.Allocate({ host: 'node-2', workload_id: 'x' })), 'cn=ops', /the operator role may not call Allocate/);
    const viewer = as('viewer');
    expect((await viewer.GetLease({ lease_id: lease.lease_id })).host).toBe('node-2');
    expect((await viewer.GetPoolStats({})).pool).toBe('secure');
    expectDenied(await rpcError(viewer.Release({ lease_id: lease.lease_id })), 'cn=Grafana', /the viewer role may not call Release/);
    expect(await ops.Release({ lease_id: lease.lease_id })).toEqual({ released: true, remaining_members: 0 });
    expectDenied(await rpcError(as('stranger').GetPoolStats({})), 'cn=nobody', /not in the authorization policy/);
  });

  it('logs and counts every refusal', async () => {
    const before = log.lines.length;
    await rpcError(as('node-2').Allocate({ host: 'node-9', workload_id: 'x' }));
    const refusal = log.lines.slice(before).find((l) => l.msg === 'refused: not authorized');
    expect(refusal).toMatchObject({ identity: 'cn=node-2', method: 'Allocate', host: 'node-9', reason: 'it may not act for host node-9' });
    const metrics = await server.metrics.registry.getSingleMetricAsString('mcs_refusals_total');
    expect(metrics).toMatch(/mcs_refusals_total\{method="Allocate",reason="NOT_AUTHORIZED"\} [1-9]/);
  });
});

describe('mutual TLS without a policy', () => {
  it('lets a client act only for the host its certificate names', async () => {
    const open = await startService(redis.url, {
      pool: 'implicit',
      tlsCert: pki.path('server.crt'),
      tlsKey: pki.path('server.key'),
      tlsClientCa: pki.path('ca.crt'),
    });
    servers.push(open);
    const n3 = as('node-3', open);
    expect((await n3.Allocate({ host: 'node-3', workload_id: 'w' })).lease.host).toBe('node-3');
    expectDenied(await rpcError(n3.Allocate({ host: 'node-1', workload_id: 'w' })), 'cn=node-3', /may not act for host node-1/);
  });
});
