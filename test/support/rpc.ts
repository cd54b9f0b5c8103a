import * as grpc from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { errorInfoOf } from '../../src/rpc/error-details.js';
import { rpcError } from './service.js';
import { snapshot } from './snapshot.js';

/** LabelOptions with every field unset: spread it and set what a test needs. */
export const NO_OPTIONS = Object.freeze({ user: '', role: '', type: '', level: '', filetype: '', disable: false, profile: '' });

/** Checks an error's status code, its reason (trailer and ErrorInfo) and, optionally, its message. */
export function expectStatus(err: grpc.ServiceError, code: keyof typeof grpc.status, reason: string, message?: RegExp): void {
  expect(grpc.status[err.code]).toBe(code);
  expect(err.metadata.get('mcs-error-reason')).toEqual([reason]);
  const info = errorInfoOf(err);
  expect(info?.reason).toBe(reason);
  expect(info?.domain).toBe('mcs-allocator');
  if (message) expect(err.details).toMatch(message);
}

/** Runs a call that must be refused and checks that Redis did not change. */
export async function refusedWithoutTrace(raw: Redis, call: () => Promise<unknown>): Promise<grpc.ServiceError> {
  const before = await snapshot(raw);
  const err = await rpcError(call());
  expect(await snapshot(raw)).toEqual(before);
  return err;
}
