import * as grpc from '@grpc/grpc-js';
import { prepareVolumes, VolumeError } from '../../domain/volumes.js';
import type { Volume__Output } from '../../generated/mcs/v1/Volume.js';
import type { LabelAllocatorHandlers } from '../../generated/mcs/v1/LabelAllocator.js';
import { RpcError, invalidArgument } from '../errors.js';
import { leaseLog, volumePlanMessage, volumeRequests } from '../messages.js';
import { requireLeaseId } from '../validation.js';
import type { HandlerContext } from './context.js';

/** Volumes per request: enough for any real container, small enough to bound the claim checks. */
const MAX_VOLUMES = 128;

/** A request's volumes, checked, and the claims they make ("" host: the lease's, inside the script). */
export function requireVolumes(volumes: readonly Volume__Output[], host: string, homeDirs: readonly string[]) {
  if (volumes.length > MAX_VOLUMES) throw invalidArgument('volumes', `at most ${MAX_VOLUMES} volumes per request`);
  try {
    return prepareVolumes(volumeRequests(volumes), host, homeDirs);
  } catch (err) {
    if (!(err instanceof VolumeError)) throw err;
    const field = `volumes[${err.index}].${err.field}`;
    if (err.protectedPath !== undefined) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, err.message, 'RELABEL_NOT_ALLOWED', { field, host_path: err.protectedPath });
    }
    throw invalidArgument(field, err.rule);
  }
}

export function planVolumesHandler({ deps, store, authorizer, unary }: HandlerContext): LabelAllocatorHandlers['PlanVolumes'] {
  return unary('PlanVolumes', true, async (req, timeoutMs, call) => {
    const leaseId = requireLeaseId(req.lease_id);
    if (req.volumes.length === 0) throw invalidArgument('volumes', 'is required (at least one volume)');
    // Host-scoped claims take the lease's host inside the script ("h:").
    const { volumes, claims } = requireVolumes(req.volumes, '', deps.homeDirs);
    await authorizer.authorize(call, 'PlanVolumes', () => authorizer.hostOfLease(leaseId, timeoutMs()));
    const lease = await store.planVolumes(leaseId, claims, { timeoutMs: timeoutMs() });
    return {
      response: volumePlanMessage(lease, volumes, store.settings.sensitivity),
      logFields: { ...leaseLog(lease), volumes: volumes.length },
    };
  });
}
