import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../src/server/page-token.js';
import { RpcError } from '../../src/server/errors.js';
import { leaseRef, optionalFencingToken, pageSize, requireHost, ttlSeconds } from '../../src/server/validation.js';
import { newLeaseSuffix, slotDigits, slotOfLeaseId } from '../../src/store/lease-id.js';

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
    expect(leaseRef({ lease_id: 'abcdabcdabcdabcd', host: '', workload_id: '' })).toEqual({ leaseId: 'abcdabcdabcdabcd' });
    expect(leaseRef({ lease_id: '', host: 'h', workload_id: 'w' })).toEqual({ host: 'h', workloadId: 'w' });
    expect(invalid(() => leaseRef({ lease_id: '', host: '', workload_id: '' })).message).toMatch(/^lease_id: is required/);
  });
});

describe('page tokens', () => {
  it('round-trip for any cursor and filter (a filtered listing stays on its host)', () => {
    fc.assert(
      fc.property(fc.nat(1_048_575), fc.constantFrom('', 'node-1', 'h'), fc.constantFrom('', 'node-1', 'x.y'), (slot, host, filter) => {
        const token = encodePageToken({ host, slot }, filter);
        if (filter === '' || host === filter) expect(decodePageToken(token, filter)).toEqual({ host, slot });
        else expect(invalid(() => decodePageToken(token, filter)).message).toBe('page_token: is not a token this service issued');
      }),
    );
  });

  it('are refused when forged or used with another filter', () => {
    const t = encodePageToken({ host: 'a', slot: 5 }, 'a');
    expect(invalid(() => decodePageToken(t, 'b')).message).toMatch(/different host filter/);
    for (const bad of ['x', Buffer.from('{"v":1,"f":"","h":"a","s":"1;DROP"}').toString('base64url'), 'A'.repeat(600)]) {
      expect(invalid(() => decodePageToken(bad, '')).message).toMatch(/^page_token: /);
    }
    expect(decodePageToken('', 'a')).toBeUndefined();
  });
});

describe('lease ids', () => {
  it('carry the slot in four base32 digits for every slot', () => {
    for (let slot = 0; slot < 32 ** 4; slot += 1) {
      const id = slotDigits(slot) + 'aaaaaaaaaaaa';
      if (slotOfLeaseId(id) !== slot) expect(slotOfLeaseId(id)).toBe(slot);
    }
    expect(slotOfLeaseId('7777' + 'a'.repeat(12))).toBe(32 ** 4 - 1);
  });

  it('refuse anything but 16 base32 characters', () => {
    for (const bad of ['', 'abc', 'A'.repeat(16), '1'.repeat(16), 'a'.repeat(17)]) expect(slotOfLeaseId(bad)).toBeUndefined();
  });

  it('have random suffixes that do not repeat', () => {
    const suffixes = new Set(Array.from({ length: 10_000 }, newLeaseSuffix));
    expect(suffixes.size).toBe(10_000);
    for (const s of suffixes) expect(s).toMatch(/^[a-z2-7]{12}$/);
  });
});
