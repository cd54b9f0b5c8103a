import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MAX_CATEGORY, MAX_SENSITIVITY } from '../../src/domain/categories.js';
import { LabelSyntaxError } from '../../src/domain/errors.js';
import {
  type Level,
  type LevelRange,
  canonicalLevel,
  categoriesWithin,
  compareLevels,
  dominates,
  formatLevel,
  formatMlsRange,
  levelsEqual,
  parseLevel,
  parseMlsRange,
} from '../../src/domain/level.js';
import { thrown } from '../support/throws.js';

const syntaxError = (fn: () => unknown): LabelSyntaxError => thrown(LabelSyntaxError, fn);

const L = (sensitivity: number, ...categories: number[]): Level => ({ sensitivity, categories });
const all = Array.from({ length: MAX_CATEGORY + 1 }, (_, k) => k);

describe('parseLevel / formatLevel / canonicalLevel: accepted', () => {
  it.each<[string, Level, string]>([
    ['s0', L(0), 's0'],
    ['s2:c5', L(2, 5), 's2:c5'],
    ['s0:c1,c2', L(0, 1, 2), 's0:c1,c2'],
    ['s0:c2,c1', L(0, 1, 2), 's0:c1,c2'],
    ['s0:c0,c1,c2,c3', L(0, 0, 1, 2, 3), 's0:c0.c3'],
    ['s0:c0.c3,c7', L(0, 0, 1, 2, 3, 7), 's0:c0.c3,c7'],
    ['s0:c0.c1', L(0, 0, 1), 's0:c0,c1'],
    ['s15:c1023', L(15, 1023), 's15:c1023'],
    ['s1023', L(1023), 's1023'],
    ['s0:c0.c1023', { sensitivity: 0, categories: all }, 's0:c0.c1023'],
  ])('%s', (text, level, canonical) => {
    const parsed = parseLevel(text);
    expect(parsed).toEqual(level);
    expect(formatLevel(parsed)).toBe(canonical);
    expect(canonicalLevel(text)).toBe(canonical);
  });
});

describe('parseLevel: rejected', () => {
  it.each<[string, string]>([
    ['', 'level is empty'],
    ['s0:', 'level "s0:" has a ":" but no categories after it'],
    ['s0-s0', 'expected a single level but "s0-s0" is a range'],
    ['s0:c1-s0:c1.c3', 'expected a single level'],
    ['s01', 'sensitivity "s01" has a leading zero'],
    ['s00:c1', 'sensitivity "s00" has a leading zero'],
    ['s1024', 'sensitivity s1024 is above s1023'],
    ['s99999999999999999999999', 'is above s1023'],
    ['S0', 'sensitivity "S0" must start with "s"'],
    ['c0', 'sensitivity "c0" must start with "s"'],
    ['s', 'sensitivity "s" has no number'],
    ['sx', 'sensitivity "sx" must be "s" followed by digits only'],
    [':c1', 'sensitivity is empty'],
    ['s0:c01', 'category "c01" has a leading zero'],
    ['s0:c1,c1', 'category c1 appears twice'],
    ['s0:c5.c2', 'range "c5.c2" is reversed'],
    ['s0:c1024', 'category c1024 is above c1023'],
    ['s0 :c1', 'level "s0 :c1" contains whitespace'],
    ['s0:c1 ', 'contains whitespace'],
    ['s0:c1:c2', 'contains ":"'],
    ['s0:s1', 'contains "s"'],
    ['s0:c1,', 'has an empty item'],
    ['x'.repeat(70000), 'level is too long'],
  ])('%j: %s', (text, fragment) => {
    expect(syntaxError(() => parseLevel(text)).message).toContain(fragment);
  });
});

describe('formatLevel: invalid objects', () => {
  it.each<[string, Level]>([
    ['negative sensitivity', L(-1)],
    ['sensitivity above maximum', L(MAX_SENSITIVITY + 1)],
    ['fractional sensitivity', L(0.5)],
    ['unsorted categories', L(0, 2, 1)],
    ['category above maximum', L(0, 1024)],
  ])('throws RangeError for %s', (_what, level) => {
    expect(() => formatLevel(level)).toThrow(RangeError);
  });
});

