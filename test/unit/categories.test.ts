import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MAX_CATEGORY, formatCategoryRange, formatCategorySet, parseCategoryRange, parseCategorySet } from '../../src/domain/categories.js';
import { LabelSyntaxError, MAX_LABEL_TEXT, quote } from '../../src/domain/errors.js';
import { thrown } from '../support/throws.js';

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);

const syntaxError = (fn: () => unknown): LabelSyntaxError => thrown(LabelSyntaxError, fn);

describe('LabelSyntaxError', () => {
  it('is an Error named LabelSyntaxError', () => {
    const e = new LabelSyntaxError('boom');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('LabelSyntaxError');
    expect(e.message).toBe('boom');
    expect(String(e)).toBe('LabelSyntaxError: boom');
  });

  it('quote() escapes control bytes and cuts long text', () => {
    expect(quote('c01')).toBe('"c01"');
    expect(quote('a\nb')).toBe('"a\\nb"');
    const long = quote('x'.repeat(1000));
    expect(long.length).toBeLessThan(100);
    expect(long).toContain('(1000 characters)');
  });
});

describe('parseCategorySet / formatCategorySet: accepted', () => {
  it.each<[string, number[], string]>([
    ['c0', [0], 'c0'],
    ['c1023', [1023], 'c1023'],
    ['c2,c1', [1, 2], 'c1,c2'],
    ['c3,c1,c2', [1, 2, 3], 'c1.c3'],
    ['c0.c3,c7', [0, 1, 2, 3, 7], 'c0.c3,c7'],
    ['c0,c1,c2,c3', [0, 1, 2, 3], 'c0.c3'],
    ['c0,c1', [0, 1], 'c0,c1'],
    ['c0.c1', [0, 1], 'c0,c1'],
    ['c0.c2', [0, 1, 2], 'c0.c2'],
    ['c0.c1,c2.c3', [0, 1, 2, 3], 'c0.c3'],
    ['c5,c0.c2,c4', [0, 1, 2, 4, 5], 'c0.c2,c4,c5'],
    ['c10,c12,c14', [10, 12, 14], 'c10,c12,c14'],
    ['c7,c0.c3', [0, 1, 2, 3, 7], 'c0.c3,c7'],
    ['c1022.c1023', [1022, 1023], 'c1022,c1023'],
    ['c0.c1023', range(0, 1023), 'c0.c1023'],
    ['c0.c511,c512.c1023', range(0, 1023), 'c0.c1023'],
  ])('%s -> %j -> %s', (text, cats, canonical) => {
    const parsed = parseCategorySet(text);
    expect(parsed).toEqual(cats);
    expect(formatCategorySet(parsed)).toBe(canonical);
  });
});

describe('parseCategorySet: rejected', () => {
  it.each<[string, string]>([
    ['', 'category set is empty'],
    ['c1,,c2', 'category set "c1,,c2" has an empty item'],
    ['c1,', 'has an empty item'],
    [',c1', 'has an empty item'],
    [',', 'has an empty item'],
    ['c1, c2', 'category set "c1, c2" contains whitespace'],
    [' c1', 'contains whitespace'],
    ['c1\t', 'contains whitespace'],
    ['c1\n', 'contains whitespace'],
    ['c01', 'category "c01" has a leading zero'],
    ['c00', 'category "c00" has a leading zero'],
    ['c1,c007', 'category "c007" has a leading zero'],
    ['1', 'category "1" must start with "c"'],
    ['c1,2', 'category "2" must start with "c"'],
    ['c', 'category "c" has no number'],
    ['cc1', 'category "cc1" must be "c" followed by digits only'],
    ['c1c', 'category "c1c" must be "c" followed by digits only'],
    ['c1024', 'category c1024 is above c1023'],
    ['c99999', 'category c99999 is above c1023'],
    ['c1.c1024', 'category c1024 is above c1023'],
    ['c123456789012345678901234567890', 'is above c1023'],
    ['c5.c2', 'range "c5.c2" is reversed: low must be below high'],
    ['c3.c3', 'range "c3.c3" is degenerate: low must be below high'],
    ['c1,c1', 'category c1 appears twice'],
    ['c7,c0.c9', 'category c7 appears twice'],
    ['c0.c3,c2', 'category c2 appears twice'],
    ['c0.c3,c2.c5', 'category c2 appears twice'],
    ['c0.c1023,c0', 'category c0 appears twice'],
    ['c1.c2.c3', 'range "c1.c2.c3" must have exactly one "."'],
    ['c1..c3', 'must have exactly one "."'],
    ['c1.', 'range "c1." is missing its high end'],
    ['.c1', 'range ".c1" is missing its low end'],
    ['c1;c2', 'contains ";"'],
    ['C1', 'contains "C"'],
    ['s0', 'contains "s"'],
    ['c1:c2', 'contains ":"'],
    ['c-1', 'contains "-"'],
    ['c+1', 'contains "+"'],
    ['c\uff11', 'contains "\uff11"'],
    ['c1\u0000', 'contains "\\u0000"'],
  ])('%j: %s', (text, fragment) => {
    expect(syntaxError(() => parseCategorySet(text)).message).toContain(fragment);
  });

  it('rejects over-long input before looking at its content', () => {
    // Content that would fail differently proves the length check comes first.
    const text = 'x'.repeat(MAX_LABEL_TEXT + 1);
    const message = syntaxError(() => parseCategorySet(text)).message;
    expect(message).toBe(`category set is too long: ${MAX_LABEL_TEXT + 1} characters (limit ${MAX_LABEL_TEXT})`);
  });

  it('rejects a long list of valid-looking duplicates at the first repeat', () => {
    const text = Array.from({ length: 10000 }, () => 'c5').join(',');
    expect(text.length).toBeLessThan(MAX_LABEL_TEXT);
    expect(syntaxError(() => parseCategorySet(text)).message).toBe('category c5 appears twice');
  });

  it('accepts a long but valid non-canonical spelling', () => {
    const text = range(0, MAX_CATEGORY)
      .reverse()
      .map((c) => `c${c}`)
      .join(',');
    expect(parseCategorySet(text)).toEqual(range(0, MAX_CATEGORY));
  });
});

