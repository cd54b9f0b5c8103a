import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { builtinProfile } from '../../src/domain/profile.js';
import { LeaseStore } from '../../src/store/lease-store.js';
import { Admitter } from '../../src/webhook/admit.js';
import { parseReview } from '../../src/webhook/review.js';
import { TestPki } from '../support/pki.js';
import { layout3CounterKeys, rewriteAsLayout3 } from '../support/store-layout.js';
import { ensureBuilt, runCli, waitUntil, type CliProcess } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { createReview, deleteReview, pod, running, updateReview, withEphemeral, type Pod } from '../fixtures/kubernetes/reviews.js';

// The admission webhook as the apiserver meets it: a real process serving
// HTTPS with a certificate a CA signed, a real Redis, AdmissionReview
// requests in the wire format, and the answers' JSONPatches applied to the
// pods with a JSON Patch library.

let redis: TestRedis;
let client: Redis;
let pki: TestPki;
let webhook: CliProcess;
let port: number;
let store: LeaseStore;
const agent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

const POOL = 'k8s';
const HOST = 'kubernetes';

function startWebhook(p: number, extra: string[] = []): CliProcess {
  return runCli([
    'webhook',
    '--listen',
    `127.0.0.1:${p}`,
    '--tls-cert',
    pki.path('webhook.crt'),
    '--tls-key',
    pki.path('webhook.key'),
    '--redis',
    redis.url,
    '--pool',
    POOL,
    '--host',
    HOST,
    '--redis-timeout',
    '1000',
    '--namespace-policy',
    'legacy=none',
    '--exclude-namespaces',
    'kube-system,mcs-system',
    ...extra,
  ]);
}

beforeAll(async () => {
  await ensureBuilt();
  // Persistent (AOF): the test stops it and starts it again, as an outage does.
  redis = await TestRedis.start({ persistent: true });
  client = redis.client();
  pki = new TestPki()
    .ca('ca')
    .leaf('webhook', 'ca', { cn: 'mcs-webhook.mcs-system.svc', dns: ['mcs-webhook.mcs-system.svc'], ip: ['127.0.0.1'], server: true });
  port = await freePort();
  webhook = startWebhook(port);
  await waitUntil('the webhook answers /healthz', async () => (await get('/healthz').catch(() => ({ status: 0 }))).status === 200, 20_000);
  store = new LeaseStore(client, {
    name: POOL,
    sensitivity: 's0',
    categories: parseCategoryRange('c0.c1023'),
    reserved: [],
    profile: builtinProfile('container')!,
  });
}, 120_000);

afterAll(async () => {
  agent.destroy();
  await webhook?.dispose();
  client?.disconnect();
  await redis?.stop();
  pki?.dispose();
});

interface Answer {
  status: number;
  text: string;
  json?: any;
}

function call(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  p = port,
  clientCert?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const tls = clientCert ? { cert: pki.read(`${clientCert}.crt`), key: pki.read(`${clientCert}.key`), agent: false as const } : { agent };
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: p,
        path,
        method,
        ca: pki.read('ca.crt'),
        servername: 'mcs-webhook.mcs-system.svc',
        ...tls,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            // plain text
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const get = (path: string) => call('GET', path);

/** The status line's code of a raw HTTP/1.1 exchange (head, then `chunk` as one chunk), whatever happens to the rest of the upload. */
function rawStatus(head: string, chunk?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: pki.read('ca.crt'), servername: 'mcs-webhook.mcs-system.svc' }, () => {
      s.write(head);
      if (chunk) s.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n0\r\n\r\n')]));
    });
    let text = '';
    s.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) {
        resolve(Number(m[1]));
        s.destroy();
      }
    });
    s.on('error', () => {}); // the server may close while the upload goes on
    s.on('close', () => reject(new Error(`closed without a status line: ${JSON.stringify(text.slice(0, 200))}`)));
  });
}

