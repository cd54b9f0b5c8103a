/** The calls of a host's agent about the host as a whole: Heartbeat and Reconcile. */
import * as grpc from '@grpc/grpc-js';
import { visibilityOf, type Grant } from '../../domain/authz.js';
import { formatCategoryRange } from '../../domain/categories.js';
import { LabelSyntaxError } from '../../domain/errors.js';
import { formatLevel } from '../../domain/level.js';
import { requestedLevel } from '../../domain/options.js';
import { classifyReported } from '../../domain/reconcile.js';
import type { LabelAllocatorHandlers } from '../../generated/mcs/v1/LabelAllocator.js';
import type { ReconcileConflict } from '../../generated/mcs/v1/ReconcileConflict.js';
import type { ReconcileRequest__Output } from '../../generated/mcs/v1/ReconcileRequest.js';
import type { ReconcileResponse } from '../../generated/mcs/v1/ReconcileResponse.js';
import type { ReportedWorkload } from '../../store/lease-store.js';
import { Gate } from '../gate.js';
import { RpcError, invalidArgument, toRpcError } from '../errors.js';
import { timestamp } from '../messages.js';
import { deadlineLeft, type Handled } from '../unary.js';
import { requireHost, requireWorkloadId, ttlSeconds } from '../validation.js';
import type { HandlerContext } from './context.js';

/**
 * Workloads per Reconcile: thousands per host, bounded so that one call
 * cannot run away and its answer (every lease of the host) fits a 4 MB message.
 */
const MAX_RECONCILE_WORKLOADS = 2_000;

type Handlers = Pick<LabelAllocatorHandlers, 'Heartbeat' | 'Reconcile'>;

export function hostHandlers({ deps, store, authorizer, unary, message }: HandlerContext): Handlers {
  const maxReconciles = deps.maxConcurrentReconciles ?? 2;
  const reconciles = new Gate(maxReconciles);

  async function reconcile(
    req: ReconcileRequest__Output,
    host: string,
    grant: Grant | undefined,
    timeoutMs: () => number,
  ): Promise<Handled<ReconcileResponse>> {
    const seen = new Set<string>();
    const reported: ReportedWorkload[] = [];
    const outside: ReconcileConflict[] = [];
    const pool = { sensitivity: deps.policy.sensitivity, categories: deps.policy.categories };
    for (const [i, w] of req.workloads.entries()) {
      // Thousands of levels to parse: let other calls in now and then.
      if (i > 0 && i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      const workloadId = requireWorkloadId(w.workload_id, `workloads[${i}].workload_id`);
      if (seen.has(workloadId)) throw invalidArgument(`workloads[${i}].workload_id`, `${workloadId} is reported twice`);
      seen.add(workloadId);
      let level;
      try {
        level = requestedLevel(w.level, deps.policy.translator);
      } catch (err) {
        if (err instanceof LabelSyntaxError) throw invalidArgument(`workloads[${i}].level`, err.message);
        throw err;
      }
      const levelText = formatLevel(level);
      const reportedLevel = classifyReported(level, levelText, pool, grant);
      if (reportedLevel.kind === 'outside') {
        outside.push({
          workload_id: workloadId,
          level: levelText,
          reason: 'OUTSIDE_POOL',
          message:
            `level ${levelText} is not inside pool ${store.settings.name} ` +
            `(s${deps.policy.sensitivity}, ${formatCategoryRange(deps.policy.categories)})`,
          holder_lease_id: '',
          holder_host: '',
          holder_workload_id: '',
        });
        continue;
      }
      const { kind, coveredPairs, refusal } = reportedLevel;
      reported.push({
        workloadId,
        level: levelText,
        kind,
        coveredPairs,
        ...(refusal !== undefined ? { refusal: `workloads[${i}].level: ${refusal}` } : {}),
      });
    }
    // A reconciliation may run many batches: give it the client's whole budget.
    const result = await store.reconcile(host, reported, { timeoutMs: timeoutMs() });
    const visible = visibilityOf(grant);
    const conflicts = [
      ...outside,
      ...result.conflicts.map((c) => {
        const rpc = toRpcError(c.error, visible);
        // Holders on hosts the caller may not see stay unnamed.
        const shown = c.holderHost === '' || visible === undefined || visible(c.holderHost);
        return {
          workload_id: c.workloadId,
          level: c.level,
          reason: rpc.reason,
          message: rpc.message,
          holder_lease_id: shown ? c.holderLeaseId : '',
          holder_host: shown ? c.holderHost : '',
          holder_workload_id: shown ? c.holderWorkloadId : '',
        };
      }),
    ];
    return {
      response: {
        kept: result.kept.map(message),
        restored: result.restored.map(message),
        conflicts,
        released: result.released.map(message),
      },
      logFields: {
        host,
        reported: req.workloads.length,
        kept: result.kept.length,
        restored: result.restored.length,
        conflicts: conflicts.length,
        released: result.released.length,
      },
    };
  }

  return {
    Heartbeat: unary('Heartbeat', false, async (req, timeoutMs, call) => {
      const host = requireHost(req.host);
      await authorizer.authorize(call, 'Heartbeat', [host]);
      const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: false });
      if (!/^\d{0,20}$/.test(req.pool_epoch))
        throw invalidArgument('pool_epoch', 'must be a pool_epoch this service answered (digits), or empty');
      const beat = await store.heartbeat(host, ttl, { timeoutMs: timeoutMs(), knownEpoch: req.pool_epoch });
      return {
        response: {
          expires_at: beat.expiresAt > 0 ? timestamp(beat.expiresAt) : null,
          leases: String(beat.leases),
          pool_epoch: beat.poolEpoch,
        },
      };
    }),

    Reconcile: unary('Reconcile', true, async (req, timeoutMs, call) => {
      const host = requireHost(req.host);
      const grant = await authorizer.authorize(call, 'Reconcile', [host]);
      if (req.workloads.length > MAX_RECONCILE_WORKLOADS) {
        throw invalidArgument('workloads', `at most ${MAX_RECONCILE_WORKLOADS} workloads per call`);
      }
      // Reconciles are the dearest calls a host can make: a few at a time,
      // so that they never take the whole event loop from everyone else.
      return reconciles.run(
        () => reconcile(req, host, grant, timeoutMs),
        deadlineLeft(call),
        () => new RpcError(grpc.status.UNAVAILABLE, `${maxReconciles} Reconcile calls are running; retry later`, 'RECONCILE_BUSY'),
      );
    }),
  };
}
