import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatches, stableKeyScope } from '../../src/domain/stable-keys.js';

describe('globMatches', () => {
  it.each([
    ['sts/*', 'sts/db-0', true],
    ['sts/*', 'sts/', true],
    ['sts/*', 'st/db-0', false],
    ['*', '', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'ac', false],
    ['a*a', 'a', false],
    ['exact', 'exact', true],
    ['exact', 'exact2', false],
    ['*-0', 'db-0', true],
    ['*-0', 'db-1', false],
  ])('%s matches %s: %s', (p, t, m) => {
    expect(globMatches(p, t)).toBe(m);
  });

  it('agrees with a regular expression', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', '-', '/', '*'), maxLength: 8 });
    fc.assert(
      fc.property(word, fc.string({ unit: fc.constantFrom('a', 'b', '-', '/'), maxLength: 10 }), (pattern, text) => {
        const re = new RegExp(
          `^${pattern
            .split('*')
            .map((s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
            .join('.*')}$`,
        );
        expect(globMatches(pattern, text)).toBe(re.test(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('stableKeyScope', () => {
  it.each([
    ['sts/db-0', [], undefined, 'host'],
    ['sts/db-0', ['sts/*'], undefined, 'cluster'],
    ['sts/db-0', ['sts/*'], [], 'not-granted'],
    ['sts/db-0', ['sts/*'], ['sts/db-*'], 'cluster'],
    ['sts/web-0', ['sts/*'], ['sts/db-*'], 'not-granted'],
    ['sts/db-0', [], ['*'], 'host'],
    ['local', ['sts/*'], [], 'host'],
  ] as const)('%s with server patterns %j and identity patterns %j: %s', (key, server, identity, scope) => {
    expect(stableKeyScope(key, server, identity)).toBe(scope);
  });
});
