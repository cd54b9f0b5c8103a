import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MAX_CATEGORY } from '../../src/domain/categories.js';
import { formatLevel, parseLevel } from '../../src/domain/level.js';
import { PairSpace, pairCount } from '../../src/domain/pairs.js';

const DEFAULT = { low: 0, high: MAX_CATEGORY };

/** Any pool range: 0 <= low < high <= MAX_CATEGORY. */
const poolRange = fc
  .tuple(fc.integer({ min: 0, max: MAX_CATEGORY }), fc.integer({ min: 0, max: MAX_CATEGORY }))
  .filter(([x, y]) => x !== y)
  .map(([x, y]) => ({ low: Math.min(x, y), high: Math.max(x, y) }));

/**
 * Walks the space in rank order by brute force (j outer, i inner, which is
 * the contract's ordering) and counts every disagreement with rank/unrank.
 * Counting and asserting once keeps a 523,776-step loop fast.
 */
function checkWholeSpace(space: PairSpace): { visited: number; mismatches: string[] } {
  const { low, high } = space.range;
  const n = high - low + 1;
  const mismatches: string[] = [];
  let expected = 0;
  for (let j = 1; j < n; j++) {
    for (let i = 0; i < j; i++) {
      const a = low + i;
      const b = low + j;
      const r = space.rank(a, b);
      const [ua, ub] = space.unrank(expected);
      if (r !== expected || ua !== a || ub !== b || !(ua < ub) || ua < low || ub > high) {
        if (mismatches.length < 10) mismatches.push(`rank ${expected}: rank(${a},${b})=${r}, unrank=(${ua},${ub})`);
      }
      expected++;
    }
  }
  return { visited: expected, mismatches };
}

describe('pairCount', () => {
  it.each<[number, number]>([
    [0, 0],
    [1, 0],
    [2, 1],
    [3, 3],
    [4, 6],
    [10, 45],
    [1024, 523776],
  ])('pairCount(%i) = %i', (n, count) => {
    expect(pairCount(n)).toBe(count);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d', (n) => {
    expect(() => pairCount(n)).toThrow(RangeError);
  });
});

describe('PairSpace construction', () => {
  it('default pool c0.c1023 holds 523,776 pairs', () => {
    const space = new PairSpace(DEFAULT);
    expect(space.size).toBe(523776);
    expect(space.range).toEqual(DEFAULT);
  });

  it.each<[number, number, number]>([
    [0, 1, 1],
    [0, 2, 3],
    [5, 9, 10],
    [512, 1023, (512 * 511) / 2],
  ])('c%i.c%i holds %i pairs', (low, high, size) => {
    expect(new PairSpace({ low, high }).size).toBe(size);
  });

  it.each<[string, number, number]>([
    ['low == high', 5, 5],
    ['low > high', 6, 5],
    ['negative low', -1, 5],
    ['high above maximum', 0, 1024],
    ['fractional', 0.5, 3],
    ['NaN', Number.NaN, 3],
  ])('rejects %s', (_what, low, high) => {
    expect(() => new PairSpace({ low, high })).toThrow(RangeError);
  });
});

