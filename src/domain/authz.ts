import { parse as parseYaml } from 'yaml';
import { isIdentifier } from './context.js';
import { dominates, parseLevel, type Level } from './level.js';

/**
 * Who may do what. A client is identified by its TLS certificate (subject CN,
 * or a SAN DNS name or URI); a policy file maps identities to roles:
 *   host      acts for the hosts it is bound to: Allocate, Release, Renew,
 *             Heartbeat, Reconcile, PlanVolumes, and reads their leases;
 *   operator  lists, watches, inspects and releases any lease, reads stats;
 *   viewer    reads only.
 * Without a policy but with client certificates, a client acts as the host
 * named in its certificate. Without either, the service is open.
 */
export type Role = 'host' | 'operator' | 'viewer';

export interface Identity {
  /** How the identity is shown in logs and errors, e.g. "cn=node-1". */
  readonly name: string;
  readonly cn: string;
  readonly dns: readonly string[];
  readonly uris: readonly string[];
}

export interface Grant {
  readonly role: Role;
  /** For host: the hosts it may act for. */
  readonly hosts: ReadonlySet<string>;
  /** Process types options.type may name; undefined = the server's allowlist. May include spc_t. */
  readonly allowedTypes?: ReadonlySet<string>;
  /** Whether options.disable is allowed (default true). */
  readonly allowDisable: boolean;
  /** Static levels must be dominated by one of these; undefined = any level of the pool. */
  readonly allowedLevels?: readonly Level[];
  /** Patterns of the stable keys it may use cluster-wide (see domain/stable-keys.ts); none by default. */
  readonly clusterStableKeys: readonly string[];
}

interface Rule {
  readonly match: { readonly cn?: string; readonly dns?: string; readonly uri?: string };
  readonly grant: Grant;
}

export interface Policy {
  readonly rules: readonly Rule[];
}

export class PolicyError extends Error {}

export type Method =
  'Allocate' | 'Release' | 'Renew' | 'GetLease' | 'ListLeases' | 'GetPoolStats' | 'PlanVolumes' | 'Heartbeat' | 'Reconcile' | 'WatchLeases';

/** What each role may call. Host-role calls are further limited to the role's hosts. */
const ROLE_METHODS: Record<Role, ReadonlySet<Method>> = {
  host: new Set(['Allocate', 'Release', 'Renew', 'GetLease', 'ListLeases', 'PlanVolumes', 'Heartbeat', 'Reconcile', 'WatchLeases']),
  operator: new Set(['Release', 'GetLease', 'ListLeases', 'WatchLeases', 'GetPoolStats']),
  viewer: new Set(['GetLease', 'ListLeases', 'WatchLeases', 'GetPoolStats']),
};

function strings(where: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new PolicyError(`${where}: must be a list of non-empty strings`);
  }
  return value as string[];
}

/** Parses a policy file (YAML or JSON; JSON is YAML). */
export function parsePolicy(text: string, file = 'policy'): Policy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`${file}: ${(err as Error).message}`);
  }
  const identities = (doc as { identities?: unknown } | null)?.identities;
  if (!Array.isArray(identities)) throw new PolicyError(`${file}: needs a list "identities"`);
  const rules = identities.map((raw: unknown, i): Rule => {
    const where = `${file}: identities[${i}]`;
    const e = raw as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) throw new PolicyError(`${where}: must be a mapping`);
    const known = new Set(['cn', 'dns', 'uri', 'role', 'hosts', 'allowed_types', 'allow_disable', 'allowed_levels', 'cluster_stable_keys']);
    for (const k of Object.keys(e)) if (!known.has(k)) throw new PolicyError(`${where}: unknown key ${JSON.stringify(k)}`);
    const match: { cn?: string; dns?: string; uri?: string } = {};
    for (const k of ['cn', 'dns', 'uri'] as const) {
      if (e[k] !== undefined) {
        if (typeof e[k] !== 'string' || e[k] === '') throw new PolicyError(`${where}.${k}: must be a non-empty string`);
        match[k] = e[k];
      }
    }
    if (Object.keys(match).length !== 1) throw new PolicyError(`${where}: needs exactly one of cn, dns, uri`);
    const role = e.role;
    if (role !== 'host' && role !== 'operator' && role !== 'viewer') {
      throw new PolicyError(`${where}.role: must be host, operator or viewer`);
    }
    const hosts = strings(`${where}.hosts`, e.hosts);
    if (role === 'host' && hosts.length === 0) throw new PolicyError(`${where}.hosts: a host identity needs at least one host`);
    if (role !== 'host' && hosts.length > 0) throw new PolicyError(`${where}.hosts: only host identities are bound to hosts`);
    const types = e.allowed_types === undefined ? undefined : strings(`${where}.allowed_types`, e.allowed_types);
    for (const t of types ?? [])
      if (!isIdentifier(t)) throw new PolicyError(`${where}.allowed_types: ${JSON.stringify(t)} is not a type name`);
    if (e.allow_disable !== undefined && typeof e.allow_disable !== 'boolean') {
      throw new PolicyError(`${where}.allow_disable: must be true or false`);
    }
    const clusterStableKeys = strings(`${where}.cluster_stable_keys`, e.cluster_stable_keys);
    if (role !== 'host' && clusterStableKeys.length > 0)
      throw new PolicyError(`${where}.cluster_stable_keys: only host identities allocate`);
    const levels = e.allowed_levels === undefined ? undefined : strings(`${where}.allowed_levels`, e.allowed_levels);
    const allowedLevels = levels?.map((l) => {
      try {
        return parseLevel(l);
      } catch (err) {
        throw new PolicyError(`${where}.allowed_levels: ${(err as Error).message}`);
      }
    });
    return {
      match,
      grant: {
        role,
        hosts: new Set(hosts),
        ...(types ? { allowedTypes: new Set(types) } : {}),
        allowDisable: e.allow_disable ?? true,
        ...(allowedLevels ? { allowedLevels } : {}),
        clusterStableKeys,
      },
    };
  });
  return { rules };
}

