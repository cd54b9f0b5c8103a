import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/agent/runtime/ndjson.js';
import { AsyncQueue } from '../../src/agent/runtime/queue.js';
import { effectiveLevel, levelOfLabel } from '../../src/agent/runtime/selinux.js';
import { cgroupVerdict, isZombieStat, processVerdict } from '../../src/agent/runtime/proc.js';
import { applyEvent, diffSnapshots, snapshotOf, type SnapshotEntry } from '../../src/agent/runtime/snapshot.js';
import { mapLimit } from '../../src/agent/runtime/limit.js';
import { defaultPodmanSocket } from '../../src/agent/runtime/podman.js';
import { criTarget, defaultCriSocket } from '../../src/agent/runtime/cri.js';
import type { RuntimeWorkload, WorkloadState } from '../../src/agent/runtime/types.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('LineSplitter', () => {
  it('joins lines split across chunks and drops blank ones', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(s.push(':2}\n\n')).toEqual(['{"b":2}']);
    expect(s.push('{"c":3}\r\n{"d":')).toEqual(['{"c":3}']);
    expect(s.flush()).toBe('{"d":');
    expect(s.flush()).toBeUndefined();
  });
});

describe('AsyncQueue', () => {
  it('yields values in order to a waiting reader, then ends; pushes after the end are dropped', async () => {
    const q = new AsyncQueue<number>();
    const it = q[Symbol.asyncIterator]();
    const first = it.next();
    q.push(1);
    q.push(2);
    q.end();
    q.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await it.next()).toEqual({ value: 2, done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers queued values before the failure', async () => {
    const q = new AsyncQueue<string>();
    q.push('a');
    q.fail(new Error('boom'));
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 'a', done: false });
    await expect(it.next()).rejects.toThrow('boom');
  });

  it('tells the producer when the consumer stops early', async () => {
    let stopped = 0;
    const q = new AsyncQueue<number>(() => stopped++);
    q.push(1);
    q.push(2);
    for await (const v of q) if (v === 1) break;
    expect(stopped).toBe(1);
    expect(q.closed).toBe(true);
  });
});

describe('levelOfLabel / effectiveLevel', () => {
  it.each([
    ['system_u:system_r:container_t:s0:c1,c2', 's0:c1,c2'],
    ['system_u:system_r:spc_t:s0', 's0'],
    ['u:r:t:s0-s0:c0.c1023', 's0-s0:c0.c1023'],
    ['u:r:t:SystemLow', 'SystemLow'],
    ['u:r:t:', undefined],
    ['u:r:t', undefined],
    ['', undefined],
  ])('%j -> %j', (label, level) => {
    expect(levelOfLabel(label)).toBe(level);
  });

  it('prefers the label the process runs with over the requested level', () => {
    const requested = { user: '', role: '', type: '', level: 's0:c5,c6' };
    expect(effectiveLevel('u:r:t:s0:c1,c2', requested)).toEqual({ level: 's0:c1,c2', levelSource: 'process-label' });
    expect(effectiveLevel(undefined, requested)).toEqual({ level: 's0:c5,c6', levelSource: 'requested' });
    expect(effectiveLevel(undefined, { ...requested, level: '' })).toBeUndefined();
    expect(effectiveLevel(undefined, undefined)).toBeUndefined();
  });
});

describe('process checks', () => {
  it.each([
    ['4242 (sleep) S 1 4242', false],
    ['4242 (sleep) Z 1 4242', true],
    ['4242 (a) b) X 1', true],
    ['4242 (my (odd) name) R 1', false],
  ])('zombie %j -> %s', (stat, zombie) => {
    expect(isZombieStat(stat)).toBe(zombie);
  });

  it.each([
    [`12:pids:/libpod_parent/libpod-${A}\n`, 'alive'],
    [`0::/machine.slice/libpod-${A}.scope/container\n`, 'alive'],
    [`11:memory:/kubepods/pod1/cri-containerd-${A}\n`, 'alive'],
    [`12:pids:/libpod_parent/libpod-${B}\n`, 'gone'],
    ['0::/user.slice/user-0.slice/session-1.scope\n', 'unknown'],
  ])('cgroup %j -> %s', (text, verdict) => {
    expect(cgroupVerdict(text, A)).toBe(verdict);
  });

  const proc = mkdtempSync(join(tmpdir(), 'mcs-proc-'));
  afterAll(() => rmSync(proc, { recursive: true, force: true }));
  const fake = (pid: number, stat: string, cgroup?: string): void => {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), 'stat'), stat);
    if (cgroup !== undefined) writeFileSync(join(proc, String(pid), 'cgroup'), cgroup);
  };

  it('reads a /proc tree: alive, zombie, missing, reused pid, no pid', () => {
    fake(10, '10 (sleep) S 1', `1:pids:/libpod_parent/libpod-${A}\n`);
    fake(11, '11 (sleep) Z 1', `1:pids:/libpod_parent/libpod-${A}\n`);
    fake(12, '12 (bash) S 1', `1:pids:/libpod_parent/libpod-${B}\n`);
    expect(processVerdict(10, A, proc)).toBe('alive');
    expect(processVerdict(11, A, proc)).toBe('gone');
    expect(processVerdict(12, A, proc)).toBe('gone');
    expect(processVerdict(13, A, proc)).toBe('gone');
    expect(processVerdict(0, A, proc)).toBe('unknown');
  });
});

function entry(id: string, state: WorkloadState, extra: Partial<SnapshotEntry> = {}): SnapshotEntry {
  const runtimeState = {
    created: 'CONTAINER_CREATED',
    running: 'CONTAINER_RUNNING',
    exited: 'CONTAINER_EXITED',
    unknown: 'CONTAINER_UNKNOWN',
  }[state];
  return { id, role: 'container', name: id.slice(0, 1), state, runtimeState, ...extra };
}

