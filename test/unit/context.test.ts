import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MAX_CATEGORY, formatCategorySet } from '../../src/domain/categories.js';
import { type SecurityContext, formatContext, formatPrefix, isIdentifier, labelFor, parseContext } from '../../src/domain/context.js';
import { LabelSyntaxError } from '../../src/domain/errors.js';
import { type Level, formatLevel, formatMlsRange } from '../../src/domain/level.js';
import { thrown } from '../support/throws.js';

const syntaxError = (fn: () => unknown): LabelSyntaxError => thrown(LabelSyntaxError, fn);

describe('isIdentifier', () => {
  it.each<[string, boolean]>([
    ['a', true],
    ['system_u', true],
    ['container_t', true],
    ['a.b-c_d9', true],
    ['Z', true],
    ['a'.repeat(255), true],
    ['a'.repeat(256), false],
    ['', false],
    ['9a', false],
    ['_a', false],
    ['-a', false],
    ['.a', false],
    ['a b', false],
    ['a:b', false],
    ['a$', false],
    ['é', false],
    ['a\n', false],
  ])('%j -> %s', (s, expected) => {
    expect(isIdentifier(s)).toBe(expected);
  });
});

describe('parseContext: accepted', () => {
  it.each<[string, SecurityContext]>([
    ['system_u:system_r:container_t:s0', { user: 'system_u', role: 'system_r', type: 'container_t', level: 's0' }],
    ['system_u:system_r:container_t:s0:c1,c2', { user: 'system_u', role: 'system_r', type: 'container_t', level: 's0:c1,c2' }],
    ['system_u:system_r:container_t:s0:c2,c1', { user: 'system_u', role: 'system_r', type: 'container_t', level: 's0:c1,c2' }],
    ['system_u:object_r:container_file_t:s0:c0,c1,c2', { user: 'system_u', role: 'object_r', type: 'container_file_t', level: 's0:c0.c2' }],
    [
      'unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023',
      { user: 'unconfined_u', role: 'unconfined_r', type: 'unconfined_t', level: 's0-s0:c0.c1023' },
    ],
    ['u:r:t:s0-s0', { user: 'u', role: 'r', type: 't', level: 's0' }],
    ['u.x:r-y:t.z-w:s2:c7', { user: 'u.x', role: 'r-y', type: 't.z-w', level: 's2:c7' }],
  ])('%s', (text, expected) => {
    expect(parseContext(text)).toEqual(expected);
  });
});

describe('parseContext: rejected', () => {
  it.each<[string, string]>([
    ['', 'context is empty'],
    ['system_u', 'context "system_u" has 1 part; expected user:role:type:level'],
    ['system_u:system_r', 'has 2 parts'],
    ['system_u:system_r:container_t', 'context "system_u:system_r:container_t" has 3 parts'],
    [':system_r:container_t:s0', 'has an empty user'],
    ['u::t:s0', 'has an empty role'],
    ['u:r::s0', 'has an empty type'],
    ['u:r:t:', 'context "u:r:t:" has an empty level'],
    [':::', 'has an empty user'],
    ['u :r:t:s0', 'contains whitespace'],
    ['u:r:t:s0 ', 'contains whitespace'],
    ['u:r:t:s0\u00a0', 'contains whitespace'],
    ['u:r:t:s0\n', 'contains control character U+000A at offset 8'],
    ['u:r:t:s0\u0000', 'contains control character U+0000'],
    ['u\u007f:r:t:s0', 'contains control character U+007F at offset 1'],
    ['9u:r:t:s0', 'context user "9u" is not a valid SELinux identifier'],
    ['u:r$:t:s0', 'context role "r$" is not a valid SELinux identifier'],
    ['u:r:t!:s0', 'context type "t!" is not a valid SELinux identifier'],
    [`u:r:${'t'.repeat(256)}:s0`, 'context type "tttt'],
    ['u:r:t:x', 'context level "x" is invalid: sensitivity "x" must start with "s"'],
    ['u:r:t:s0:c01', 'context level "s0:c01" is invalid: category "c01" has a leading zero'],
    ['u:r:t:s0:c1-s0', 'context level "s0:c1-s0" is invalid: MLS range "s0:c1-s0" is invalid: high level s0'],
    ['u:r:t:s0:c1:c2', 'contains ":"'],
    ['u:r:t:s0-s0-s0', 'has more than one "-"'],
    ['u:r:t:s0:', 'has a ":" but no categories'],
    [`u:r:t:s0:${'c1,'.repeat(30000)}`, 'context is too long'],
  ])('%j: %s', (text, fragment) => {
    expect(syntaxError(() => parseContext(text)).message).toContain(fragment);
  });
});

