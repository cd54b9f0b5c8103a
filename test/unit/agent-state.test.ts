import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, entryFileName, retryDelayMs, Spool, SpoolFormatError, type SpoolEntry } from '../../src/agent/spool.js';
import { decodeRecord, encodeRecord, RecordStore } from '../../src/agent/records.js';
import { KeyedLock, ReconcileGate } from '../../src/agent/locks.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mcs-agent-state-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entryArb: fc.Arbitrary<SpoolEntry> = fc.record(
  {
    v: fc.constant(1),
    seq: fc.nat(),
    host: fc.string({ minLength: 1 }),
    workloadId: fc.string({ minLength: 1 }),
    leaseId: fc.string(),
    containerId: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
    cause: fc.constantFrom('poststop' as const, 'died' as const, 'removed' as const),
    queuedAt: fc.integer({ min: 0 }),
  },
  { requiredKeys: ['v', 'seq', 'host', 'workloadId', 'cause', 'queuedAt'] },
);

describe('spool record format', () => {
  it('round-trips every entry', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        expect(decodeEntry(encodeEntry(e))).toEqual(e);
      }),
    );
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{"v":1,', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['another format', '{"v":2}', /format 2 is not 1/],
    ['no seq', '{"v":1,"host":"h","workloadId":"w","cause":"died","queuedAt":1}', /seq/],
    ['no workload', '{"v":1,"seq":1,"host":"h","cause":"died","queuedAt":1}', /workloadId is missing/],
    ['unknown cause', '{"v":1,"seq":1,"host":"h","workloadId":"w","cause":"whim","queuedAt":1}', /cause "whim" is unknown/],
    [
      'a numeric lease id',
      '{"v":1,"seq":1,"host":"h","workloadId":"w","leaseId":5,"cause":"died","queuedAt":1}',
      /leaseId is not a string/,
    ],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => decodeEntry(text)).toThrow(SpoolFormatError);
      expect(() => decodeEntry(text)).toThrow(message);
    });
  }

  it('file names sort in sequence order', () => {
    expect([entryFileName(10), entryFileName(9), entryFileName(100)].sort()).toEqual([
      entryFileName(9),
      entryFileName(10),
      entryFileName(100),
    ]);
  });

  it('retry delay doubles from 0.2 s and stops at 30 s', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([200, 400, 800, 1600]);
    expect(retryDelayMs(50)).toBe(30_000);
    expect(retryDelayMs(0)).toBe(200);
  });
});

describe('Spool on disk', () => {
  it('keeps entries across a reopen, in order, with sequence numbers that keep growing', () => {
    const dir = tempDir();
    const a = new Spool(dir);
    a.add({ host: 'h', workloadId: 'w1', cause: 'poststop', queuedAt: 1 });
    a.add({ host: 'h', workloadId: 'w2', leaseId: 'L2', cause: 'died', queuedAt: 2 });
    a.remove(1);
    a.add({ host: 'h', workloadId: 'w3', cause: 'removed', queuedAt: 3 });
    const b = new Spool(dir);
    expect(b.list().map((e) => [e.seq, e.workloadId])).toEqual([
      [2, 'w2'],
      [3, 'w3'],
    ]);
    expect(b.add({ host: 'h', workloadId: 'w4', cause: 'poststop', queuedAt: 4 }).seq).toBe(4);
  });

  it('removeBefore drops what was written before the mark only', () => {
    const s = new Spool(tempDir());
    s.add({ host: 'h', workloadId: 'a', cause: 'poststop', queuedAt: 1 });
    const mark = s.mark;
    s.add({ host: 'h', workloadId: 'b', cause: 'poststop', queuedAt: 2 });
    expect(s.removeBefore(mark)).toBe(1);
    expect(s.list().map((e) => e.workloadId)).toEqual(['b']);
  });

  it('moves an unreadable file aside and drops an unfinished write', () => {
    const dir = tempDir();
    new Spool(dir).add({ host: 'h', workloadId: 'ok', cause: 'poststop', queuedAt: 1 });
    writeFileSync(join(dir, 'spool', entryFileName(7)), 'garbage');
    writeFileSync(join(dir, 'spool', `.${entryFileName(8)}.tmp`), '{"v":1');
    const problems: { file: string; error: string }[] = [];
    const s = new Spool(dir, problems);
    expect(s.list().map((e) => e.workloadId)).toEqual(['ok']);
    expect(problems).toEqual([{ file: entryFileName(7), error: 'not JSON' }]);
    expect(readdirSync(join(dir, 'spool')).sort()).toEqual([entryFileName(1), `${entryFileName(7)}.bad`]);
  });
});

describe('hook records', () => {
  it('round-trip, survive a reopen, and a delete with a lease id spares a newer grant', async () => {
    const r = {
      workloadId: 'w'.repeat(256),
      containerId: 'c'.repeat(64),
      level: 's0:c1,c2',
      leaseId: 'L1',
      fencingToken: '12',
      grantedAt: 5,
    };
    expect(decodeRecord(encodeRecord(r))).toEqual(r);
    const dir = tempDir();
    const a = new RecordStore(dir);
    const fail = (err: Error) => {
      throw err;
    };
    a.put(r, fail);
    a.put({ ...r, workloadId: 'x', leaseId: 'L8' }, fail);
    a.put({ ...r, workloadId: 'x', leaseId: 'L9' }, fail); // replaces L8 before it was written
    expect(a.get('x')?.leaseId).toBe('L9'); // in memory at once
    await new Promise((resolve) => setImmediate(resolve)); // on disk right after
    const b = new RecordStore(dir);
    expect(b.get(r.workloadId)).toEqual(r);
    b.delete('x', 'L-old');
    expect(b.get('x')?.leaseId).toBe('L9');
    b.delete('x', 'L9');
    expect(new RecordStore(dir).get('x')).toBeUndefined();
  });
});

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedLock and ReconcileGate', () => {
  it('runs work on one key one at a time, other keys alongside', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let releaseA!: () => void;
    const a = lock.run('k', () => new Promise<void>((r) => (releaseA = () => (log.push('a done'), r()))));
    const b = lock.run('k', async () => void log.push('b'));
    const c = lock.run('other', async () => void log.push('c'));
    await tick();
    expect(log).toEqual(['c']);
    releaseA();
    await Promise.all([a, b, c]);
    expect(log).toEqual(['c', 'a done', 'b']);
    expect(lock.busyKeys).toBe(0);
  });

  it('a reconcile waits for grants under way and holds new ones back', async () => {
    const gate = new ReconcileGate();
    const log: string[] = [];
    const leave1 = await gate.enter();
    let endReconcile!: () => void;
    const reconcile = gate.exclusive(() => (log.push('reconcile'), new Promise<void>((r) => (endReconcile = r))));
    await tick();
    expect(log).toEqual([]);
    const second = gate.enter().then((leave) => (log.push('grant 2'), leave));
    leave1();
    await tick();
    await tick();
    expect(log).toEqual(['reconcile']);
    endReconcile();
    await reconcile;
    (await second)();
    expect(log).toEqual(['reconcile', 'grant 2']);
  });
});
