import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../src/server/allocator-service.js';
import { RpcError } from '../../src/server/errors.js';
import { leaseRef, optionalFencingToken, pageSize, requireHost, ttlSeconds } from '../../src/server/validation.js';
import { newLeaseId } from '../../src/store/lease-store.js';

function invalid(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(grpc.status.INVALID_ARGUMENT);
    return err as RpcError;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('request rules', () => {
  it.each(['node-1', 'a', 'worker_3.example.com', 'A1', '10.0.0.7'])('host %s is accepted', (h) => {
    expect(requireHost(h)).toBe(h);
  });

  it.each(['', 'a b', '-a', 'a-', 'a\u0000b', 'ü', 'a/b', 'x'.repeat(254)])('host %j is refused naming the field', (h) => {
    expect(invalid(() => requireHost(h)).message).toMatch(/^host: /);
  });

  it('fencing tokens: 0 means unchecked, leading zeros are dropped, non-numbers refused', () => {
    expect(optionalFencingToken('0')).toBe('');
    expect(optionalFencingToken('0042')).toBe('42');
    expect(optionalFencingToken('18446744073709551615')).toBe('18446744073709551615');
    expect(invalid(() => optionalFencingToken('-1')).message).toMatch(/^fencing_token: /);
  });

  it('page sizes: 0 means the default, large values are lowered to the maximum', () => {
    expect(pageSize(0)).toBe(100);
    expect(pageSize(5)).toBe(5);
    expect(pageSize(1_000_000)).toBe(1000);
    expect(invalid(() => pageSize(-3)).message).toMatch(/^page_size: /);
  });

  it('ttl rules', () => {
    expect(ttlSeconds(0, 'ttl_seconds', { required: false })).toBe(0);
    expect(invalid(() => ttlSeconds(0, 'ttl_seconds', { required: true })).message).toBe('ttl_seconds: must be at least 1');
  });

  it('a lease is named by id or by host + workload', () => {
    expect(leaseRef({ lease_id: 'abcd', host: '', workload_id: '' })).toEqual({ leaseId: 'abcd' });
    expect(leaseRef({ lease_id: '', host: 'h', workload_id: 'w' })).toEqual({ host: 'h', workloadId: 'w' });
    expect(invalid(() => leaseRef({ lease_id: '', host: '', workload_id: '' })).message).toMatch(/^lease_id: is required/);
  });
});

describe('page tokens', () => {
  it('round-trip for any cursor and filter', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n }), fc.constantFrom('', 'node-1', 'h'), (after, host) => {
        expect(decodePageToken(encodePageToken({ after: after.toString(), host }), host)).toBe(after.toString());
      }),
    );
  });

  it('are refused when forged or used with another filter', () => {
    const t = encodePageToken({ after: '5', host: 'a' });
    expect(invalid(() => decodePageToken(t, 'b')).message).toMatch(/different host filter/);
    for (const bad of ['x', Buffer.from('{"v":1,"a":"1;DROP","h":""}').toString('base64url'), 'A'.repeat(600)]) {
      expect(invalid(() => decodePageToken(bad, '')).message).toMatch(/^page_token: /);
    }
  });
});

describe('lease ids', () => {
  it('are 16 base32 characters and do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, newLeaseId));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(/^[a-z2-7]{16}$/);
  });
});
