import type { Cluster, Redis } from 'ioredis';
import { ReplyError } from 'ioredis';
import { leaseKeys, type PoolKeys } from './keys.js';
import { operationArgs, type ArgValue, type OperationArgs, type OperationName } from './operations.js';
import { ReplyReader } from './replies.js';
import { scriptCommands, type ScriptCommands, type ScriptReply } from './scripts.js';
import { PoolNotInitializedError, ReplicationError, StoreError, StoreUnavailableError, scriptError } from './errors.js';
import type { CallOptions } from './types.js';

const DEFAULT_TIMEOUT_MS = 2000;

/** Errors that mean "Redis is not there right now", as opposed to a bug. */
function isConnectionError(err: unknown): boolean {
  if (err instanceof ReplyError) {
    return /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/.test((err as Error).message);
  }
  return err instanceof Error;
}

/** A plain Redis call, bounded like the scripts: UNAVAILABLE when Redis is away or slow. */
export async function withTimeout<T>(p: Promise<T>, opts: CallOptions): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreUnavailableError(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof StoreError || !isConnectionError(err)) throw err;
    throw new StoreUnavailableError(`Redis is unavailable: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export interface Replication {
  readonly writer: Redis | Cluster;
  readonly replicas: number;
}

/**
 * Runs the operations of one pool: builds each call's ARGV by name, bounds
 * it in time, turns a script's error code into a typed error, and answers
 * with a reader of the rest of the reply. Changes run on the writer
 * connection and, with `replication`, wait there for replica
 * acknowledgements. A change that finds the pool missing in Redis (a
 * restart without persistence, a failover to an empty replica) has the
 * pool created again (`recreate`) and runs once more.
 */
export class OperationRunner {
  private readonly scripts: ScriptCommands;
  private readonly writerScripts: ScriptCommands;
  private readonly keyList: string[];

  constructor(
    redis: Redis | Cluster,
    private readonly keys: PoolKeys,
    private readonly pool: string,
    private readonly recreate: () => Promise<void>,
    private readonly replication?: Replication,
  ) {
    this.scripts = scriptCommands(redis);
    this.writerScripts = replication ? scriptCommands(replication.writer) : this.scripts;
    this.keyList = leaseKeys(keys);
  }

  /**
   * A read (or init_pool itself), on the main connection. With
   * `recreateMissing`, a pool missing in Redis is created again first (the
   * pool statistics do that: they are what health and operators look at).
   */
  async read<N extends OperationName>(
    name: N,
    args: Omit<OperationArgs<N>, 'prefix'>,
    opts: CallOptions,
    rest: readonly ArgValue[] = [],
    recreateMissing = false,
  ): Promise<ReplyReader> {
    try {
      return this.reader(await this.run(this.scripts, name, args, opts, rest));
    } catch (err) {
      if (!recreateMissing || !(err instanceof PoolNotInitializedError)) throw err;
      await this.recreate();
      return this.reader(await this.run(this.scripts, name, args, opts, rest));
    }
  }

  /** A change: on the writer connection, replicated, and retried once on a pool re-created. */
  async write<N extends OperationName>(
    name: N,
    args: Omit<OperationArgs<N>, 'prefix'>,
    opts: CallOptions,
    rest: readonly ArgValue[] = [],
  ): Promise<ReplyReader> {
    const once = async () => {
      const reply = await this.run(this.writerScripts, name, args, opts, rest);
      // A sweep that reclaimed nothing wrote nothing: its WAIT would only
      // hold up the calls queued behind it on the writer connection.
      const wrote = name !== 'reap' || reply.length > 1;
      if (wrote && this.replication && this.replication.replicas > 0) await this.awaitReplicas(opts);
      return reply;
    };
    try {
      return this.reader(await once());
    } catch (err) {
      if (!(err instanceof PoolNotInitializedError)) throw err;
      await this.recreate();
      return this.reader(await once());
    }
  }

  private reader(reply: ScriptReply): ReplyReader {
    return new ReplyReader(reply, this.pool);
  }

  private async run<N extends OperationName>(
    scripts: ScriptCommands,
    name: N,
    args: Omit<OperationArgs<N>, 'prefix'>,
    opts: CallOptions,
    rest: readonly ArgValue[],
  ): Promise<ScriptReply> {
    const argv = operationArgs(name, { prefix: this.keys.prefix, ...args } as OperationArgs<N>, rest);
    const reply = await withTimeout(scripts[name](this.keyList, argv), opts);
    if (reply[0] !== 0) throw scriptError(reply[0], reply.slice(1), this.pool);
    return reply;
  }

  /**
   * WAIT on the writer connection covers every change sent on it so far. For
   * a Cluster it must reach the pool's primary: a pipeline is routed by its
   * first key.
   */
  private async awaitReplicas(opts: CallOptions): Promise<void> {
    const { writer, replicas } = this.replication!;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Redis checks WAIT timeouts from its cron (every 100 ms at the default
    // hz): leave that much room so the answer comes before our own bound.
    const waitMs = Math.max(10, timeoutMs - 250);
    const acked = await withTimeout(
      writer.isCluster
        ? (writer as Cluster)
            .pipeline()
            .exists(this.keys.meta)
            .wait(replicas, waitMs)
            .exec()
            .then((r) => Number(r?.[1]?.[1] ?? 0))
        : (writer as Redis).wait(replicas, waitMs),
      { timeoutMs },
    );
    if (acked < replicas) {
      throw new ReplicationError(
        `the change is applied on the primary but only ${acked} of ${replicas} replicas acknowledged it within ${waitMs} ms; ` +
          'retrying the same request is safe',
        { acknowledged: String(acked), required: String(replicas) },
      );
    }
  }
}