describe('parseMlsRange / formatMlsRange: accepted', () => {
  it.each<[string, string]>([
    ['s0', 's0'],
    ['s0-s0', 's0'],
    ['s0-s0:c0.c1023', 's0-s0:c0.c1023'],
    ['s0:c1,c2-s0:c0.c1023', 's0:c1,c2-s0:c0.c1023'],
    ['s0:c2,c1-s0:c1,c2', 's0:c1,c2'],
    ['s0:c0,c1,c2-s1:c0.c5', 's0:c0.c2-s1:c0.c5'],
    ['s0-s15:c0.c1023', 's0-s15:c0.c1023'],
    ['s1:c3-s2:c3,c4', 's1:c3-s2:c3,c4'],
    ['s0-s1', 's0-s1'],
    ['s3:c1', 's3:c1'],
  ])('%s -> %s', (text, canonical) => {
    const r = parseMlsRange(text);
    expect(dominates(r.high, r.low)).toBe(true);
    expect(formatMlsRange(r)).toBe(canonical);
  });

  it('a single level gives low = high', () => {
    const r = parseMlsRange('s0:c1,c2');
    expect(r.low).toEqual(L(0, 1, 2));
    expect(r.high).toEqual(L(0, 1, 2));
  });

  it('keeps low and high apart', () => {
    const r = parseMlsRange('s0-s0:c0.c1023');
    expect(r.low).toEqual(L(0));
    expect(r.high).toEqual({ sensitivity: 0, categories: all });
  });
});

describe('parseMlsRange: rejected', () => {
  it.each<[string, string]>([
    ['', 'MLS range is empty'],
    ['s0:c0.c1023-s0', 'MLS range "s0:c0.c1023-s0" is invalid: high level s0 does not dominate low level s0:c0.c1023'],
    ['s1-s0', 'high level s0 does not dominate low level s1'],
    ['s0:c1-s0:c2', 'high level s0:c2 does not dominate low level s0:c1'],
    ['s1:c1-s2:c2', 'does not dominate'],
    ['s0-s0-s0', 'MLS range "s0-s0-s0" has more than one "-"'],
    ['s0--s0', 'has more than one "-"'],
    ['-s0', 'MLS range "-s0" is missing its low level'],
    ['s0-', 'MLS range "s0-" is missing its high level'],
    ['-', 'is missing its low level'],
    ['s0-s0:c01', 'high level: category "c01" has a leading zero'],
    ['s01-s1', 'low level: sensitivity "s01" has a leading zero'],
    ['s0:-s0', 'low level: level "s0:" has a ":" but no categories'],
  ])('%j: %s', (text, fragment) => {
    expect(syntaxError(() => parseMlsRange(text)).message).toContain(fragment);
  });

  it('parseMlsRange of a bad single level reports the level problem', () => {
    expect(syntaxError(() => parseMlsRange('s0:c1,c1')).message).toBe('category c1 appears twice');
  });
});

