import type { LabelAllocatorHandlers } from '../../generated/mcs/v1/LabelAllocator.js';
import { invalidArgument } from '../errors.js';
import { leaseLog } from '../messages.js';
import { optionalFencingToken, requireHost, requireLeaseId, requireWorkloadId } from '../validation.js';
import type { HandlerContext } from './context.js';

export function releaseHandler({ store, authorizer, unary }: HandlerContext): LabelAllocatorHandlers['Release'] {
  return unary('Release', true, async (req, timeoutMs, call) => {
    const fencingToken = optionalFencingToken(req.fencing_token);
    let ref: { leaseId?: string; host?: string; workloadId?: string };
    if (req.lease_id !== '') {
      ref = {
        leaseId: requireLeaseId(req.lease_id),
        ...(req.host !== '' ? { host: requireHost(req.host) } : {}),
        ...(req.workload_id !== '' ? { workloadId: requireWorkloadId(req.workload_id) } : {}),
      };
    } else {
      if (req.host === '' && req.workload_id === '') throw invalidArgument('lease_id', 'is required (or host and workload_id)');
      ref = { host: requireHost(req.host), workloadId: requireWorkloadId(req.workload_id) };
    }
    // A host identity releasing by id: read the lease's host once, authorize
    // it, and pin it, so the script refuses the release if it changed.
    let looked: readonly string[] | undefined;
    const lookup = async () => (looked = await authorizer.hostOfLease(ref.leaseId!, timeoutMs()));
    const grant = await authorizer.authorize(call, 'Release', ref.host !== undefined ? [ref.host] : lookup);
    if (grant?.role === 'host' && ref.host === undefined) {
      const [leaseHost] = looked ?? (await lookup());
      if (leaseHost === undefined) return { response: { released: false, remaining_members: 0 }, logFields: { ...ref, released: false } };
      ref = { ...ref, host: leaseHost };
    }
    const result = await store.release({ ...ref, fencingToken }, { timeoutMs: timeoutMs() });
    const logFields = result.lease
      ? { ...leaseLog(result.lease), released: result.released, remaining: result.remaining, member: ref.workloadId }
      : { ...ref, released: false };
    return { response: { released: result.released, remaining_members: result.remaining }, logFields };
  });
}