describe('formatCategorySet', () => {
  it.each<[number[], string]>([
    [[], ''],
    [[0, 1], 'c0,c1'],
    [[0, 1, 2], 'c0.c2'],
    [[0, 2, 3, 4, 6, 7], 'c0,c2.c4,c6,c7'],
    [[1, 3, 5], 'c1,c3,c5'],
    [[0, 1, 3, 4, 5, 1023], 'c0,c1,c3.c5,c1023'],
    [[1021, 1022, 1023], 'c1021.c1023'],
    [[5, 6, 8, 9], 'c5,c6,c8,c9'],
  ])('%j -> %s', (cats, text) => {
    expect(formatCategorySet(cats)).toBe(text);
  });

  it.each<[string, number[]]>([
    ['unsorted', [2, 1]],
    ['unsorted later', [1, 2, 3, 0]],
    ['duplicate', [1, 1]],
    ['duplicate after a run', [1, 2, 3, 3]],
    ['above the maximum', [1024]],
    ['negative', [-1]],
    ['fractional', [0.5]],
    ['NaN', [Number.NaN]],
  ])('throws RangeError for %s input', (_what, cats) => {
    expect(() => formatCategorySet(cats)).toThrow(RangeError);
  });
});

describe('parseCategoryRange / formatCategoryRange', () => {
  it.each<[string, number, number]>([
    ['c0.c1023', 0, 1023],
    ['c0.c1', 0, 1],
    ['c10.c20', 10, 20],
    ['c1022.c1023', 1022, 1023],
  ])('%s', (text, low, high) => {
    const r = parseCategoryRange(text);
    expect(r).toEqual({ low, high });
    expect(formatCategoryRange(r)).toBe(text);
  });

  it.each<[string, string]>([
    ['', 'category range "" must have the form cLOW.cHIGH'],
    ['c0', 'category range "c0" must have the form cLOW.cHIGH'],
    ['c0,c1', 'must have the form cLOW.cHIGH'],
    ['c0.c1,c3', 'category range "c0.c1,c3" may only contain "c", digits and one "."'],
    [' c0.c1', 'may only contain'],
    ['s0.s1', 'may only contain'],
    ['c0.c1.c2', 'range "c0.c1.c2" must have exactly one "."'],
    ['c0.c0', 'range "c0.c0" is degenerate'],
    ['c5.c2', 'range "c5.c2" is reversed: low must be below high'],
    ['c0.c1024', 'category c1024 is above c1023'],
    ['c00.c1', 'category "c00" has a leading zero'],
    ['0.c1', 'category "0" must start with "c"'],
    ['c0.', 'is missing its high end'],
    ['x'.repeat(MAX_LABEL_TEXT + 1), 'category range is too long'],
  ])('rejects %j: %s', (text, fragment) => {
    expect(syntaxError(() => parseCategoryRange(text)).message).toContain(fragment);
  });

  it.each<[string, { low: number; high: number }]>([
    ['low == high', { low: 5, high: 5 }],
    ['low > high', { low: 6, high: 5 }],
    ['negative', { low: -1, high: 5 }],
    ['above maximum', { low: 0, high: 1024 }],
    ['fractional', { low: 0.5, high: 3 }],
  ])('formatCategoryRange throws RangeError for %s', (_what, r) => {
    expect(() => formatCategoryRange(r)).toThrow(RangeError);
  });
});