describe('dominance', () => {
  it.each<[string, Level, Level, 'equal' | 'dominates' | 'dominated' | 'incomparable']>([
    ['same level', L(0, 1, 2), L(0, 1, 2), 'equal'],
    ['no categories', L(0), L(0), 'equal'],
    ['superset of categories', L(0, 1, 2, 3), L(0, 1, 3), 'dominates'],
    ['subset of categories', L(0, 1), L(0, 0, 1), 'dominated'],
    ['anything dominates s0 with no categories', L(0, 5), L(0), 'dominates'],
    ['disjoint categories', L(0, 1, 2), L(0, 3, 4), 'incomparable'],
    ['overlapping categories', L(0, 1, 2), L(0, 2, 3), 'incomparable'],
    ['higher sensitivity, same categories', L(2, 1), L(1, 1), 'dominates'],
    ['higher sensitivity, fewer categories', L(2), L(1, 1), 'incomparable'],
    ['lower sensitivity, more categories', L(0, 1, 2), L(1, 1), 'incomparable'],
    ['full set at s0 against a pair', { sensitivity: 0, categories: all }, L(0, 1022, 1023), 'dominates'],
    ['pair against full set', L(0, 0, 1), { sensitivity: 0, categories: all }, 'dominated'],
    ['last category missing', L(0, 1, 2, 3), L(0, 1, 4), 'incomparable'],
  ])('%s', (_what, a, b, expected) => {
    expect(compareLevels(a, b)).toBe(expected);
    expect(dominates(a, b)).toBe(expected === 'equal' || expected === 'dominates');
    expect(dominates(b, a)).toBe(expected === 'equal' || expected === 'dominated');
    expect(levelsEqual(a, b)).toBe(expected === 'equal');
  });

  it('levelsEqual compares sensitivity and every category', () => {
    expect(levelsEqual(L(0, 1, 2), L(0, 1, 2))).toBe(true);
    expect(levelsEqual(L(0, 1, 2), L(1, 1, 2))).toBe(false);
    expect(levelsEqual(L(0, 1, 2), L(0, 1, 3))).toBe(false);
    expect(levelsEqual(L(0, 1), L(0, 1, 2))).toBe(false);
  });

  it('handles full 1024-category sets in linear time', () => {
    const full = { sensitivity: 0, categories: all };
    const odd = { sensitivity: 0, categories: all.filter((c) => c % 2 === 1) };
    const start = performance.now();
    for (let k = 0; k < 2000; k++) {
      expect(dominates(full, odd)).toBe(true);
      expect(dominates(odd, full)).toBe(false);
    }
    // A nested-loop superset check would need ~1e9 comparisons here.
    expect(performance.now() - start).toBeLessThan(5000);
  });
});

describe('categoriesWithin', () => {
  it.each<[Level, number, number, boolean]>([
    [L(0), 0, 1023, true],
    [L(0, 0, 1023), 0, 1023, true],
    [L(0, 5, 6), 5, 6, true],
    [L(0, 4, 6), 5, 10, false],
    [L(0, 5, 11), 5, 10, false],
    [L(3, 100, 200, 300), 100, 300, true],
    [L(0, 99), 100, 300, false],
  ])('%j within c%i.c%i: %s', (level, low, high, expected) => {
    expect(categoriesWithin(level, { low, high })).toBe(expected);
  });
});

// Small domains make dominance and equality common enough to test the laws.
const smallLevel: fc.Arbitrary<Level> = fc.record({
  sensitivity: fc.integer({ min: 0, max: 3 }),
  categories: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }).map((xs) => [...xs].sort((a, b) => a - b)),
});
const anyLevel: fc.Arbitrary<Level> = fc.record({
  sensitivity: fc.integer({ min: 0, max: MAX_SENSITIVITY }),
  categories: fc.uniqueArray(fc.integer({ min: 0, max: MAX_CATEGORY }), { maxLength: 300 }).map((xs) => [...xs].sort((a, b) => a - b)),
});
const level = fc.oneof(smallLevel, anyLevel);

/** A level that dominates `base`: same or higher sensitivity, extra categories. */
function above(base: Level): fc.Arbitrary<Level> {
  return fc
    .record({
      extraSens: fc.integer({ min: 0, max: 2 }),
      extraCats: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }),
    })
    .map(({ extraSens, extraCats }) => ({
      sensitivity: Math.min(MAX_SENSITIVITY, base.sensitivity + extraSens),
      categories: [...new Set([...base.categories, ...extraCats])].sort((a, b) => a - b),
    }));
}

/** Reference dominance with sets, to check the merge-based one against. */
function naiveDominates(a: Level, b: Level): boolean {
  const have = new Set(a.categories);
  return a.sensitivity >= b.sensitivity && b.categories.every((c) => have.has(c));
}

