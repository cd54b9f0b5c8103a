import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { parseLevel } from '../../src/domain/level.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { NO_OPTIONS } from '../support/rpc.js';
import { connect, rpcError, startService, type TestClient } from '../support/service.js';

// MLS: pools at different sensitivities side by side in one Redis, and level
// names from setrans.conf wherever a request takes a level.

const SETRANS = `
# An MLS translation table
s0=SystemLow
s0-s3:c0.c1023=SystemLow-SystemHigh
s3:c0.c1023=SystemHigh
s2=Secret
s2:c100,c200=TopSecret
s2:c7=Secret:Seven
Domain=example
`;

let redis: TestRedis;
const servers: RunningServer[] = [];
const clients: TestClient[] = [];
let s0: TestClient;
let s2: TestClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  const dir = mkdtempSync(join(tmpdir(), 'mcs-setrans-'));
  const file = join(dir, 'setrans.conf');
  writeFileSync(file, SETRANS);
  for (const [pool, sensitivity] of [
    ['unclassified', 's0'],
    ['secret', 's2'],
  ] as const) {
    const server = await startService(redis.url, { pool, sensitivity, setrans: file, categories: 'c0.c255' });
    servers.push(server);
    const c = connect(server.address);
    clients.push(c);
    if (sensitivity === 's0') s0 = c;
    else s2 = c;
  }
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  await redis?.stop();
});

describe('pools at two sensitivities in one Redis', () => {
  it("lease levels, contexts and stats carry each pool's sensitivity", async () => {
    const low = (await s0.Allocate({ host: 'h', workload_id: 'w' })).lease;
    const high = (await s2.Allocate({ host: 'h', workload_id: 'w' })).lease;
    expect(parseLevel(low.level).sensitivity).toBe(0);
    expect(parseLevel(high.level).sensitivity).toBe(2);
    expect(parseLevel(high.level).categories).toHaveLength(2);
    expect(high.process_label).toBe(`system_u:system_r:container_t:${high.level}`);
    expect((await s2.GetPoolStats({})).sensitivity).toBe('s2');
    expect((await s0.GetPoolStats({})).sensitivity).toBe('s0');
    // Independent pools: each holds its own lease of the same workload.
    expect(low.lease_id).not.toBe(high.lease_id);
    const disabled = (await s2.Allocate({ host: 'h', workload_id: 'priv', options: { ...NO_OPTIONS, disable: true } })).lease;
    expect(disabled).toMatchObject({ level: 's2', process_label: 'system_u:system_r:spc_t:s2', level_name: 'Secret' });
    // The next tests name levels of their own: a random pair left here could contain one of their categories.
    await s0.Release({ lease_id: low.lease_id });
    await s2.Release({ lease_id: high.lease_id });
  });

  it('refuses to reopen a pool at another sensitivity', async () => {
    await expect(startService(redis.url, { pool: 'secret', sensitivity: 's3', categories: 'c0.c255' })).rejects.toThrow(/s2:c0.c255/);
  });
});

describe('level names', () => {
  it('a TopSecret request is leased at its raw level and conflict-checked like any static level', async () => {
    const { lease } = await s2.Allocate({ host: 'h1', workload_id: 'ts', options: { ...NO_OPTIONS, level: 'TopSecret' } });
    expect(lease).toMatchObject({ kind: 'STATIC', level: 's2:c100,c200', level_name: 'TopSecret' });
    expect((await s2.GetLease({ lease_id: lease.lease_id })).level_name).toBe('TopSecret');
    const again = await rpcError(s2.Allocate({ host: 'h2', workload_id: 'x', options: { ...NO_OPTIONS, level: 'TopSecret' } }));
    expect(err(again)).toEqual(['ALREADY_EXISTS', 'LEVEL_IN_USE']);
    const wider = await rpcError(s2.Allocate({ host: 'h2', workload_id: 'y', options: { ...NO_OPTIONS, level: 's2:c100,c200,c250' } }));
    expect(err(wider)).toEqual(['FAILED_PRECONDITION', 'LEVEL_DOMINANCE_CONFLICT']);
    expect(wider.details).toMatch(/level s2:c100,c200 of lease/);
    // A name with a ':' in it.
    expect((await s2.Allocate({ host: 'h1', workload_id: 'seven', options: { ...NO_OPTIONS, level: 'Secret:Seven' } })).lease.level).toBe(
      's2:c7',
    );
  });

  it.each([
    [() => s0, 'TopSecret', /options\.level: must be at the pool's sensitivity s0/],
    [() => s2, 'SystemLow-SystemHigh', /options\.level: "SystemLow-SystemHigh" is the range s0-s3:c0\.c1023; a lease has a single level/],
    [() => s2, 'NoSuchName', /options\.level: "NoSuchName" is neither a level nor a name in setrans\.conf/],
  ])('refuses %#: %s with INVALID_ARGUMENT', async (client, level, message) => {
    const e = await rpcError(client().Allocate({ host: 'h', workload_id: `bad-${level}`, options: { ...NO_OPTIONS, level } }));
    expect(grpc.status[e.code]).toBe('INVALID_ARGUMENT');
    expect(e.details).toMatch(message);
  });

  it('Reconcile takes names too', async () => {
    const res = await s2.Reconcile({
      host: 'h9',
      workloads: [
        { workload_id: 'r', level: 'Secret:Seven' },
        { workload_id: 'q', level: 's2:c50,c51' },
      ],
    });
    expect(res.conflicts.map((c) => [c.workload_id, c.reason])).toEqual([['r', 'LEVEL_IN_USE']]);
    expect(res.restored.map((l) => l.level)).toEqual(['s2:c50,c51']);
  });
});

function err(e: grpc.ServiceError): [string, string] {
  return [grpc.status[e.code], String(e.metadata.get('mcs-error-reason')[0])];
}