// Sets with both sparse members and long runs, so every formatting branch
// (single, pair, range) is exercised.
const denseSet = fc
  .array(fc.record({ start: fc.integer({ min: 0, max: MAX_CATEGORY }), len: fc.integer({ min: 1, max: 6 }) }), {
    minLength: 1,
    maxLength: 20,
  })
  .map((runs) => {
    const s = new Set<number>();
    for (const { start, len } of runs) for (let c = start; c < start + len && c <= MAX_CATEGORY; c++) s.add(c);
    return [...s].sort((a, b) => a - b);
  });
const sparseSet = fc
  .uniqueArray(fc.integer({ min: 0, max: MAX_CATEGORY }), { minLength: 1, maxLength: 200 })
  .map((xs) => [...xs].sort((a, b) => a - b));
const smallSet = fc
  .uniqueArray(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 13 })
  .map((xs) => [...xs].sort((a, b) => a - b));
const categorySet = fc.oneof(denseSet, sparseSet, smallSet);

/** Splits sorted cats into maximal runs. */
function runs(cats: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const c of cats) {
    const last = out[out.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else out.push([c, c]);
  }
  return out;
}

/**
 * Any valid, generally non-canonical spelling of cats: runs cut into random
 * pieces, each piece written as a range (when it has 2+ members) or as
 * singles, and the items shuffled.
 */
const spelling = categorySet.chain((cats) =>
  fc
    .array(fc.integer({ min: 1, max: 5 }), { minLength: cats.length, maxLength: cats.length })
    .chain((cuts) => {
      const items: string[] = [];
      let k = 0;
      for (const [lo, hi] of runs(cats)) {
        let c = lo;
        while (c <= hi) {
          const end = Math.min(hi, c + (cuts[k++ % cuts.length] ?? 1) - 1);
          if (end > c) items.push(`c${c}.c${end}`);
          else items.push(`c${c}`);
          c = end + 1;
        }
      }
      return fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });
    })
    .map((items) => ({ cats, text: items.join(',') })),
);

describe('category set properties', () => {
  it('parse(format(cats)) === cats', () => {
    fc.assert(
      fc.property(categorySet, (cats) => {
        expect(parseCategorySet(formatCategorySet(cats))).toEqual(cats);
      }),
      { numRuns: 500 },
    );
  });

  it('canonical form is idempotent', () => {
    fc.assert(
      fc.property(categorySet, (cats) => {
        const once = formatCategorySet(cats);
        expect(formatCategorySet(parseCategorySet(once))).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('every valid spelling parses to the same set and canonical text', () => {
    fc.assert(
      fc.property(spelling, ({ cats, text }) => {
        const parsed = parseCategorySet(text);
        expect(parsed).toEqual(cats);
        expect(formatCategorySet(parsed)).toBe(formatCategorySet(cats));
      }),
      { numRuns: 500 },
    );
  });

  it('canonical text follows the kernel rules: ranges only for 3+ runs, pairs only as c,c', () => {
    fc.assert(
      fc.property(categorySet, (cats) => {
        const items = formatCategorySet(cats)
          .split(',')
          .map((item) => {
            const [lo = '', hi] = item.split('.');
            return [Number(lo.slice(1)), Number((hi ?? lo).slice(1))] as const;
          });
        for (let k = 0; k < items.length; k++) {
          const [lo, hi] = items[k] as readonly [number, number];
          // A written range covers at least three categories.
          if (hi !== lo) expect(hi - lo).toBeGreaterThanOrEqual(2);
          const next = items[k + 1];
          if (next && next[0] === hi + 1) {
            // Touching items are exactly a two-run written as two singles.
            expect(lo).toBe(hi);
            expect(next[0]).toBe(next[1]);
            const before = items[k - 1];
            const after = items[k + 2];
            if (before) expect(before[1]).toBeLessThan(lo - 1);
            if (after) expect(after[0]).toBeGreaterThan(next[1] + 1);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary text over the category alphabet either parses to a valid set or throws LabelSyntaxError', () => {
    const alphabet = fc.constantFrom('c', 'c', 'c', '0', '1', '2', '3', '9', '.', ',', ',', ' ', 'x');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 24 }).map((cs) => cs.join('')),
        (text) => {
          let parsed: number[];
          try {
            parsed = parseCategorySet(text);
          } catch (e) {
            expect(e).toBeInstanceOf(LabelSyntaxError);
            return;
          }
          expect(parsed.length).toBeGreaterThan(0);
          for (let k = 1; k < parsed.length; k++) expect(parsed[k]).toBeGreaterThan(parsed[k - 1] as number);
          expect(parseCategorySet(formatCategorySet(parsed))).toEqual(parsed);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