/** The grant of an identity under a policy (first matching rule), or undefined. */
export function grantFor(policy: Policy, id: Identity): Grant | undefined {
  return policy.rules.find(
    (r) =>
      (r.match.cn !== undefined && r.match.cn === id.cn) ||
      (r.match.dns !== undefined && id.dns.includes(r.match.dns)) ||
      (r.match.uri !== undefined && id.uris.includes(r.match.uri)),
  )?.grant;
}

/** With client certificates and no policy: the certificate's own names are its hosts. */
export function implicitHostGrant(id: Identity): Grant {
  return { role: 'host', hosts: new Set([id.cn, ...id.dns].filter(Boolean)), allowDisable: true, clusterStableKeys: [] };
}

/**
 * Why a grant does not allow a call, or undefined when it does. `lookedUp`:
 * the hosts were read from a lease the call names, not given by the caller,
 * so the reason does not name them.
 */
export function denial(grant: Grant, method: Method, hosts: readonly string[], { lookedUp = false } = {}): string | undefined {
  if (!ROLE_METHODS[grant.role].has(method)) return `the ${grant.role} role may not call ${method}`;
  if (grant.role === 'host') {
    // A lease that does not exist belongs to nobody: the call goes on and
    // answers as for any missing lease.
    if (hosts.length === 0 && lookedUp) return undefined;
    if (hosts.length === 0) return `a host identity must name one of its hosts (${[...grant.hosts].join(', ')})`;
    const other = hosts.find((h) => !grant.hosts.has(h));
    if (other !== undefined) return lookedUp ? 'the lease belongs to a host it may not act for' : `it may not act for host ${other}`;
  }
  return undefined;
}

/** Which hosts' leases a caller with this grant may hear about (undefined: every host). */
export function visibilityOf(grant: Grant | undefined): ((host: string) => boolean) | undefined {
  if (grant?.role !== 'host') return undefined;
  return (host) => grant.hosts.has(host);
}

/** Whether a static level is one the grant allows (dominated by one of its allowed levels). */
export function levelAllowed(grant: Grant, level: Level): boolean {
  return grant.allowedLevels === undefined || grant.allowedLevels.some((allowed) => dominates(allowed, level));
}

/** An identity from a peer certificate's subject and subjectaltname (node:tls PeerCertificate shape). */
export function identityOf(cert: { subject?: { CN?: string | string[] }; subjectaltname?: string } | undefined): Identity | undefined {
  if (!cert || !cert.subject) return undefined;
  const cnRaw = cert.subject.CN;
  const cn = Array.isArray(cnRaw) ? (cnRaw[0] ?? '') : (cnRaw ?? '');
  const dns: string[] = [];
  const uris: string[] = [];
  for (const part of (cert.subjectaltname ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4));
    else if (part.startsWith('URI:')) uris.push(part.slice(4));
  }
  const name = cn !== '' ? `cn=${cn}` : dns[0] ? `dns=${dns[0]}` : uris[0] ? `uri=${uris[0]}` : 'an unnamed certificate';
  return { name, cn, dns, uris };
}

/**
 * Why an identity may not have a label of this kind, in the words Allocate
 * and Reconcile answer with, or undefined. A pair is what random
 * allocation could have handed out, so only disabled labels and static
 * levels meet the policy.
 */
export function labelRefusal(
  grant: Grant | undefined,
  kind: 'random' | 'pair' | 'static' | 'disabled',
  level: Level | undefined,
  levelText: string,
): string | undefined {
  if (!grant) return undefined;
  if (kind === 'disabled' && !grant.allowDisable) return 'this identity may not ask for a disabled label';
  if (kind === 'static' && level !== undefined && !levelAllowed(grant, level))
    return `${levelText} is not among the levels this identity may ask for`;
  return undefined;
}

/**
 * The stable-key patterns an identity may use cluster-wide: its own for a
 * host identity (none without a policy), undefined (any) for operators and
 * an open service.
 */
export function stableKeyPatternsOf(grant: Grant | undefined): readonly string[] | undefined {
  return grant?.role === 'host' ? grant.clusterStableKeys : undefined;
}
