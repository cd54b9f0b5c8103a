/**
 * WatchLeases: one watcher's own Redis connection blocks on the pool's
 * event stream (through the store's EventFeed) and forwards the decoded
 * events (of one host, when asked) until the client goes away. Resuming
 * after an event id replays what the stream still retains.
 */
import * as grpc from '@grpc/grpc-js';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { identityOf } from '../domain/authz.js';
import type { LevelNames } from '../domain/level-names.js';
import type { LeaseEvent as LeaseEventMessage } from '../generated/mcs/v1/LeaseEvent.js';
import type { WatchLeasesRequest__Output } from '../generated/mcs/v1/WatchLeasesRequest.js';
import { isEventId } from '../store/events.js';
import type { LeaseStore } from '../store/lease-store.js';
import type { Authorizer } from './authorize.js';
import { RpcError, invalidArgument, toRpcError, toServiceError } from './errors.js';
import type { Metrics } from './metrics.js';
import { leaseEventMessage } from './messages.js';
import { requireHost } from './validation.js';

type WatchCall = grpc.ServerWritableStream<WatchLeasesRequest__Output, LeaseEventMessage>;

export interface WatchDeps {
  readonly store: LeaseStore;
  /** A new connection for one watcher's blocking reads; the watcher closes it. */
  readonly openBlockingClient: () => Promise<Redis | Cluster>;
  readonly authorizer: Authorizer;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly translator?: LevelNames | undefined;
  /** WatchLeases streams one client (identity, or address without TLS) may hold open. */
  readonly maxWatchesPerClient: number;
}

export function watchLeases(deps: WatchDeps): grpc.handleServerStreamingCall<WatchLeasesRequest__Output, LeaseEventMessage> {
  const { log } = deps;
  /** Streams open per client. */
  const watchers = new Map<string, number>();

  async function watch(call: WatchCall): Promise<void> {
    const host = call.request.host === '' ? '' : requireHost(call.request.host);
    const after = call.request.after_event_id;
    await deps.authorizer.authorize(call, 'WatchLeases', host === '' ? [] : [host]);
    // Each watcher holds a Redis connection: bound them per client.
    const who = identityOf(call.getAuthContext().sslPeerCertificate)?.name ?? call.getPeer().replace(/:\d+$/, '');
    const open = watchers.get(who) ?? 0;
    const limit = deps.maxWatchesPerClient;
    if (open >= limit) {
      throw new RpcError(
        grpc.status.RESOURCE_EXHAUSTED,
        `${who} already has ${open} WatchLeases streams open (at most ${limit})`,
        'TOO_MANY_STREAMS',
      );
    }
    watchers.set(who, open + 1);
    deps.metrics?.watchStreams.inc();
    const done = () => {
      deps.metrics?.watchStreams.dec();
      const n = (watchers.get(who) ?? 1) - 1;
      if (n <= 0) watchers.delete(who);
      else watchers.set(who, n);
    };
    try {
      await follow(call, host, after);
    } finally {
      done();
    }
  }

  async function follow(call: WatchCall, host: string, after: string): Promise<void> {
    if (after !== '' && !isEventId(after)) {
      throw invalidArgument('after_event_id', 'is not an event id (as LeaseEvent.event_id gives them, e.g. 1795945327853-0)');
    }
    const client = await deps.openBlockingClient();
    const stop = () => client.disconnect();
    call.on('cancelled', stop);
    call.on('close', stop);
    log.info({ method: 'WatchLeases', host, after }, 'watch started');
    try {
      const feed = deps.store.eventFeed(client, after !== '' ? after : undefined);
      await feed.position();
      // Headers now tell the client its watch is live: events from here on reach it.
      call.sendMetadata(new grpc.Metadata());
      while (!call.cancelled && !call.destroyed) {
        let events;
        try {
          events = await feed.next({ blockMs: 1000, count: 200, host });
        } catch (err) {
          if (call.cancelled || call.destroyed) return;
          throw new RpcError(grpc.status.UNAVAILABLE, `Redis is unavailable: ${(err as Error).message}`, 'REDIS_UNAVAILABLE');
        }
        for (const e of events) {
          const ok = call.write(leaseEventMessage(e, deps.translator));
          // Respect flow control: a slow watcher must not pile events up in memory.
          if (!ok) await new Promise((resolve) => call.once('drain', resolve));
        }
      }
    } finally {
      call.off('cancelled', stop);
      call.off('close', stop);
      stop();
    }
  }

  return (call: WatchCall) => {
    watch(call).catch((err: unknown) => {
      const rpc = toRpcError(err);
      if (rpc.code === grpc.status.INTERNAL) log.error({ method: 'WatchLeases', err }, 'WatchLeases');
      if (!call.cancelled && !call.writableEnded) {
        call.emit('error', toServiceError(rpc));
        deps.metrics?.refusals.inc({ method: 'WatchLeases', reason: rpc.reason });
      }
    });
  };
}
