import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { healthClient } from '../../testkit/process.js';
import { snapshot } from '../support/snapshot.js';
import { useService } from '../support/fixtures.js';

// Hostile input, generated: random strings with NUL, control bytes, long
// values, Unicode look-alikes, path tricks, malformed levels and contexts,
// and random bytes on the wire. Whatever comes in, the server answers with
// a proper status (INVALID_ARGUMENT naming the field for bad input), never
// crashes or hangs, and a refused request leaves Redis exactly as it was.

const t = useService({ pool: 'fuzz', categories: 'c0.c31' });
beforeAll(async () => {
  // Something to collide with.
  await t.client.Allocate({
    host: 'node-1',
    workload_id: 'existing',
    volumes: [{ host_path: '/data/x', mode: 'Z', read_only: false, storage_id: '', current_label: '' }],
  });
});

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\n',
    '\t',
    '\u007f',
    'ＡＢＣ',
    'nоde-1',
    'node-1\u200b',
    'x'.repeat(300),
    'x'.repeat(70_000),
    '/usr/../etc',
    '//',
    '/data/./x/',
    '/data/x/..',
    '/data/x.',
    '../../etc/passwd',
    '/',
    '/usr/',
    '/home/alice',
    's0:c1.c0',
    's0:c1,,c2',
    's0:c1024',
    's00:c1',
    's0:c01',
    's0-s0:c0.c1023',
    's0:c0.c31',
    'TopSecret',
    's0:c5',
    'system_u:object_r:container_file_t:s0:c1:c2',
    'a:b:c',
    'u:r:t:s0:c1,c2:extra',
    'z',
    'Z',
    'zz',
    'aaaaaaaaaaaaaaaa',
    'spc_t',
    'container_t',
    'container_kvm_t',
    'node-1',
    'existing',
  ),
);

const options = fc.record({
  user: nasty,
  role: nasty,
  type: nasty,
  level: nasty,
  filetype: nasty,
  disable: fc.boolean(),
  profile: fc.oneof(nasty, fc.constantFrom('container', 'svirt')),
});

const volume = fc.record({
  host_path: nasty,
  mode: fc.oneof(nasty, fc.constantFrom('z', 'Z', '')),
  read_only: fc.boolean(),
  storage_id: nasty,
  current_label: nasty,
});

/** Statuses a refusal may carry; anything else (INTERNAL, UNKNOWN, UNAVAILABLE) is a bug here. */
const REFUSALS = ['INVALID_ARGUMENT', 'NOT_FOUND', 'FAILED_PRECONDITION', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED'];

/**
 * Calls, and if the call is refused: the status is a refusal, an
 * INVALID_ARGUMENT names its field first, and Redis did not change.
 */
async function probe(call: () => Promise<unknown>): Promise<void> {
  const before = await snapshot(t.raw);
  try {
    await call();
  } catch (e) {
    const err = e as grpc.ServiceError;
    expect(REFUSALS).toContain(grpc.status[err.code]);
    if (err.code === grpc.status.INVALID_ARGUMENT) expect(err.details).toMatch(/^[a-z_]+(\[\d+\])?(\.[a-z_]+)*: \S/);
    expect(await snapshot(t.raw)).toEqual(before);
  }
}

const runs = { numRuns: 60 };

describe('every RPC under generated hostile fields', () => {
  it('Allocate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          host: nasty,
          workload_id: nasty,
          request_id: nasty,
          ttl_seconds: fc.oneof(fc.constant(0), fc.nat(), fc.constant(4294967295)),
          options,
          share_with: nasty,
          volumes: fc.array(volume, { maxLength: 4 }),
        }),
        async (req) => probe(() => t.client.Allocate(req)),
      ),
      runs,
    );
  });

  it('Release, Renew, GetLease, PlanVolumes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          lease_id: nasty,
          host: nasty,
          workload_id: nasty,
          fencing_token: fc.oneof(fc.constant('0'), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String)),
          ttl_seconds: fc.nat(),
          volumes: fc.array(volume, { maxLength: 3 }),
        }),
        async (r) => {
          await probe(() =>
            t.client.Release({ lease_id: r.lease_id, host: r.host, workload_id: r.workload_id, fencing_token: r.fencing_token }),
          );
          await probe(() => t.client.Renew({ lease_id: r.lease_id, ttl_seconds: r.ttl_seconds }));
          await probe(() => t.client.GetLease({ lease_id: r.lease_id, host: r.host, workload_id: r.workload_id }));
          await probe(() => t.client.PlanVolumes({ lease_id: r.lease_id, volumes: r.volumes }));
        },
      ),
      runs,
    );
  });

  it('ListLeases, Heartbeat, Reconcile', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          host: nasty,
          page_size: fc.integer({ min: -5, max: 5000 }),
          page_token: nasty,
          ttl_seconds: fc.nat(),
          workloads: fc.array(fc.record({ workload_id: nasty, level: nasty }), { maxLength: 4 }),
        }),
        async (r) => {
          await probe(() => t.client.ListLeases({ host: r.host, page_size: r.page_size, page_token: r.page_token }));
          await probe(() => t.client.Heartbeat({ host: r.host, ttl_seconds: r.ttl_seconds }));
          await probe(() => t.client.Reconcile({ host: r.host, workloads: r.workloads }));
        },
      ),
      runs,
    );
  });

  it('random bytes on the wire', async () => {
    const client = new grpc.Client(t.server.address, grpc.credentials.createInsecure());
    const call = (method: string, body: Buffer) =>
      new Promise<grpc.ServiceError | undefined>((resolve) => {
        client.makeUnaryRequest(
          `/mcs.v1.LabelAllocator/${method}`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          { deadline: Date.now() + 5000 },
          (err) => resolve(err ?? undefined),
        );
      });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Allocate', 'Release', 'GetLease', 'ListLeases', 'Reconcile', 'PlanVolumes', 'Heartbeat'),
        fc.uint8Array({ maxLength: 200 }),
        async (method, bytes) => {
          const before = await snapshot(t.raw);
          const err = await call(method, Buffer.from(bytes));
          if (err) {
            // Unparseable bytes are the transport's INTERNAL ("failed to parse"); parseable ones are judged as requests.
            expect([...REFUSALS, 'INTERNAL']).toContain(grpc.status[err.code]);
            expect(await snapshot(t.raw)).toEqual(before);
          }
        },
      ),
      { numRuns: 100 },
    );
    client.close();
  });

  it('is still healthy and serving afterwards', async () => {
    const health = healthClient(t.server.address);
    expect(await health.check('', 2000)).toBe('SERVING');
    health.close();
    // A fresh lease: the fuzzing may validly have released 'existing' (a
    // Release or an empty Reconcile for node-1 is a well-formed request).
    const fresh = await t.client.Allocate({ host: 'node-after', workload_id: 'after-fuzz' });
    expect((await t.client.GetLease({ host: 'node-after', workload_id: 'after-fuzz' })).lease_id).toBe(fresh.lease.lease_id);
  });
});
