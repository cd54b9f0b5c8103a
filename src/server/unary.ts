/**
 * The wrapper of every unary handler: the store's time budget from the
 * client's deadline, one log line per mutating call (and per failure worth
 * one), the answer or the error as the client sees it, and the call's
 * metrics.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { RpcError, toRpcError, toServiceError, type Visibility } from './errors.js';
import type { Metrics } from './metrics.js';

const DEADLINE_MARGIN_MS = 20;

type AnyUnaryCall = grpc.ServerUnaryCall<unknown, unknown>;

/** What is left of the client's deadline (a day when it set none), less the margin for the answer. */
export function deadlineLeft(call: { getDeadline(): grpc.Deadline }): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  if (!Number.isFinite(at)) return 24 * 3600 * 1000;
  return Math.max(0, at - Date.now() - DEADLINE_MARGIN_MS);
}

/** How long the store may wait: the client's remaining deadline, capped at `capMs`. */
export function budget(call: { getDeadline(): grpc.Deadline }, capMs: number): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  if (!Number.isFinite(at)) return capMs;
  // Keep a little of the deadline for the answer to travel back, so the
  // client sees UNAVAILABLE rather than its own DEADLINE_EXCEEDED.
  const left = at - Date.now() - DEADLINE_MARGIN_MS;
  if (left <= 0) throw new RpcError(grpc.status.DEADLINE_EXCEEDED, 'deadline exceeded before the call reached Redis', 'DEADLINE_EXCEEDED');
  return Math.min(left, capMs);
}

export interface Handled<Res> {
  readonly response: Res;
  readonly logFields?: Record<string, unknown>;
}

/** A handler: the request, the store's budget (read it before each store call), the call. */
export type UnaryHandler<Req, Res> = (req: Req, timeoutMs: () => number, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Handled<Res>>;

export interface UnaryContext {
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** The pool's name, a label of the allocation and release counters. */
  readonly pool: string;
  /** Upper bound on one Redis call, whatever the client's deadline. */
  readonly redisTimeoutMs: number;
  /** Which hosts' leases the call's errors may name. */
  readonly visibility: (call: object) => Visibility;
}

export type Unary = <Req, Res>(method: string, mutating: boolean, handle: UnaryHandler<Req, Res>) => grpc.handleUnaryCall<Req, Res>;

export function unaryWrapper(ctx: UnaryContext): Unary {
  const { log } = ctx;
  return <Req, Res>(method: string, mutating: boolean, handle: UnaryHandler<Req, Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      const started = process.hrtime.bigint();
      const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
      handle(call.request, () => budget(call as AnyUnaryCall, ctx.redisTimeoutMs), call).then(
        ({ response, logFields }) => {
          if (mutating) log.info({ method, outcome: 'ok', latencyMs: elapsedMs(), ...logFields }, method);
          callback(null, response);
          count('OK', logFields);
        },
        (err: unknown) => {
          const rpc = toRpcError(err, ctx.visibility(call));
          const fields = { method, outcome: rpc.reason, code: grpc.status[rpc.code], latencyMs: elapsedMs(), message: rpc.message };
          if (rpc.code === grpc.status.INTERNAL) log.error({ ...fields, err }, method);
          else if (mutating || rpc.code === grpc.status.UNAVAILABLE) log.warn(fields, method);
          callback(toServiceError(rpc), null);
          count(grpc.status[rpc.code], undefined, rpc.reason);
        },
      );
      function count(code: string, logFields?: Record<string, unknown>, reason?: string) {
        const m = ctx.metrics;
        if (!m) return;
        m.rpcDuration.observe({ method, code }, elapsedMs() / 1000);
        const pool = ctx.pool;
        if (reason !== undefined) m.refusals.inc({ method, reason });
        if (method === 'Allocate') m.allocations.inc({ pool, outcome: reason ?? (logFields?.created ? 'created' : 'existing') });
        if (method === 'Release') m.releases.inc({ pool, outcome: reason ?? (logFields?.released ? 'released' : 'not_found') });
      }
    };
}