describe('formatting', () => {
  const prefix = { user: 'system_u', role: 'system_r', type: 'container_t' };

  it('formatContext joins the four parts', () => {
    expect(formatContext({ ...prefix, level: 's0:c1,c2' })).toBe('system_u:system_r:container_t:s0:c1,c2');
  });

  it('formatPrefix and labelFor', () => {
    expect(formatPrefix(prefix)).toBe('system_u:system_r:container_t');
    expect(labelFor(prefix, 's0:c5,c9')).toBe('system_u:system_r:container_t:s0:c5,c9');
    expect(parseContext(labelFor(prefix, 's0:c5,c9'))).toEqual({ ...prefix, level: 's0:c5,c9' });
  });
});

const identifier = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,30}$/);
const level: fc.Arbitrary<Level> = fc.record({
  sensitivity: fc.integer({ min: 0, max: 15 }),
  categories: fc.uniqueArray(fc.integer({ min: 0, max: MAX_CATEGORY }), { maxLength: 20 }).map((xs) => [...xs].sort((a, b) => a - b)),
});
const levelRangeText = fc
  .tuple(level, fc.integer({ min: 0, max: 3 }), fc.uniqueArray(fc.integer({ min: 0, max: MAX_CATEGORY }), { maxLength: 5 }))
  .map(([low, extraSens, extraCats]) => {
    const high = {
      sensitivity: low.sensitivity + extraSens,
      categories: [...new Set([...low.categories, ...extraCats])].sort((a, b) => a - b),
    };
    return formatMlsRange({ low, high });
  });
const context: fc.Arbitrary<SecurityContext> = fc.record({
  user: identifier,
  role: identifier,
  type: identifier,
  level: levelRangeText,
});

describe('context properties', () => {
  it('parseContext(formatContext(c)) equals c', () => {
    fc.assert(
      fc.property(context, (c) => {
        expect(parseContext(formatContext(c))).toEqual(c);
      }),
      { numRuns: 1000 },
    );
  });

  it('a non-canonical level spelling parses to the canonical one', () => {
    fc.assert(
      fc.property(identifier, level, (name, l) => {
        fc.pre(l.categories.length > 0);
        // Spell every category on its own, reversed: valid but never canonical for 2+ runs.
        const spelled = `s${l.sensitivity}:${[...l.categories]
          .reverse()
          .map((c) => `c${c}`)
          .join(',')}`;
        const parsed = parseContext(`${name}:object_r:${name}:${spelled}`);
        expect(parsed.level).toBe(formatLevel(l));
        expect(parsed.level).toBe(`s${l.sensitivity}:${formatCategorySet(l.categories)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary text either parses to a re-parseable context or throws LabelSyntaxError', () => {
    const piece = fc.constantFrom('u', 'r', 't', 's0', 'c1', 'c2', ':', ':', '-', ',', '.', ' ', '9', '$');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 16 }).map((ps) => ps.join('')),
        (text) => {
          let parsed: SecurityContext;
          try {
            parsed = parseContext(text);
          } catch (e) {
            expect(e).toBeInstanceOf(LabelSyntaxError);
            return;
          }
          expect(parseContext(formatContext(parsed))).toEqual(parsed);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
