import { describe, expect, it } from 'vitest';
import { Gate } from '../../src/server/gate.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Gate', () => {
  it('runs at most `limit` at once, the rest in arrival order', async () => {
    const gate = new Gate(2);
    const running = new Set<number>();
    let most = 0;
    const order: number[] = [];
    const release: (() => void)[] = [];
    const jobs = [0, 1, 2, 3, 4].map((i) =>
      gate.run(
        () =>
          new Promise<number>((resolve) => {
            running.add(i);
            order.push(i);
            most = Math.max(most, running.size);
            release[i] = () => {
              running.delete(i);
              resolve(i);
            };
          }),
        10_000,
        () => new Error('timeout'),
      ),
    );
    await tick();
    expect([...running]).toEqual([0, 1]);
    expect(gate.queued).toBe(3);
    for (const i of [1, 0, 2, 3, 4]) {
      await tick();
      release[i]!();
      await tick();
    }
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(gate.queued).toBe(0);
  });

  it('a waiter past its time leaves the queue with the caller error, and takes no place', async () => {
    const gate = new Gate(1);
    let finish!: () => void;
    const first = gate.run(
      () => new Promise<void>((r) => (finish = r)),
      1000,
      () => new Error('no'),
    );
    const late = gate.run(
      async () => 'ran',
      20,
      () => new Error('busy'),
    );
    await expect(late).rejects.toThrow('busy');
    expect(gate.queued).toBe(0);
    finish();
    await first;
    expect(
      await gate.run(
        async () => 'next',
        20,
        () => new Error('busy'),
      ),
    ).toBe('next');
  });

  it('a failing job frees its place', async () => {
    const gate = new Gate(1);
    await expect(
      gate.run(
        async () => Promise.reject(new Error('boom')),
        100,
        () => new Error('busy'),
      ),
    ).rejects.toThrow('boom');
    expect(
      await gate.run(
        async () => 1,
        100,
        () => new Error('busy'),
      ),
    ).toBe(1);
  });
});
