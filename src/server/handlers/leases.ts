/** The calls that read or renew leases by id: Renew, GetLease, ListLeases, GetPoolStats. */
import * as grpc from '@grpc/grpc-js';
import type { LabelAllocatorHandlers } from '../../generated/mcs/v1/LabelAllocator.js';
import { RpcError } from '../errors.js';
import { leaseLog, poolStatsMessage } from '../messages.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { leaseRef, pageSize, requireHost, requireLeaseId, ttlSeconds } from '../validation.js';
import type { HandlerContext } from './context.js';

type Handlers = Pick<LabelAllocatorHandlers, 'Renew' | 'GetLease' | 'ListLeases' | 'GetPoolStats'>;

export function leaseHandlers({ store, authorizer, unary, message }: HandlerContext): Handlers {
  return {
    Renew: unary('Renew', true, async (req, timeoutMs, call) => {
      const leaseId = requireLeaseId(req.lease_id);
      const ttl = ttlSeconds(req.ttl_seconds, 'ttl_seconds', { required: true });
      await authorizer.authorize(call, 'Renew', () => authorizer.hostOfLease(leaseId, timeoutMs()));
      const lease = await store.renew(leaseId, ttl, { timeoutMs: timeoutMs() });
      return { response: { lease: message(lease) }, logFields: { ...leaseLog(lease), expiresAt: lease.expiresAt } };
    }),

    GetLease: unary('GetLease', false, async (req, timeoutMs, call) => {
      const ref = leaseRef(req);
      // A lease id with a host: the host must be the lease's, as for Release.
      const host = 'leaseId' in ref && req.host !== '' ? requireHost(req.host) : undefined;
      await authorizer.authorize(call, 'GetLease', 'leaseId' in ref ? () => authorizer.hostOfLease(ref.leaseId, timeoutMs()) : [ref.host]);
      const lease = await store.get(ref, { timeoutMs: timeoutMs() });
      if (host !== undefined && lease.host !== host) {
        throw new RpcError(grpc.status.FAILED_PRECONDITION, `the lease belongs to host ${lease.host}`, 'HOST_MISMATCH', {
          lease_host: lease.host,
        });
      }
      return { response: message(lease) };
    }),

    ListLeases: unary('ListLeases', false, async (req, timeoutMs, call) => {
      const host = req.host === '' ? '' : requireHost(req.host);
      await authorizer.authorize(call, 'ListLeases', host === '' ? [] : [host]);
      const limit = pageSize(req.page_size);
      const after = decodePageToken(req.page_token, host, req.held);
      if (req.held) {
        const page = await store.listHolds({ host, limit, ...(after ? { after: after.slot } : {}) }, { timeoutMs: timeoutMs() });
        const next = page.next !== undefined ? encodePageToken({ host, slot: page.next }, host, true) : '';
        return { response: { leases: page.holds.map(message), next_page_token: next } };
      }
      const page = await store.list({ host, limit, ...(after ? { after } : {}) }, { timeoutMs: timeoutMs() });
      const next = page.next ? encodePageToken(page.next, host) : '';
      return { response: { leases: page.leases.map(message), next_page_token: next } };
    }),

    GetPoolStats: unary('GetPoolStats', false, async (_req, timeoutMs, call) => {
      await authorizer.authorize(call, 'GetPoolStats', []);
      const s = await store.stats({ timeoutMs: timeoutMs() });
      return { response: poolStatsMessage(s) };
    }),
  };
}
