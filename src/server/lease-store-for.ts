/**
 * The lease store of a process that opens the pool from serve's settings
 * (the service, the Kubernetes webhook): the pool's settings from the
 * configuration, and with --redis-min-replicas a connection of its own for
 * changes, so that their WAITs never hold up reads and health checks.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { hostQuotaPairs, type ServeConfig } from '../config/serve-config.js';
import { PairSpace } from '../domain/pairs.js';
import { CONSTANTS } from '../store/contract.js';
import { PoolConfigMismatchError, PoolStateInconsistentError, ReservedInUseError, StoreUnavailableError } from '../store/errors.js';
import { LeaseStore, type InitResult } from '../store/lease-store.js';

export interface OpenedLeaseStore {
  readonly store: LeaseStore;
  /** The connection for changes, when --redis-min-replicas asks for one (connect and close it with the main one). */
  readonly writer: Redis | Cluster | undefined;
  /** Logs an init that found the pool missing and created it again (the store calls it too when a call finds that). */
  readonly logRecreated: (result: InitResult) => void;
  /**
   * Connects the main connection and the writer, bounded: a Redis (or Cluster) that accepts connections but never
   * gets ready must not hold the start (ioredis goes on connecting by itself).
   */
  readonly connect: () => Promise<void>;
  /** The store's init, and a warning when it moved the pool from an older key layout in place. */
  readonly init: (opts: Parameters<LeaseStore['init']>[0]) => Promise<InitResult>;
  /**
   * The health check of both the service and the webhook: true when every
   * connection the store uses answers PONG (the writer too: with it gone no
   * change can be made); rejects when one cannot be asked or `timeoutMs`
   * passes first.
   */
  readonly ping: (timeoutMs: number) => Promise<boolean>;
  /** Drops both connections at once (a start that failed). */
  readonly disconnect: () => void;
  /** Closes both connections, after the commands sent on them are answered. */
  readonly close: () => Promise<void>;
}

/**
 * Errors of opening the pool that waiting does not mend (the pool was
 * made with other settings, a reserved level is leased, the pool's state
 * is inconsistent): a start stops on them; a Redis not reachable yet is
 * waited for instead.
 */
export function isFatalOpenError(err: unknown): boolean {
  return err instanceof PoolConfigMismatchError || err instanceof ReservedInUseError || err instanceof PoolStateInconsistentError;
}

export function leaseStoreFor(redis: Redis | Cluster, config: ServeConfig, log: Logger): OpenedLeaseStore {
  let writer: Redis | Cluster | undefined;
  if (config.redisMinReplicas > 0) {
    writer = redis.duplicate();
    writer.on('error', () => {});
  }
  const logRecreated = (r: InitResult) => {
    if (r.created)
      log.error(
        { pool: config.pool },
        'pool state was missing in Redis and has been created again: leases granted before are unknown to it (did Redis lose its data?)',
      );
  };
  const store = new LeaseStore(
    redis,
    {
      name: config.pool,
      sensitivity: config.sensitivity,
      categories: config.categories,
      reserved: config.reserved,
      profile: config.profile,
      hostTtlSeconds: config.hostTtlSeconds,
      recoveryWindowSeconds: config.recoveryWindowSeconds,
      stableRetentionSeconds: config.stableRetentionSeconds,
      hostQuota: hostQuotaPairs(config.hostQuota, new PairSpace(config.categories).size),
      hostStaticQuota: config.hostStaticQuota,
      maxStaticPairs: config.maxStaticPairs,
      privilegedType: config.privilegedType,
      eventRetention: config.eventRetention,
    },
    logRecreated,
    writer ? { writer, replicas: config.redisMinReplicas } : undefined,
  );
  const connect = async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([redis.connect(), writer?.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new StoreUnavailableError('Redis did not get ready within 10 s')), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
  };
  const init = async (opts: Parameters<LeaseStore['init']>[0]) => {
    const result = await store.init(opts);
    if (result.movedFromLayout !== undefined) {
      log.warn(
        { pool: config.pool, from: result.movedFromLayout, to: CONSTANTS.LAYOUT_VERSION },
        `pool moved from key layout ${result.movedFromLayout} to ${CONSTANTS.LAYOUT_VERSION}`,
      );
    }
    return result;
  };
  const ping = async (timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const answers = await Promise.race([
      Promise.all([redis.ping(), writer?.ping() ?? 'PONG']),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreUnavailableError('ping timed out')), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return answers.every((a) => a === 'PONG');
  };
  const disconnect = () => {
    redis.disconnect();
    writer?.disconnect();
  };
  const close = async () => {
    await redis.quit().catch(() => redis.disconnect());
    await writer?.quit().catch(() => writer?.disconnect());
  };
  return { store, writer, logRecreated, connect, init, ping, disconnect, close };
}
