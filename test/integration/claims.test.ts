import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { pathsOverlap } from '../../src/domain/paths.js';
import { builtinProfile } from '../../src/domain/profile.js';
import { VolumeConflictError } from '../../src/store/errors.js';
import { LeaseStore, type Claim } from '../../src/store/lease-store.js';
import { TestRedis } from '../../testkit/redis-server.js';

// The store's claim conflict check (claims.lua walks a path's ancestors with
// a few sorted-set probes) against the rule it implements, computed here
// from scratch: a claim conflicts with another live lease's claim on the
// same path, an ancestor or a descendant when either of them is private (Z).

let redis: TestRedis;
let client: Redis;
let store: LeaseStore;

beforeAll(async () => {
  redis = await TestRedis.start();
  client = redis.client();
  store = new LeaseStore(client, {
    name: 'claims',
    sensitivity: 's0',
    categories: parseCategoryRange('c0.c63'),
    reserved: [],
    profile: builtinProfile('container')!,
  });
  await store.init();
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

// Paths over a tiny alphabet, so that they share ancestors, prefixes that
// are not ancestors (/a and /ab) and siblings that sort between them (/a.b).
const segment = fc.constantFrom('a', 'b', 'ab', 'a.b', 'a-', 'z');
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`);
const claim = fc.record({ path, mode: fc.constantFrom<'z' | 'Z'>('z', 'Z') });

function conflicts(c: { path: string; mode: 'z' | 'Z' }, held: readonly { path: string; mode: 'z' | 'Z' }[]): boolean {
  return held.some((h) => pathsOverlap(c.path, h.path) && (c.mode === 'Z' || h.mode === 'Z'));
}

describe('claim conflicts', () => {
  it('match the rule for random claim sets', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(claim, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }),
        claim,
        async (leases, probe) => {
          round += 1;
          const host = `h${round}`;
          // The granted claims, lease by lease, as the rule says they may be.
          const held: { path: string; mode: 'z' | 'Z' }[] = [];
          for (const [i, want] of leases.entries()) {
            const claims: Claim[] = want.map((c) => ({ scope: `h:${host}`, path: c.path, mode: c.mode }));
            // One lease's own claims never conflict with each other here (the
            // request rules refuse mixed modes on one branch before the store).
            const own = want.filter((c, j) => want.findIndex((d) => d.path === c.path && d.mode === c.mode) === j);
            if (own.some((c) => own.some((d) => d !== c && pathsOverlap(c.path, d.path) && c.mode !== d.mode))) continue;
            const expected = own.some((c) => conflicts(c, held));
            const got = await store.allocate({ host, workloadId: `w${i}`, claims }).then(
              () => false,
              (err: unknown) => {
                if (err instanceof VolumeConflictError) return true;
                throw err;
              },
            );
            expect(got).toBe(expected);
            if (!got) held.push(...own);
          }
          const refused = await store
            .allocate({ host, workloadId: 'probe', claims: [{ scope: `h:${host}`, path: probe.path, mode: probe.mode }] })
            .then(
              () => false,
              (err: unknown) => err instanceof VolumeConflictError,
            );
          expect(refused).toBe(conflicts(probe, held));
          for (const w of [...leases.keys()].map((i) => `w${i}`).concat('probe')) await store.release({ host, workloadId: w });
        },
      ),
      { numRuns: 150 },
    );
  });
});