/** POSTs a review; returns its response and, for a patch, the pod it gives. */
async function review(body: Record<string, any>, path = '/mutate?timeout=10s'): Promise<{ response: any; pod?: Pod }> {
  const a = await call('POST', path, JSON.stringify(body));
  expect(a.status, a.text).toBe(200);
  expect(a.json.apiVersion).toBe('admission.k8s.io/v1');
  expect(a.json.kind).toBe('AdmissionReview');
  const response = a.json.response;
  expect(response.uid).toBe(body.request.uid);
  if (!response.patch) return { response };
  expect(response.patchType).toBe('JSONPatch');
  const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString());
  const doc = structuredClone(body.request.object);
  expect(jsonpatch.validate(ops, doc)).toBeUndefined();
  return { response, pod: jsonpatch.applyPatch(doc, ops, true, false).newDocument };
}

async function admit(p: Pod, path?: string): Promise<{ response: any; pod: Pod }> {
  const r = await review(createReview(p), path);
  expect(r.response.allowed, JSON.stringify(r.response.status)).toBe(true);
  expect(r.pod).toBeDefined();
  return r as { response: any; pod: Pod };
}

const levelOf = (p: Pod) => p.spec.securityContext.seLinuxOptions.level as string;
const leaseOf = (p: Pod) => p.metadata.annotations['io.mcs-allocator.lease-id'] as string;

