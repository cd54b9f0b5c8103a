import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Policy } from '../../domain/authz.js';
import type { OptionsPolicy } from '../../domain/options.js';
import type { Lease as LeaseMessage } from '../../generated/mcs/v1/Lease.js';
import type { Lease, LeaseStore } from '../../store/lease-store.js';
import type { Authorizer } from '../authorize.js';
import type { Metrics } from '../metrics.js';
import type { Unary } from '../unary.js';

export interface ServiceDeps {
  readonly store: LeaseStore;
  /** A new connection for one watcher's blocking reads; the caller closes it. */
  readonly openBlockingClient: () => Promise<Redis | Cluster>;
  readonly log: Logger;
  /** Upper bound on one Redis call, whatever the client's deadline. */
  readonly redisTimeoutMs: number;
  /** What label options may ask for. */
  readonly policy: OptionsPolicy;
  /** Configured home directories: never relabelled. */
  readonly homeDirs: readonly string[];
  readonly metrics?: Metrics;
  /**
   * Who may call what: undefined = open (no client certificates). With
   * client certificates, `policy` maps identities to grants; without a
   * policy a client acts for the host its certificate names.
   */
  readonly auth?: { readonly policy?: Policy };
  /** WatchLeases streams one client (identity, or address without TLS) may hold open. */
  readonly maxWatchesPerClient?: number;
  /** Reconcile calls that run at once; the others wait their turn. */
  readonly maxConcurrentReconciles?: number;
  /** Patterns of stable keys that are cluster-wide (--cluster-stable-keys). */
  readonly clusterStableKeys?: readonly string[];
}

/** What every handler works with. */
export interface HandlerContext {
  readonly deps: ServiceDeps;
  readonly store: LeaseStore;
  readonly authorizer: Authorizer;
  readonly unary: Unary;
  /** A lease as the API shows it (with the level's setrans name). */
  readonly message: (l: Lease) => LeaseMessage;
}
