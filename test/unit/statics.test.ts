import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { parseLevel } from '../../src/domain/level.js';
import { coveredPairs, isWideLevel, reportedKind } from '../../src/domain/statics.js';
import { PairSpace } from '../../src/domain/pairs.js';
import { costBatches } from '../../src/store/lease-store.js';
import { isEventId } from '../../src/store/events.js';

const pool = parseCategoryRange('c0.c1023');

describe('coveredPairs: what a static level keeps out of random allocation', () => {
  it.each([
    ['s0:c5', 1023],
    ['s0:c5,c9', 0],
    ['s0:c1,c2,c3', 3],
    ['s0:c100.c131', 496],
    ['s0:c0.c1023', 523_776],
    ['s0:c0.c1021', 521_731],
    ['s0', 0],
  ])('%s covers %d pairs', (level, n) => {
    expect(coveredPairs(parseLevel(level), pool)).toBe(n);
  });

  it('equals the number of pairs of the pool comparable with the level, counted one by one', () => {
    const small = parseCategoryRange('c0.c11');
    const space = new PairSpace(small);
    const level = fc
      .uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 12 })
      .map((cats) => ({ sensitivity: 0, categories: [...cats].sort((a, b) => a - b) }));
    fc.assert(
      fc.property(level, (l) => {
        let comparable = 0;
        for (let r = 0; r < space.size; r++) {
          const [a, b] = space.unrank(r);
          const inside = l.categories.includes(a) && l.categories.includes(b);
          const below = l.categories.length === 1 && (a === l.categories[0] || b === l.categories[0]);
          if ((inside || below) && l.categories.length !== 2) comparable += 1;
        }
        expect(coveredPairs(l, small)).toBe(comparable);
      }),
    );
  });

  it('wide levels are those without a pair of their own', () => {
    expect(['s0:c1', 's0:c1,c2', 's0:c1.c3', 's0'].map((l) => isWideLevel(parseLevel(l)))).toEqual([true, false, true, false]);
  });
});

describe('reportedKind', () => {
  const p = { sensitivity: 0, categories: parseCategoryRange('c0.c99') };
  it.each([
    ['s0', 'disabled'],
    ['s0:c1,c2', 'pair'],
    ['s0:c1', 'static'],
    ['s0:c1.c5', 'static'],
    ['s0:c1,c200', 'outside'],
    ['s1:c1,c2', 'outside'],
  ])('%s is %s', (level, kind) => {
    expect(reportedKind(parseLevel(level), p)).toBe(kind);
  });
});

describe('costBatches: reconcile calls of bounded cost', () => {
  const w = (coveredPairs: number) => ({ coveredPairs });
  it('keeps order, bounds count and cost, and lets a dear item go alone', () => {
    const items = [w(0), w(0), w(2000), w(0), w(500), w(500), w(0)];
    const batches = costBatches(items, 3, 1024);
    expect(batches.flat()).toEqual(items);
    // 8 a workload plus what it covers: 8+8 fit, 2008 goes alone, 8+508+508 fit in 1024, then the last.
    expect(batches.map((b) => b.map((i) => i.coveredPairs))).toEqual([[0, 0], [2000], [0, 500, 500], [0]]);
  });

  it('never exceeds the budget except for a single dear item, never the count, and loses nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (costs, count) => {
        const batches = costBatches(costs.map(w), count, 1024);
        expect(batches.flat().map((i) => i.coveredPairs)).toEqual(costs);
        for (const b of batches) {
          expect(b.length).toBeGreaterThan(0);
          expect(b.length).toBeLessThanOrEqual(count);
          const cost = b.reduce((n, i) => n + 8 + i.coveredPairs, 0);
          if (b.length > 1) expect(cost).toBeLessThanOrEqual(1024);
        }
      }),
    );
  });
});

describe('isEventId', () => {
  it.each([
    ['1795945327853-0', true],
    ['0-0', true],
    ['18446744073709551615-18446744073709551615', true],
    ['18446744073709551616-0', false],
    ['99999999999999999999-0', false],
    ['1-', false],
    ['-1', false],
    ['1-2-3', false],
    ['abc', false],
    ['', false],
  ])('%s -> %s', (id, ok) => {
    expect(isEventId(id)).toBe(ok);
  });
});
