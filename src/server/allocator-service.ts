/**
 * The LabelAllocator service, assembled. Each handler (handlers/) validates
 * the whole request, makes one store call (one Redis round trip) bounded
 * by the client's deadline, and maps failures to a status with a
 * google.rpc.ErrorInfo reason; unary.ts wraps them with logging and
 * metrics, watch.ts streams events, messages.ts maps to the protos, and
 * the decisions themselves live in domain/.
 */
import type { LabelAllocatorHandlers } from '../generated/mcs/v1/LabelAllocator.js';
import type { Lease } from '../store/lease-store.js';
import { Authorizer } from './authorize.js';
import { allocateHandler } from './handlers/allocate.js';
import type { HandlerContext, ServiceDeps } from './handlers/context.js';
import { hostHandlers } from './handlers/hosts.js';
import { leaseHandlers } from './handlers/leases.js';
import { releaseHandler } from './handlers/release.js';
import { planVolumesHandler } from './handlers/volumes.js';
import { leaseMessage } from './messages.js';
import { unaryWrapper } from './unary.js';
import { watchLeases } from './watch.js';

export type { ServiceDeps } from './handlers/context.js';

export function allocatorService(deps: ServiceDeps): LabelAllocatorHandlers {
  const { store, log } = deps;
  const authorizer = new Authorizer(deps.auth, store, log);
  const ctx: HandlerContext = {
    deps,
    store,
    authorizer,
    message: (l: Lease) => leaseMessage(l, deps.policy.translator),
    unary: unaryWrapper({
      log,
      metrics: deps.metrics,
      pool: store.settings.name,
      redisTimeoutMs: deps.redisTimeoutMs,
      visibility: (call) => authorizer.visibility(call),
    }),
  };
  return {
    Allocate: allocateHandler(ctx),
    Release: releaseHandler(ctx),
    PlanVolumes: planVolumesHandler(ctx),
    ...leaseHandlers(ctx),
    ...hostHandlers(ctx),
    WatchLeases: watchLeases({
      store,
      openBlockingClient: deps.openBlockingClient,
      authorizer,
      log,
      metrics: deps.metrics,
      translator: deps.policy.translator,
      maxWatchesPerClient: deps.maxWatchesPerClient ?? 8,
    }),
  };
}