describe('dominance laws', () => {
  it('agrees with a set-based reference', () => {
    fc.assert(
      fc.property(level, level, (a, b) => {
        expect(dominates(a, b)).toBe(naiveDominates(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('is reflexive', () => {
    fc.assert(
      fc.property(level, (a) => {
        expect(dominates(a, a)).toBe(true);
        expect(compareLevels(a, a)).toBe('equal');
      }),
    );
  });

  it('is antisymmetric: mutual dominance means equal', () => {
    fc.assert(
      fc.property(smallLevel, smallLevel, (a, b) => {
        if (dominates(a, b) && dominates(b, a)) expect(levelsEqual(a, b)).toBe(true);
        else expect(levelsEqual(a, b)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('is transitive on random triples', () => {
    // Without a chain a -> b -> c, a's dominance of c is still what the
    // reference says; the runs must include chains (about 55 of 2,000) for
    // the law to be tested at all.
    let chains = 0;
    fc.assert(
      fc.property(smallLevel, smallLevel, smallLevel, (a, b, c) => {
        if (dominates(a, b) && dominates(b, c)) {
          chains++;
          expect(dominates(a, c)).toBe(true);
        } else {
          expect(dominates(a, c)).toBe(naiveDominates(a, c));
        }
      }),
      { numRuns: 2000 },
    );
    expect(chains).toBeGreaterThan(20);
  });

  it('is transitive on constructed chains', () => {
    const chain = level.chain((c) => above(c).chain((b) => above(b).map((a) => ({ a, b, c }))));
    fc.assert(
      fc.property(chain, ({ a, b, c }) => {
        expect(dominates(a, b)).toBe(true);
        expect(dominates(b, c)).toBe(true);
        expect(dominates(a, c)).toBe(true);
      }),
    );
  });

  it('compareLevels is consistent with dominates', () => {
    fc.assert(
      fc.property(level, level, (a, b) => {
        const ab = dominates(a, b);
        const ba = dominates(b, a);
        const expected = ab && ba ? 'equal' : ab ? 'dominates' : ba ? 'dominated' : 'incomparable';
        expect(compareLevels(a, b)).toBe(expected);
        const mirrored = { equal: 'equal', dominates: 'dominated', dominated: 'dominates', incomparable: 'incomparable' };
        expect(compareLevels(b, a)).toBe(mirrored[expected]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('level text properties', () => {
  it('parseLevel(formatLevel(l)) equals l', () => {
    fc.assert(
      fc.property(level, (l) => {
        expect(parseLevel(formatLevel(l))).toEqual(l);
      }),
      { numRuns: 500 },
    );
  });

  it('canonicalLevel is idempotent', () => {
    fc.assert(
      fc.property(level, (l) => {
        const once = formatLevel(l);
        expect(canonicalLevel(once)).toBe(once);
        expect(canonicalLevel(canonicalLevel(once))).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('parseMlsRange(formatMlsRange(r)) equals r', () => {
    const mlsRange: fc.Arbitrary<LevelRange> = level.chain((low) => above(low).map((high) => ({ low, high })));
    fc.assert(
      fc.property(mlsRange, (r) => {
        const text = formatMlsRange(r);
        expect(parseMlsRange(text)).toEqual(r);
        expect(text.includes('-')).toBe(!levelsEqual(r.low, r.high));
      }),
      { numRuns: 500 },
    );
  });

  it('a range is accepted exactly when high dominates low', () => {
    fc.assert(
      fc.property(smallLevel, smallLevel, (low, high) => {
        const text = `${formatLevel(low)}-${formatLevel(high)}`;
        if (dominates(high, low)) expect(parseMlsRange(text)).toEqual({ low, high });
        else expect(syntaxError(() => parseMlsRange(text)).message).toContain('does not dominate');
      }),
      { numRuns: 1000 },
    );
  });
});
