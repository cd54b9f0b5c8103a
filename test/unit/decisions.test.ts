/**
 * The decisions the service's handlers take from domain/: what a reported
 * level is (Reconcile), what a share_with request may name, whether a
 * stable key may be used and with which scope, and what an identity may
 * not have. Tables; the handlers only map these to statuses.
 */
import { describe, expect, it } from 'vitest';
import { implicitHostGrant, labelRefusal, parsePolicy, grantFor, stableKeyPatternsOf, type Grant } from '../../src/domain/authz.js';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { parseLevel } from '../../src/domain/level.js';
import { NO_OPTIONS, OptionError, joinLevel } from '../../src/domain/options.js';
import { classifyReported } from '../../src/domain/reconcile.js';
import { stableKeyDecision } from '../../src/domain/stable-keys.js';

const policy = parsePolicy(`
identities:
  - cn: node-1
    role: host
    hosts: [node-1]
    allow_disable: false
    allowed_levels: ["s0:c0.c9"]
    cluster_stable_keys: ["sts/*"]
  - cn: ops
    role: operator
`);
const id = (cn: string) => ({ name: `cn=${cn}`, cn, dns: [], uris: [] });
const host = grantFor(policy, id('node-1'))!;
const operator = grantFor(policy, id('ops'))!;
const implicit = implicitHostGrant(id('node-2'));
const pool = { sensitivity: 0, categories: parseCategoryRange('c0.c1023') };

describe('labelRefusal', () => {
  it.each<[string, Grant | undefined, 'random' | 'pair' | 'static' | 'disabled', string, string | undefined]>([
    ['an open service', undefined, 'disabled', 's0', undefined],
    ['an operator', operator, 'disabled', 's0', undefined],
    ['a host identity without allow_disable', host, 'disabled', 's0', 'this identity may not ask for a disabled label'],
    ['a host identity, a level it was given', host, 'static', 's0:c1,c5,c7', undefined],
    [
      'a host identity, a level beyond its levels',
      host,
      'static',
      's0:c1,c500',
      's0:c1,c500 is not among the levels this identity may ask for',
    ],
    ['a host identity, a pair', host, 'pair', 's0:c1,c500', undefined],
    ['a host identity, a random pair', host, 'random', '', undefined],
    ['a certificate without a policy', implicit, 'disabled', 's0', undefined],
  ])('%s: %s %s -> %s', (_, grant, kind, text, refusal) => {
    expect(labelRefusal(grant, kind, text === '' ? undefined : parseLevel(text), text)).toBe(refusal);
  });
});

describe('classifyReported (Reconcile)', () => {
  it.each<[string, Grant | undefined, object]>([
    ['s0:c1,c2', undefined, { kind: 'pair', coveredPairs: 0 }],
    ['s0:c1,c500', host, { kind: 'pair', coveredPairs: 0 }],
    ['s0', undefined, { kind: 'disabled', coveredPairs: 0 }],
    ['s0', host, { kind: 'disabled', coveredPairs: 0, refusal: 'this identity may not ask for a disabled label' }],
    ['s0:c5', undefined, { kind: 'static', coveredPairs: 1023 }],
    ['s0:c1,c2,c3', undefined, { kind: 'static', coveredPairs: 3 }],
    [
      's0:c1,c2,c300',
      host,
      { kind: 'static', coveredPairs: 3, refusal: 's0:c1,c2,c300 is not among the levels this identity may ask for' },
    ],
    ['s1:c1,c2', undefined, { kind: 'outside' }],
  ])('%s for %j is %j', (text, grant, expected) => {
    expect(classifyReported(parseLevel(text), text, pool, grant)).toEqual(expected);
  });

  it('classifies within a small pool by its range', () => {
    const small = { sensitivity: 0, categories: parseCategoryRange('c0.c9') };
    expect(classifyReported(parseLevel('s0:c3'), 's0:c3', small, undefined)).toEqual({ kind: 'static', coveredPairs: 9 });
    expect(classifyReported(parseLevel('s0:c3,c10'), 's0:c3,c10', small, undefined)).toEqual({ kind: 'outside' });
  });
});

describe('joinLevel (share_with)', () => {
  const p = { sensitivity: 0, categories: pool.categories, translator: undefined };
  it.each([
    [{}, ''],
    [{ level: 's0:c9,c3' }, 's0:c3,c9'],
  ])('%j names level %j', (o, level) => {
    expect(joinLevel({ ...NO_OPTIONS, ...o }, p)).toBe(level);
  });

  it.each([
    [{ user: 'u' }, 'options.user'],
    [{ role: 'r' }, 'options.role'],
    [{ type: 't' }, 'options.type'],
    [{ filetype: 'f' }, 'options.filetype'],
    [{ profile: 'svirt' }, 'options.profile'],
    [{ disable: true }, 'options.disable'],
    [{ level: 's1:c1,c2' }, 'options.level'],
  ])('refuses %j naming %s', (o, field) => {
    let err: unknown;
    try {
      joinLevel({ ...NO_OPTIONS, ...o }, p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OptionError);
    expect((err as OptionError).field).toBe(field);
    expect((err as OptionError).denied).toBe(false);
  });
});

describe('stableKeyDecision', () => {
  const server = ['sts/*', 'shared'];
  it.each<[string, 'join' | 'random' | 'static' | 'disabled', Grant | undefined, object]>([
    ['web', 'random', undefined, { scope: 'host' }],
    ['sts/db-0', 'random', undefined, { scope: 'cluster' }],
    ['sts/db-0', 'static', operator, { scope: 'cluster' }],
    ['sts/db-0', 'random', host, { scope: 'cluster' }],
    [
      'shared',
      'random',
      host,
      { refused: 'denied', field: 'stable_key', rule: "shared is cluster-wide and not among this identity's cluster_stable_keys" },
    ],
    [
      'sts/db-0',
      'random',
      implicit,
      { refused: 'denied', field: 'stable_key', rule: "sts/db-0 is cluster-wide and not among this identity's cluster_stable_keys" },
    ],
    ['web', 'random', implicit, { scope: 'host' }],
    [
      'web',
      'join',
      undefined,
      { refused: 'invalid', field: 'stable_key', rule: "cannot be combined with share_with (the pod's lease carries its key)" },
    ],
    ['web', 'disabled', undefined, { refused: 'invalid', field: 'stable_key', rule: 'a disabled label takes no pair to hold' }],
  ])('%s for a %s allocation by %j: %j', (key, kind, grant, expected) => {
    expect(stableKeyDecision(key, kind, server, stableKeyPatternsOf(grant))).toEqual(expected);
  });
});