function snap(...entries: SnapshotEntry[]): Map<string, SnapshotEntry> {
  return new Map(entries.map((e) => [e.id, e]));
}

describe('diffSnapshots', () => {
  const t = new Date(1000);
  const brief = (prev: Map<string, SnapshotEntry>, next: Map<string, SnapshotEntry>) =>
    diffSnapshots(prev, next, t).map((e) => `${e.type} ${e.name} ${e.raw}`);

  it.each<[string, SnapshotEntry[], SnapshotEntry[], string[]]>([
    ['nothing changed', [entry(A, 'running')], [entry(A, 'running')], []],
    ['new, created', [], [entry(A, 'created')], ['created a (new)->CONTAINER_CREATED']],
    ['new, running', [], [entry(A, 'running')], ['started a (new)->CONTAINER_RUNNING']],
    ['new, already exited', [], [entry(A, 'exited')], ['died a (new)->CONTAINER_EXITED']],
    ['started', [entry(A, 'created')], [entry(A, 'running')], ['started a CONTAINER_CREATED->CONTAINER_RUNNING']],
    ['died', [entry(A, 'running')], [entry(A, 'exited')], ['died a CONTAINER_RUNNING->CONTAINER_EXITED']],
    ['failed start', [entry(A, 'created')], [entry(A, 'exited')], ['died a CONTAINER_CREATED->CONTAINER_EXITED']],
    ['restarted (Podman)', [entry(A, 'exited')], [entry(A, 'running')], ['started a CONTAINER_EXITED->CONTAINER_RUNNING']],
    ['unknown', [entry(A, 'running')], [entry(A, 'unknown')], ['other a CONTAINER_RUNNING->CONTAINER_UNKNOWN']],
    ['removed', [entry(A, 'exited'), entry(B, 'running')], [entry(B, 'running')], ['removed a CONTAINER_EXITED->(removed)']],
    [
      'restarted between two polls (new pid)',
      [entry(A, 'running', { pid: 10 })],
      [entry(A, 'running', { pid: 20 })],
      ['died a CONTAINER_RUNNING(pid 10)->CONTAINER_RUNNING(pid 20)', 'started a CONTAINER_RUNNING(pid 10)->CONTAINER_RUNNING(pid 20)'],
    ],
    ['same pid, or one unknown', [entry(A, 'running', { pid: 10 })], [entry(A, 'running')], []],
  ])('%s', (_name, prev, next, expected) => {
    expect(brief(snap(...prev), snap(...next))).toEqual(expected);
  });

  it('marks poll events and keeps role and pod', () => {
    const [e] = diffSnapshots(snap(), snap(entry(A, 'running', { role: 'sandbox', podId: A })), t);
    expect(e).toEqual({
      type: 'started',
      id: A,
      role: 'sandbox',
      name: 'a',
      raw: '(new)->CONTAINER_RUNNING',
      source: 'poll',
      time: t,
      podId: A,
    });
  });

  it('builds entries from workloads', () => {
    const w: RuntimeWorkload = {
      id: A,
      name: 'c',
      role: 'container',
      state: 'running',
      runtimeState: 'running',
      labels: {},
      annotations: {},
      pid: 7,
      pod: { id: B, name: 'p' },
    };
    expect(snapshotOf([w]).get(A)).toEqual({
      id: A,
      role: 'container',
      name: 'c',
      state: 'running',
      runtimeState: 'running',
      podId: B,
      pid: 7,
    });
  });
});

describe('applyEvent', () => {
  it('follows stream events so that a later poll reports only what the stream missed', () => {
    const known = snap(entry(A, 'created'));
    applyEvent(known, { type: 'started', id: A, role: 'container', raw: 'CONTAINER_STARTED_EVENT', source: 'stream', time: new Date() });
    applyEvent(known, {
      type: 'created',
      id: B,
      role: 'container',
      name: 'b',
      raw: 'CONTAINER_CREATED_EVENT',
      source: 'stream',
      time: new Date(),
    });
    applyEvent(known, { type: 'other', id: B, role: 'container', raw: 'whatever', source: 'stream', time: new Date() });
    expect([...known.values()].map((e) => `${e.name} ${e.state}`)).toEqual(['a running', 'b created']);
    // The stream broke while B started and A was removed; the poll after it says just that.
    const polled = snap(entry(B, 'running'));
    expect(diffSnapshots(known, polled, new Date()).map((e) => `${e.type} ${e.name}`)).toEqual(['started b', 'removed a']);
    applyEvent(known, { type: 'removed', id: A, role: 'container', raw: 'CONTAINER_DELETED_EVENT', source: 'stream', time: new Date() });
    expect(known.has(A)).toBe(false);
  });
});

describe('mapLimit', () => {
  it('keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('default sockets', () => {
  it('finds Podman at the rootful path for root and under XDG_RUNTIME_DIR otherwise', () => {
    expect(defaultPodmanSocket({}, 0)).toBe('/run/podman/podman.sock');
    expect(defaultPodmanSocket({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/podman/podman.sock');
    expect(defaultPodmanSocket({}, 1001)).toBe('/run/user/1001/podman/podman.sock');
  });

  it('takes the first CRI socket that exists, else containerd', () => {
    expect(defaultCriSocket(() => false)).toBe('/run/containerd/containerd.sock');
    expect(defaultCriSocket((p) => p.includes('crio'))).toBe('/run/crio/crio.sock');
    expect(criTarget('/run/crio/crio.sock')).toBe('unix:///run/crio/crio.sock');
    expect(criTarget('unix:///x.sock')).toBe('unix:///x.sock');
  });
});