describe('the webhook over HTTPS', () => {
  it('gives a pod without a level a unique random pair and its lease id, with a TTL', async () => {
    const { pod: out } = await admit(pod({ name: 'web-1' }));
    expect(levelOf(out)).toMatch(/^s0:c\d+,c\d+$/);
    const lease = await store.get({ leaseId: leaseOf(out) });
    expect(lease).toMatchObject({ host: HOST, workloadId: 'pod:team-a/web-1', level: levelOf(out), kind: 'random' });
    expect(out.metadata.annotations['io.mcs-allocator.workload-id']).toBe('pod:team-a/web-1');
    expect(lease.expiresAt).toBeGreaterThan(Date.now() + 500_000);
    // The same admission again (an answer lost on its way back) gets the same lease.
    const again = await admit(pod({ name: 'web-1' }));
    expect(leaseOf(again.pod)).toBe(lease.id);
  });

  it('a generateName pod is leased under its prefix and the admission uid', async () => {
    const body = createReview(pod({ generateName: 'api-5c9f7d-' }), { uid: 'c0ffee00-1111-2222-3333-444455556666' });
    const r = await review(body);
    expect(r.pod!.metadata.annotations['io.mcs-allocator.workload-id']).toBe('pod:team-a/api-5c9f7d-#c0ffee00');
    expect((await store.get({ leaseId: leaseOf(r.pod!) })).workloadId).toBe('pod:team-a/api-5c9f7d-#c0ffee00');
  });

  it('leases a level a pod names as a static level, and refuses a second user naming the holder', async () => {
    const { pod: first } = await admit(pod({ name: 'db-a', level: 's0:c300,c301' }));
    expect(levelOf(first)).toBe('s0:c300,c301');
    expect((await store.get({ leaseId: leaseOf(first) })).kind).toBe('static');
    const { response } = await review(createReview(pod({ name: 'db-b', namespace: 'team-b', containerLevels: ['s0:c301,c300'] })));
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(409);
    expect(response.status.message).toContain('level s0:c300,c301 is held by lease');
    expect(response.status.message).toContain('pod:team-a/db-a');
    // Dominance: s0:c300 could read s0:c300,c301's files... the other way round: refused too.
    const dom = await review(createReview(pod({ name: 'db-c', level: 's0:c300,c301,c302' })));
    expect(dom.response.allowed).toBe(false);
    expect(dom.response.status.message).toMatch(/dominates|is dominated by/);
    expect(dom.response.status.message).toContain(leaseOf(first));
    // A reserved pair.
    const reserved = await review(createReview(pod({ name: 'db-d', level: 's0:c1022,c1023' })));
    expect([reserved.response.allowed, reserved.response.status.code]).toEqual([false, 403]);
    expect(reserved.response.status.message).toContain('reserved');
  });

  it('gives pods mounting one claim one lease, and refuses a pod whose claims are held at different levels', async () => {
    const a = await admit(pod({ name: 'shared-0', claims: ['media'] }));
    const b = await admit(pod({ name: 'shared-1', claims: ['media', 'cache-b'] }));
    expect(levelOf(b.pod)).toBe(levelOf(a.pod));
    expect(leaseOf(b.pod)).toBe(leaseOf(a.pod));
    const lease = await store.get({ leaseId: leaseOf(a.pod) });
    expect([...lease.members].sort()).toEqual(
      ['pod:team-a/shared-0', 'pod:team-a/shared-1', 'pvc:team-a/cache-b', 'pvc:team-a/media'].sort(),
    );
    expect(lease.stableKey).toBe('pvc:team-a/media');
    const other = await admit(pod({ name: 'other-0', claims: ['other'] }));
    const both = await review(createReview(pod({ name: 'both', claims: ['other', 'media'] })));
    expect(both.response.allowed).toBe(false);
    expect(both.response.status.code).toBe(409);
    expect(both.response.status.message).toContain(`claim media at level ${levelOf(a.pod)}`);
    expect(both.response.status.message).toContain(`claim other at level ${levelOf(other.pod)}`);
    // Naming a level other than its claim's is refused too.
    const named = await review(createReview(pod({ name: 'named', claims: ['media'], level: 's0:c600,c601' })));
    expect(named.response.status.message).toContain(`claim media is held at level ${levelOf(a.pod)}`);
  });

  it('a namespace-forced path gives every pod of the namespace one level; none leaves pods alone', async () => {
    const x = await admit(pod({ name: 'x', namespace: 'tenant-x' }), '/mutate/namespace');
    const y = await admit(pod({ name: 'y', namespace: 'tenant-x', claims: ['own'] }), '/mutate/namespace');
    expect(levelOf(y.pod)).toBe(levelOf(x.pod));
    expect((await store.get({ host: HOST, workloadId: 'ns:tenant-x' })).members).toContain('pod:tenant-x/y');
    for (const [p, path] of [
      [pod({ name: 'l', namespace: 'legacy' }), '/mutate'],
      [pod({ name: 'k', namespace: 'kube-system' }), '/mutate'],
      [pod({ name: 'n' }), '/mutate/none'],
    ] as const) {
      const r = await review(createReview(p), path);
      expect(r.response).toEqual({ uid: r.response.uid, allowed: true });
    }
  });

  it("the webhook's annotations a pod brings along are replaced or removed, never trusted", async () => {
    const forged = {
      'io.mcs-allocator.lease-id': 'aaaaaaaaaaaaaaaa',
      'io.mcs-allocator.workload-id': 'pod:team-a/web-1',
      'io.mcs-allocator.shares': 'pvc:team-a/media',
      keep: 'me',
    };
    const leased = await admit(pod({ name: 'forger', annotations: forged }));
    expect(leased.pod.metadata.annotations).toEqual({
      'io.mcs-allocator.lease-id': leaseOf(leased.pod),
      'io.mcs-allocator.workload-id': 'pod:team-a/forger',
      keep: 'me',
    });
    expect(leaseOf(leased.pod)).not.toBe('aaaaaaaaaaaaaaaa');
    const skipped = await review(createReview(pod({ name: 'forger', namespace: 'legacy', annotations: forged })));
    expect(skipped.response.allowed).toBe(true);
    expect(skipped.pod!.metadata.annotations).toEqual({ keep: 'me' });
  });

  it('a dry run leases nothing', async () => {
    const before = (await store.stats()).leased;
    const r = await review(createReview(pod({ name: 'dry' }), { dryRun: true }));
    expect(r.response.allowed).toBe(true);
    expect(r.response.patch).toBeUndefined();
    expect(r.response.warnings[0]).toContain('dry run');
    expect((await store.stats()).leased).toBe(before);
    await expect(store.get({ host: HOST, workloadId: 'pod:team-a/dry' })).rejects.toThrow('no such lease');
  });

  it('keeps the lease through a graceful DELETE and releases it at the final one', async () => {
    const { pod: out } = await admit(pod({ name: 'life' }));
    const live = running(out);
    const first = await review(deleteReview(live, { gracePeriodSeconds: 30, username: 'alice' }), '/validate');
    expect(first.response.allowed).toBe(true);
    expect((await store.get({ leaseId: leaseOf(out) })).id).toBe(leaseOf(out));
    const dry = await review(
      deleteReview(
        { ...live, metadata: { ...live.metadata, deletionTimestamp: '2026-12-02T10:12:00Z' } },
        { gracePeriodSeconds: 0, dryRun: true },
      ),
      '/validate',
    );
    expect(dry.response.allowed).toBe(true);
    expect((await store.get({ leaseId: leaseOf(out) })).id).toBe(leaseOf(out));
    const last = await review(
      deleteReview({ ...live, metadata: { ...live.metadata, deletionTimestamp: '2026-12-02T10:12:00Z' } }, { gracePeriodSeconds: 0 }),
      '/validate',
    );
    expect(last.response.allowed).toBe(true);
    await expect(store.get({ leaseId: leaseOf(out) })).rejects.toThrow('no such lease');
    // A pod never scheduled goes at its first DELETE.
    const { pod: pending } = await admit(pod({ name: 'pending' }));
    await review(deleteReview(pending, { gracePeriodSeconds: 30 }), '/validate');
    await expect(store.get({ leaseId: leaseOf(pending) })).rejects.toThrow('no such lease');
  });

  it('a member leaves a shared lease at its final delete; the claim keeps the level', async () => {
    const a = await admit(pod({ name: 'rwx-0', claims: ['rwx'] }));
    const b = await admit(pod({ name: 'rwx-1', claims: ['rwx'] }));
    await review(deleteReview(running(a.pod), { gracePeriodSeconds: 0 }), '/validate');
    const lease = await store.get({ leaseId: leaseOf(b.pod) });
    expect([...lease.members].sort()).toEqual(['pod:team-a/rwx-1', 'pvc:team-a/rwx']);
    const c = await admit(pod({ name: 'rwx-2', claims: ['rwx'] }));
    expect(levelOf(c.pod)).toBe(levelOf(a.pod));
  });

  it('a StatefulSet pod recreated after its final delete gets its level back (stable key)', async () => {
    const first = await admit(pod({ name: 'db-0', namespace: 'data', statefulSet: 'db' }));
    expect((await store.get({ leaseId: leaseOf(first.pod) })).stableKey).toBe('pod:data/db-0');
    await review(deleteReview(running(first.pod), { gracePeriodSeconds: 0 }), '/validate');
    // Released: its pair waits for the key, as a hold.
    expect(await store.get({ leaseId: leaseOf(first.pod) })).toMatchObject({ members: [], heldUntil: expect.any(Number) });
    expect((await store.listHolds({ host: HOST, limit: 100 })).holds.map((h) => h.stableKey)).toContain('pod:data/db-0');
    const again = await admit(pod({ name: 'db-0', namespace: 'data', statefulSet: 'db' }));
    expect(levelOf(again.pod)).toBe(levelOf(first.pod));
    expect(leaseOf(again.pod)).not.toBe(leaseOf(first.pod));
  });

  it("refuses an UPDATE that rewrites the webhook's annotations or brings an ephemeral container at another level", async () => {
    const { pod: out } = await admit(pod({ name: 'upd', level: 's0:c700,c701' }));
    const live = running(out);
    const forged = structuredClone(live);
    forged.metadata.annotations['io.mcs-allocator.workload-id'] = 'pod:team-a/web-1';
    const r = await review(updateReview(live, forged), '/validate');
    expect([r.response.allowed, r.response.status.code]).toEqual([false, 403]);
    expect(r.response.status.message).toContain('io.mcs-allocator.workload-id');
    const label = structuredClone(live);
    label.metadata.labels.version = '2';
    expect((await review(updateReview(live, label), '/validate')).response.allowed).toBe(true);
    expect((await review(updateReview(live, withEphemeral(live)), '/validate')).response.allowed).toBe(true);
    const other = await review(updateReview(live, withEphemeral(live, 's0:c5,c6'), 'ephemeralcontainers'), '/validate');
    expect([other.response.allowed, other.response.status.code]).toEqual([false, 400]);
    expect(other.response.status.message).toContain('spec.ephemeralContainers[0]');
  });

  it('answers a malformed pod with a refusal, and what is not an AdmissionReview with HTTP errors', async () => {
    const broken = createReview(pod({ name: 'broken' }));
    broken.request.object.spec.containers = 'app';
    const r = await review(broken);
    expect(r.response).toMatchObject({
      allowed: false,
      status: { code: 400, message: 'mcs-allocator: malformed pod: spec.containers: must be an array' },
    });
    const wrongVersion = { ...createReview(pod({ name: 'v' })), apiVersion: 'admission.k8s.io/v1beta1' };
    expect(await call('POST', '/mutate', JSON.stringify(wrongVersion))).toMatchObject({
      status: 400,
      text: expect.stringContaining('apiVersion must be admission.k8s.io/v1'),
    });
    expect((await call('POST', '/mutate', '{"apiVersion": ')).status).toBe(400);
    expect((await call('POST', '/mutate', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await call('GET', '/mutate')).status).toBe(405);
    expect((await call('POST', '/mutate/shared', '{}')).status).toBe(404);
    expect((await call('POST', '/elsewhere', '{}')).status).toBe(404);
    // Too large, declared or streamed: 413 before the body is read to its end.
    expect(
      await rawStatus(`POST /mutate HTTP/1.1\r\nHost: w\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n`),
    ).toBe(413);
    expect(
      await rawStatus(
        'POST /mutate HTTP/1.1\r\nHost: w\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        Buffer.alloc(5 * 1024 * 1024, 0x20),
      ),
    ).toBe(413);
    // Still serving after all that.
    expect((await get('/healthz')).status).toBe(200);
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(/mcs_webhook_admissions_total\{operation="CREATE",outcome="leased",allowed="true"\} \d+/);
    expect(metrics).toMatch(/mcs_webhook_bad_requests_total\{code="413"\} 2/);
  });

  it('200 pods of one StatefulSet sharing one RWX claim, admitted at once, get one level', async () => {
    const pods = Array.from({ length: 200 }, (_, i) =>
      pod({ name: `sts-${i}`, namespace: 'rwx', statefulSet: 'sts', claims: ['shared-data'] }),
    );
    const answers = await Promise.all(pods.map((p) => admit(p)));
    const levels = new Set(answers.map((a) => levelOf(a.pod)));
    const leases = new Set(answers.map((a) => leaseOf(a.pod)));
    expect(levels.size).toBe(1);
    expect(leases.size).toBe(1);
    const lease = await store.get({ leaseId: [...leases][0]! });
    expect(lease.members.length).toBe(201);
  });

  it('2,000 independent pods admitted at once get 2,000 distinct levels', async () => {
    const started = Date.now();
    const answers: { pod: Pod }[] = [];
    for (let i = 0; i < 2000; i += 500) {
      answers.push(...(await Promise.all(Array.from({ length: 500 }, (_, j) => admit(pod({ name: `many-${i + j}`, namespace: 'many' }))))));
    }
    const ms = Date.now() - started;
    const levels = new Set(answers.map((a) => levelOf(a.pod)));
    expect(levels.size).toBe(2000);
    // What it cost, for the README (2 cores shared by Redis, the webhook and this test).
    console.log(`2000 admissions in ${ms} ms (${Math.round((2000 * 1000) / ms)}/s)`);
  }, 120_000);

  it('answers 503 within its budget while Redis is down, and /healthz says so', async () => {
    await redis.stopProcess();
    try {
      const started = Date.now();
      const r = await review(createReview(pod({ name: 'down' })), '/mutate?timeout=5s');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect([r.response.allowed, r.response.status.code]).toEqual([false, 503]);
      await waitUntil('/healthz says 503', async () => (await get('/healthz')).status === 503, 10_000);
      // A DELETE is never refused, even now.
      const del = await review(
        deleteReview(
          running(
            pod({
              name: 'gone',
              annotations: { 'io.mcs-allocator.lease-id': 'aaaaaaaaaaaaaaaa', 'io.mcs-allocator.workload-id': 'pod:team-a/gone' },
            }),
          ),
          { gracePeriodSeconds: 0 },
        ),
        '/validate',
      );
      expect(del.response.allowed).toBe(true);
      expect(del.response.warnings[0]).toContain('could not be released');
    } finally {
      await redis.startProcess();
    }
    await waitUntil('/healthz says 200 again', async () => (await get('/healthz')).status === 200, 20_000);
    expect((await review(createReview(pod({ name: 'back' })))).response.allowed).toBe(true);
  });
});

describe('mcs-allocator webhook flags', () => {
  const cases: [string[], string][] = [
    [['--redis', 'redis://127.0.0.1:1'], '--tls-cert: is required'],
    [['--tls-cert', '/etc/hostname', '--tls-key', '/etc/hostname'], '--redis: is required'],
    [
      ['--redis', 'redis://127.0.0.1:1', '--tls-cert', '/etc/hostname', '--tls-key', '/etc/hostname', '--policy-default', 'shared'],
      '--policy-default: must be pod, namespace or none, not "shared"',
    ],
    [
      ['--redis', 'redis://127.0.0.1:1', '--tls-cert', '/nonexistent.crt', '--tls-key', '/etc/hostname'],
      '--tls-cert: cannot read /nonexistent.crt',
    ],
    [
      ['--redis', 'redis://127.0.0.1:1', '--tls-cert', '/etc/hostname', '--tls-key', '/etc/hostname', '--selinux-type', 'spc_t'],
      '--selinux-type: spc_t is not an allowed process type',
    ],
    [
      ['--redis', 'redis://127.0.0.1:1', '--tls-cert', '/etc/hostname', '--tls-key', '/etc/hostname', '--namespace-policy', 'a=pod,b'],
      '--namespace-policy: "b" is not namespace=policy',
    ],
    [
      ['--redis', 'redis://127.0.0.1:1', '--tls-cert', '/etc/hostname', '--tls-key', '/etc/hostname', '--categories', 'c5.c2'],
      '--categories:',
    ],
  ];
  it.each(cases)('%j exits 2 naming the flag', async (args, message) => {
    const p = runCli(['webhook', ...args]);
    expect((await p.waitExit(10_000)).code).toBe(2);
    expect(p.stderr).toContain(message);
  });
});

describe('a pool of key layout 3', () => {
  it('is moved in place when the webhook opens it, and the log says so', async () => {
    const name = 'k8s-layout-3';
    const prefix = `mcs:{${name}}:`;
    const old = new LeaseStore(client, {
      name,
      sensitivity: 's0',
      categories: parseCategoryRange('c0.c1023'),
      reserved: [],
      profile: builtinProfile('container')!,
    });
    await old.init();
    await old.allocate({ host: HOST, workloadId: 'pod-a' });
    await old.allocate({ host: HOST, workloadId: 'pod-b' });
    expect(await client.hgetall(`${prefix}hc:${HOST}`)).toEqual({ u: '2', m: '2' });
    // Layout 3 kept the same counts in hashes shared by all hosts.
    await rewriteAsLayout3(client, prefix, [HOST]);
    const p = await freePort();
    const moving = startWebhook(p, ['--pool', name]);
    try {
      await waitUntil(
        'the webhook on the layout-3 pool answers /healthz',
        async () => (await call('GET', '/healthz', undefined, {}, p).catch(() => ({ status: 0 }))).status === 200,
        20_000,
      );
      // The log is written in batches (at least every 100 ms).
      const moved = /"pool":"k8s-layout-3","from":3,"to":4,.*"msg":"pool moved from key layout 3 to 4"/;
      await waitUntil('the webhook logs the move', async () => moved.test(moving.stdout), 5_000);
      expect(await client.hgetall(`${prefix}hc:${HOST}`)).toEqual({ u: '2', m: '2' });
      expect(await client.exists(...layout3CounterKeys(prefix))).toBe(0);
    } finally {
      await moving.dispose();
    }
  });
});

describe('--tls-client-ca', () => {
  it('admits only for a client certificate the CA signed; /healthz stays open for probes', async () => {
    pki.leaf('apiserver', 'ca', { cn: 'kube-apiserver' }).ca('other').leaf('stranger', 'other', { cn: 'kube-apiserver' });
    const p = await freePort();
    const strict = startWebhook(p, ['--tls-client-ca', pki.path('ca.crt')]);
    try {
      await waitUntil(
        'the strict webhook answers /healthz',
        async () => (await call('GET', '/healthz', undefined, {}, p).catch(() => ({ status: 0 }))).status === 200,
        20_000,
      );
      const body = JSON.stringify(createReview(pod({ name: 'mtls' })));
      expect((await call('POST', '/mutate', body, {}, p)).status).toBe(401);
      expect((await call('POST', '/mutate', body, {}, p, 'stranger')).status).toBe(401);
      const ok = await call('POST', '/mutate', body, {}, p, 'apiserver');
      expect(ok.status).toBe(200);
      expect(ok.json.response.allowed).toBe(true);
    } finally {
      await strict.dispose();
    }
  });
});

describe('--on-conflict recursive (the admission logic in-process, against the real Redis)', () => {
  it('gives a pod whose claims disagree a level of its own and seLinuxChangePolicy Recursive', async () => {
    const log = pino({ level: 'silent' });
    const admitter = new Admitter({
      store,
      host: 'kubernetes-r',
      policy: {
        defaultPolicy: 'pod',
        namespaces: new Map(),
        excluded: new Set(),
        onConflict: 'recursive',
        selinux: { type: 'container_t' },
      },
      pool: { sensitivity: 0, categories: parseCategoryRange('c0.c1023') },
      pendingTtlSeconds: 600,
      prefixes: store.defaultPrefixes,
      redisTimeoutMs: 1000,
      log,
    });
    const deadline = () => ({ deadline: Date.now() + 5000 });
    const a = await admitter.admit(parseReview(createReview(pod({ name: 'a', claims: ['one'] }))), deadline());
    const b = await admitter.admit(parseReview(createReview(pod({ name: 'b', claims: ['two'] }))), deadline());
    const c = await admitter.admit(parseReview(createReview(pod({ name: 'c', claims: ['one', 'two'] }))), deadline());
    expect([a.outcome, b.outcome, c.outcome]).toEqual(['shared', 'shared', 'recursive']);
    expect(new Set([a.level, b.level, c.level]).size).toBe(3);
    const out = jsonpatch.applyPatch(
      structuredClone(pod({ name: 'c', claims: ['one', 'two'] })),
      c.patch as jsonpatch.Operation[],
      true,
      false,
    ).newDocument;
    expect(out.spec.securityContext).toEqual({ seLinuxOptions: { level: c.level, type: 'container_t' }, seLinuxChangePolicy: 'Recursive' });
    expect(c.warnings![0]).toContain('Recursive');
    // A pod that insists on MountOption is refused instead.
    const d = await admitter.admit(
      parseReview(createReview(pod({ name: 'd', claims: ['one', 'two'], changePolicy: 'MountOption' }))),
      deadline(),
    );
    expect([d.allowed, d.code]).toEqual([false, 409]);
    expect(d.message).toContain('MountOption');
  });
});
