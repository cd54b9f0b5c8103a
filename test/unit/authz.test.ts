import { describe, expect, it } from 'vitest';
import {
  denial,
  grantFor,
  identityOf,
  implicitHostGrant,
  levelAllowed,
  parsePolicy,
  PolicyError,
  visibilityOf,
} from '../../src/domain/authz.js';
import { parseLevel } from '../../src/domain/level.js';

const policy = parsePolicy(`
identities:
  - cn: node-1
    role: host
    hosts: [node-1, node-1b]
    allowed_levels: ["s0:c0.c9"]
  - dns: ops.example.com
    role: operator
  - uri: spiffe://cluster/viewer
    role: viewer
`);

describe('identities from certificates', () => {
  it('reads the CN and the SAN DNS names and URIs', () => {
    expect(identityOf({ subject: { CN: 'node-1' }, subjectaltname: 'DNS:a.example, URI:spiffe://x/y, IP Address:10.0.0.1' })).toEqual({
      name: 'cn=node-1',
      cn: 'node-1',
      dns: ['a.example'],
      uris: ['spiffe://x/y'],
    });
    expect(identityOf({ subject: {}, subjectaltname: 'DNS:only.example' })?.name).toBe('dns=only.example');
    expect(identityOf(undefined)).toBeUndefined();
  });
});

describe('policy decisions', () => {
  const id = (cn: string, dns: string[] = [], uris: string[] = []) => ({ name: cn, cn, dns, uris });
  it.each([
    ['node-1', 'Allocate', ['node-1'], undefined],
    ['node-1', 'Allocate', ['node-1b'], undefined],
    ['node-1', 'Allocate', ['node-2'], 'it may not act for host node-2'],
    ['node-1', 'ListLeases', [], 'a host identity must name one of its hosts (node-1, node-1b)'],
    ['node-1', 'GetPoolStats', [], 'the host role may not call GetPoolStats'],
  ] as const)('%s %s %j -> %s', (cn, method, hosts, expected) => {
    expect(denial(grantFor(policy, id(cn))!, method, hosts)).toBe(expected);
  });

  it('matches operators by DNS name and viewers by URI, and nobody else', () => {
    const ops = grantFor(policy, id('x', ['ops.example.com']))!;
    expect(ops.role).toBe('operator');
    expect(denial(ops, 'Release', [])).toBeUndefined();
    expect(denial(ops, 'Allocate', ['h'])).toBe('the operator role may not call Allocate');
    const viewer = grantFor(policy, id('y', [], ['spiffe://cluster/viewer']))!;
    expect(denial(viewer, 'ListLeases', [])).toBeUndefined();
    expect(denial(viewer, 'Release', [])).toBe('the viewer role may not call Release');
    expect(grantFor(policy, id('stranger'))).toBeUndefined();
  });

  it('limits static levels to those dominated by an allowed one', () => {
    const g = grantFor(policy, id('node-1'))!;
    expect(levelAllowed(g, parseLevel('s0:c3,c4'))).toBe(true);
    expect(levelAllowed(g, parseLevel('s0:c3,c10'))).toBe(false);
    expect(levelAllowed(implicitHostGrant(id('h')), parseLevel('s0:c500'))).toBe(true);
  });

  it('hosts read from a lease are not named back, and a missing lease belongs to nobody', () => {
    const g = grantFor(policy, id('node-1'))!;
    expect(denial(g, 'Release', ['node-2'], { lookedUp: true })).toBe('the lease belongs to a host it may not act for');
    expect(denial(g, 'Release', ['node-1'], { lookedUp: true })).toBeUndefined();
    expect(denial(g, 'Renew', [], { lookedUp: true })).toBeUndefined();
    expect(denial(g, 'Renew', [])).toBe('a host identity must name one of its hosts (node-1, node-1b)');
  });

  it('a host identity sees its own hosts only; operators and an open service see all', () => {
    const visible = visibilityOf(grantFor(policy, id('node-1')));
    expect([visible?.('node-1'), visible?.('node-1b'), visible?.('node-2')]).toEqual([true, true, false]);
    expect(visibilityOf(grantFor(policy, id('x', ['ops.example.com'])))).toBeUndefined();
    expect(visibilityOf(undefined)).toBeUndefined();
  });

  it('without a policy a certificate acts for the hosts it names', () => {
    const g = implicitHostGrant(id('node-7', ['node-7.example.com']));
    expect(denial(g, 'Allocate', ['node-7.example.com'])).toBeUndefined();
    expect(denial(g, 'Allocate', ['node-8'])).toBe('it may not act for host node-8');
  });
});

describe('policy files', () => {
  it.each([
    ['identities: 3', 'needs a list "identities"'],
    ['identities:\n  - role: host\n    hosts: [a]', 'needs exactly one of cn, dns, uri'],
    ['identities:\n  - cn: a\n    dns: b\n    role: viewer', 'needs exactly one of cn, dns, uri'],
    ['identities:\n  - cn: a\n    role: admin', 'role: must be host, operator or viewer'],
    ['identities:\n  - cn: a\n    role: host', 'a host identity needs at least one host'],
    ['identities:\n  - cn: a\n    role: viewer\n    hosts: [h]', 'only host identities are bound to hosts'],
    ['identities:\n  - cn: a\n    role: host\n    hosts: [h]\n    allowed_types: ["a:b"]', 'is not a type name'],
    ['identities:\n  - cn: a\n    role: host\n    hosts: [h]\n    allowed_levels: ["s0:c2,c1,c1"]', 'allowed_levels'],
    ['identities:\n  - cn: a\n    role: host\n    hosts: [h]\n    colour: red', 'unknown key "colour"'],
    ['{ "identities": [ { "cn": "a", "role": "viewer" } ', 'policy'],
  ])('refuses %j', (text, message) => {
    expect(() => parsePolicy(text)).toThrow(PolicyError);
    expect(() => parsePolicy(text)).toThrow(message);
  });

  it('reads JSON as well as YAML', () => {
    const p = parsePolicy('{"identities": [{"cn": "a", "role": "host", "hosts": ["h"], "allow_disable": false}]}');
    expect(grantFor(p, { name: 'a', cn: 'a', dns: [], uris: [] })).toMatchObject({ role: 'host', allowDisable: false });
  });
});