describe('rank / unrank: the contract formula', () => {
  const space = new PairSpace(DEFAULT);

  it.each<[number, number, number]>([
    [0, 1, 0],
    [0, 2, 1],
    [1, 2, 2],
    [0, 3, 3],
    [2, 3, 5],
    [0, 4, 6],
    [0, 1023, (1023 * 1022) / 2],
    [1022, 1023, 523775],
    [100, 200, (200 * 199) / 2 + 100],
  ])('rank(%i, %i) = %i in c0.c1023', (a, b, r) => {
    expect(space.rank(a, b)).toBe(r);
    expect(space.unrank(r)).toEqual([a, b]);
  });

  it.each<[number, number, number, number, number]>([
    // Offsets are taken from the pool's low category.
    [10, 20, 10, 11, 0],
    [10, 20, 10, 12, 1],
    [10, 20, 11, 12, 2],
    [10, 20, 19, 20, 54],
    [10, 20, 10, 20, 45],
    [1000, 1023, 1000, 1023, (23 * 22) / 2],
  ])('in c%i.c%i rank(%i, %i) = %i', (low, high, a, b, r) => {
    const sub = new PairSpace({ low, high });
    expect(sub.rank(a, b)).toBe(r);
    expect(sub.unrank(r)).toEqual([a, b]);
  });

  it('round-trips every one of the 523,776 ranks of c0.c1023 in dense order', () => {
    const { visited, mismatches } = checkWholeSpace(space);
    expect(mismatches).toEqual([]);
    expect(visited).toBe(space.size);
  });

  it('round-trips every rank of random sub-ranges', () => {
    fc.assert(
      fc.property(poolRange, (range) => {
        const sub = new PairSpace(range);
        const { visited, mismatches } = checkWholeSpace(sub);
        expect(mismatches).toEqual([]);
        expect(visited).toBe(sub.size);
      }),
      { numRuns: 30 },
    );
  });

  it('unrank yields a < b inside the range and rank inverts it', () => {
    const input = poolRange.chain((range) => fc.integer({ min: 0, max: new PairSpace(range).size - 1 }).map((r) => ({ range, r })));
    fc.assert(
      fc.property(input, ({ range, r }) => {
        const sub = new PairSpace(range);
        const [a, b] = sub.unrank(r);
        expect(Number.isInteger(a) && Number.isInteger(b)).toBe(true);
        expect(a).toBeGreaterThanOrEqual(range.low);
        expect(a).toBeLessThan(b);
        expect(b).toBeLessThanOrEqual(range.high);
        expect(sub.rank(a, b)).toBe(r);
      }),
      { numRuns: 2000 },
    );
  });

  it('rank is the same in every pool that shares the low category', () => {
    // The j-major order makes a smaller pool's ranks a prefix of a larger one's.
    const input = fc
      .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 23 }))
      .chain(([low, width, extra]) => {
        const small = { low, high: Math.min(MAX_CATEGORY, low + width) };
        const big = { low, high: Math.min(MAX_CATEGORY, small.high + extra) };
        return fc.integer({ min: 0, max: new PairSpace(small).size - 1 }).map((r) => ({ small, big, r }));
      });
    fc.assert(
      fc.property(input, ({ small, big, r }) => {
        const [a, b] = new PairSpace(small).unrank(r);
        expect(new PairSpace(big).rank(a, b)).toBe(r);
      }),
      { numRuns: 500 },
    );
  });

  it.each<[string, number, number]>([
    ['a == b', 5, 5],
    ['a > b', 6, 5],
    ['a below the range', -1, 5],
    ['b above the range', 0, 1024],
    ['fractional a', 0.5, 3],
    ['NaN b', 0, Number.NaN],
  ])('rank rejects %s', (_what, a, b) => {
    expect(() => space.rank(a, b)).toThrow(RangeError);
  });

  it('rank rejects categories outside a sub-range', () => {
    const sub = new PairSpace({ low: 10, high: 20 });
    expect(() => sub.rank(9, 15)).toThrow(RangeError);
    expect(() => sub.rank(15, 21)).toThrow(RangeError);
  });

  it.each([-1, 523776, 1e12, 0.5, Number.NaN, Number.POSITIVE_INFINITY])('unrank rejects %d', (r) => {
    expect(() => space.unrank(r)).toThrow(RangeError);
  });
});

describe('levelOf / rankOfLevel', () => {
  const space = new PairSpace(DEFAULT);

  it('levelOf gives s0:cA,cB by default', () => {
    expect(space.levelOf(0)).toEqual({ sensitivity: 0, categories: [0, 1] });
    expect(formatLevel(space.levelOf(523775))).toBe('s0:c1022,c1023');
  });

  it('levelOf takes a sensitivity', () => {
    expect(space.levelOf(5, 3)).toEqual({ sensitivity: 3, categories: [2, 3] });
  });

  it.each([-1, 1024, 0.5, Number.NaN])('levelOf rejects sensitivity %d', (s) => {
    expect(() => space.levelOf(0, s)).toThrow(RangeError);
  });

  it('levelOf rejects a bad rank', () => {
    expect(() => space.levelOf(space.size)).toThrow(RangeError);
  });

  it.each<[string, number | undefined]>([
    ['s0:c0,c1', 0],
    ['s0:c1,c2', 2],
    ['s5:c1,c2', 2],
    ['s0:c1022,c1023', 523775],
    ['s0', undefined],
    ['s0:c5', undefined],
    ['s0:c0.c2', undefined],
    ['s0:c0.c1023', undefined],
  ])('rankOfLevel(%s) in c0.c1023 = %s', (text, expected) => {
    expect(space.rankOfLevel(parseLevel(text))).toBe(expected);
  });

  it.each<[string, number | undefined]>([
    ['s0:c10,c11', 0],
    ['s0:c19,c20', 54],
    ['s0:c9,c11', undefined],
    ['s0:c10,c21', undefined],
    ['s0:c0,c1', undefined],
  ])('rankOfLevel(%s) in c10.c20 = %s', (text, expected) => {
    expect(new PairSpace({ low: 10, high: 20 }).rankOfLevel(parseLevel(text))).toBe(expected);
  });

  it('rankOfLevel refuses malformed level objects instead of throwing', () => {
    expect(space.rankOfLevel({ sensitivity: 0, categories: [5, 3] })).toBeUndefined();
    expect(space.rankOfLevel({ sensitivity: 0, categories: [3, 3] })).toBeUndefined();
    expect(space.rankOfLevel({ sensitivity: 0, categories: [0.5, 3] })).toBeUndefined();
  });

  it('rankOfLevel(levelOf(r, s)) === r, also through text', () => {
    const input = poolRange.chain((range) =>
      fc
        .tuple(fc.integer({ min: 0, max: new PairSpace(range).size - 1 }), fc.integer({ min: 0, max: 15 }))
        .map(([r, s]) => ({ range, r, s })),
    );
    fc.assert(
      fc.property(input, ({ range, r, s }) => {
        const sub = new PairSpace(range);
        const level = sub.levelOf(r, s);
        expect(level.sensitivity).toBe(s);
        expect(sub.rankOfLevel(level)).toBe(r);
        expect(sub.rankOfLevel(parseLevel(formatLevel(level)))).toBe(r);
      }),
      { numRuns: 1000 },
    );
  });
});
