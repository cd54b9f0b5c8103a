import { expect } from 'vitest';

/** Runs fn and returns the error of class `cls` it throws; fails when it throws nothing or something else. */
export function thrown<T extends Error>(cls: abstract new (...args: never[]) => T, fn: () => unknown): T {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as T;
  }
  throw new Error(`expected a ${cls.name}, nothing was thrown`);
}
