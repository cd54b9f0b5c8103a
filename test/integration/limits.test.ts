import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { LeaseEvent__Output } from '../../src/generated/mcs/v1/LeaseEvent.js';
import { NO_OPTIONS } from '../support/rpc.js';
import { rpcError, startService } from '../support/service.js';
import { useRedis } from '../support/fixtures.js';

// Quotas and limits: one host cannot drain the pool, and no request can
// make the server hold unbounded work.

const t = useRedis();

const service = (options: Parameters<typeof startService>[1]) => t.service(options);

describe('--host-quota', () => {
  it('caps the pairs one host holds; pods add nothing, static levels count the pairs they block', async () => {
    const { client: c } = await service({ pool: 'quota', categories: 'c0.c9', hostQuota: '5' });
    // s0:c0.c3 keeps its 6 pairs out of the pool: over a quota of 5.
    const wide = await rpcError(c.Allocate({ host: 'modest', workload_id: 'wide', options: { ...NO_OPTIONS, level: 's0:c0.c3' } }));
    expect(wide.metadata.get('mcs-error-reason')).toEqual(['HOST_QUOTA']);
    expect(wide.details).toMatch(/holds 0 pairs; 6 more would pass its quota of 5/);
    expect((await c.Allocate({ host: 'modest', workload_id: 'narrow', options: { ...NO_OPTIONS, level: 's0:c0.c2' } })).lease.level).toBe(
      's0:c0.c2',
    );
    const first = (await c.Allocate({ host: 'greedy', workload_id: 'w0' })).lease;
    for (let i = 1; i < 5; i++) await c.Allocate({ host: 'greedy', workload_id: `w${i}` });
    const err = await rpcError(c.Allocate({ host: 'greedy', workload_id: 'w5' }));
    expect(grpc.status[err.code]).toBe('RESOURCE_EXHAUSTED');
    expect(err.metadata.get('mcs-error-reason')).toEqual(['HOST_QUOTA']);
    expect(err.details).toBe('host greedy holds 5 pairs; 1 more would pass its quota of 5 (--host-quota)');
    // Pod members share the pair: no more quota.
    for (let i = 0; i < 3; i++) await c.Allocate({ host: 'greedy', workload_id: `pod-${i}`, share_with: first.lease_id });
    // Other hosts are not affected.
    expect((await c.Allocate({ host: 'modest', workload_id: 'w' })).created).toBe(true);
    // Releasing gives the quota back (the pod's pair only with its last member).
    await c.Release({ lease_id: first.lease_id });
    expect((await c.Allocate({ host: 'greedy', workload_id: 'w5' })).created).toBe(true);
  });

  it('defaults to 10% of the pool', async () => {
    const { client: c } = await service({ pool: 'quota10', categories: 'c0.c9', hostQuota: '10%' });
    for (let i = 0; i < 4; i++) await c.Allocate({ host: 'h', workload_id: `w${i}` });
    const err = await rpcError(c.Allocate({ host: 'h', workload_id: 'w4' }));
    expect(err.details).toMatch(/quota of 4 /);
  });
});

describe('bounded requests', () => {
  it('refuses a message above the size limit with RESOURCE_EXHAUSTED and keeps serving', async () => {
    const { client: c } = await service({ pool: 'big' });
    const err = await rpcError(c.Allocate({ host: 'h', workload_id: 'w', request_id: 'x'.repeat(5 * 1024 * 1024) }));
    expect(grpc.status[err.code]).toBe('RESOURCE_EXHAUSTED');
    expect((await c.GetPoolStats({})).pool).toBe('big');
  });

  it('caps WatchLeases streams per client', async () => {
    const { client: c } = await service({ pool: 'watchers', maxWatchesPerClient: '2' });
    const open: grpc.ClientReadableStream<LeaseEvent__Output>[] = [];
    const live = async () => {
      const s = c.raw.WatchLeases({ host: '', after_event_id: '' });
      s.on('data', () => {});
      open.push(s);
      return new Promise<void>((resolve, reject) => {
        s.once('metadata', () => resolve());
        s.once('error', reject);
      });
    };
    await live();
    await live();
    const third = await live().then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(third && grpc.status[third.code]).toBe('RESOURCE_EXHAUSTED');
    expect(third?.details).toMatch(/already has 2 WatchLeases streams open \(at most 2\)/);
    // Closing one frees a place.
    open[0]!.cancel();
    await new Promise((r) => setTimeout(r, 200));
    await live();
    for (const s of open) s.cancel();
  });
});
