/**
 * Authorization of each call: the caller's identity from its client
 * certificate, its grant under the policy (domain/authz.ts), and the
 * refusal logged and told. Each call's grant is kept for the call, since
 * it also decides what the call's errors may name.
 */
import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { denial, grantFor, identityOf, implicitHostGrant, visibilityOf, type Grant, type Method, type Policy } from '../domain/authz.js';
import { LeaseNotFoundError } from '../store/errors.js';
import type { LeaseStore } from '../store/lease-store.js';
import { RpcError, type Visibility } from './errors.js';

export interface AuthorizedCall {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
}

export class Authorizer {
  private readonly grants = new WeakMap<object, Grant>();

  constructor(
    /** undefined = open (no client certificates); see ServiceDeps.auth. */
    private readonly auth: { readonly policy?: Policy } | undefined,
    private readonly store: LeaseStore,
    private readonly log: Logger,
  ) {}

  /** Which hosts' leases the call's errors may name (its grant's, once authorize has run). */
  visibility(call: object): Visibility {
    return visibilityOf(this.grants.get(call));
  }

  /**
   * Checks that the caller may call `method` for `hosts` (which may need a
   * lease read first: pass a function). Returns the caller's grant, or
   * undefined when the service runs open. Refusals are logged with the
   * identity, method, host and reason.
   */
  async authorize(
    call: AuthorizedCall,
    method: Method,
    hosts: readonly string[] | (() => Promise<readonly string[]>),
  ): Promise<Grant | undefined> {
    if (!this.auth) return undefined;
    const identity = identityOf(call.getAuthContext().sslPeerCertificate);
    if (!identity) {
      this.log.warn({ method, reason: 'UNAUTHENTICATED' }, 'refused: no client certificate');
      throw new RpcError(grpc.status.UNAUTHENTICATED, 'a client certificate is required', 'UNAUTHENTICATED');
    }
    const grant = this.auth.policy ? grantFor(this.auth.policy, identity) : implicitHostGrant(identity);
    let why: string | undefined;
    let named: readonly string[] = [];
    // Hosts read from a lease (not named by the caller) are not told back:
    // a host learns nothing of another host's leases from a refusal.
    const lookedUp = typeof hosts === 'function';
    if (!grant) {
      why = 'it is not in the authorization policy';
    } else {
      this.grants.set(call, grant);
      named = grant.role === 'host' && typeof hosts === 'function' ? await hosts() : typeof hosts === 'function' ? [] : hosts;
      why = denial(grant, method, named, { lookedUp });
    }
    if (why !== undefined) {
      this.log.warn({ identity: identity.name, method, host: named.join(','), reason: why }, 'refused: not authorized');
      throw new RpcError(grpc.status.PERMISSION_DENIED, `${identity.name} may not do this: ${why}`, 'NOT_AUTHORIZED', {
        identity: identity.name,
        method,
        ...(named.length && !lookedUp ? { host: named.join(',') } : {}),
      });
    }
    return grant;
  }

  /** The host of a lease, for authorizing calls that name it by id (none when it does not exist). */
  async hostOfLease(leaseId: string, timeoutMs: number): Promise<readonly string[]> {
    try {
      return [(await this.store.get({ leaseId }, { timeoutMs })).host];
    } catch (err) {
      if (err instanceof LeaseNotFoundError) return [];
      throw err;
    }
  }
}

/** A refusal by the authorization policy of a field's value. */
export function policyDenied(field: string, rule: string): RpcError {
  return new RpcError(grpc.status.PERMISSION_DENIED, `${field}: ${rule}`, 'NOT_AUTHORIZED', { field });
}
