import { describe, expect, it } from 'vitest';
import {
  PodmanDeathTracker,
  ReplayCursor,
  parsePodmanEventLine,
  podmanDetailsFromInspect,
  podmanEventType,
  podmanState,
  podmanWorkload,
  rfc3339Nano,
} from '../../src/agent/runtime/podman-map.js';

const ID = '0b6a2d1df738ab5e0883b827559619b13140c0731071285e618209ce61e38bf5';

/** A list entry as Podman 4.3.1 answered it (trimmed of fields the mapping ignores). */
const LIST_ENTRY = {
  AutoRemove: false,
  Command: ['sleep', '300'],
  Created: '2026-12-02T04:58:08.669562096Z',
  Exited: false,
  ExitedAt: -62135596800,
  ExitCode: 0,
  Id: ID,
  Image: 'localhost/bb:latest',
  IsInfra: false,
  Labels: { app: 'one', csv: 'a,b' },
  Names: ['c1'],
  Pid: 10556,
  Pod: '',
  PodName: '',
  State: 'running',
};

/** The same container's inspect, trimmed. */
const INSPECT = {
  Id: ID,
  ProcessLabel: '',
  MountLabel: '',
  State: { Status: 'running', Pid: 10556, ConmonPid: 10545 },
  Config: {
    Labels: { app: 'one', csv: 'a,b' },
    Annotations: {
      'io.container.manager': 'libpod',
      'io.mcs-allocator.workload-id': 'w1',
      'io.x/commas': 'a,b,c',
    },
  },
};

/** One line of the event stream, byte for byte as Podman 4.3.1 sent it. */
const DIED_LINE =
  '{"status":"died","id":"404d9fcbdd4b119da4cd7da0f22b2fef052800d4e59311628fd4cdef6050023f","from":"localhost/bb:latest","Type":"container","Action":"died","Actor":{"ID":"404d9fcbdd4b119da4cd7da0f22b2fef052800d4e59311628fd4cdef6050023f","Attributes":{"app":"one","containerExitCode":"137","image":"localhost/bb:latest","name":"c3","podId":""}},"scope":"local","time":1796187489,"timeNano":1796187489130617081}';

describe('podmanState', () => {
  it.each([
    ['created', 'created'],
    ['initialized', 'created'],
    ['running', 'running'],
    ['paused', 'running'],
    ['stopping', 'running'],
    ['stopped', 'exited'],
    ['exited', 'exited'],
    ['removing', 'exited'],
    ['unknown', 'unknown'],
    ['bad state', 'unknown'],
    ['', 'unknown'],
  ])('%s -> %s', (word, state) => {
    expect(podmanState(word)).toBe(state);
  });
});

describe('podmanEventType', () => {
  it.each([
    ['create', 'created'],
    ['start', 'started'],
    ['died', 'died'],
    ['remove', 'removed'],
    // Not a lease change of their own: the death that follows has its own event.
    ['init', 'other'],
    ['kill', 'other'],
    ['stop', 'other'],
    ['cleanup', 'other'],
    ['restart', 'other'],
    // An exec session ending is not the container dying.
    ['exec_died', 'other'],
    ['sync', 'other'],
    ['health_status', 'other'],
  ])('%s -> %s', (status, type) => {
    expect(podmanEventType(status)).toBe(type);
  });
});

describe('podmanWorkload', () => {
  it('takes the list fields and the inspect details', () => {
    const w = podmanWorkload(LIST_ENTRY, podmanDetailsFromInspect(INSPECT));
    expect(w).toEqual({
      id: ID,
      name: 'c1',
      role: 'container',
      state: 'running',
      runtimeState: 'running',
      labels: { app: 'one', csv: 'a,b' },
      annotations: { 'io.container.manager': 'libpod', 'io.mcs-allocator.workload-id': 'w1', 'io.x/commas': 'a,b,c' },
      pid: 10556,
      image: 'localhost/bb:latest',
      createdAt: new Date('2026-12-02T04:58:08.669Z'),
    });
  });

  it('reports the process label and its level when SELinux labelled the container', () => {
    const details = podmanDetailsFromInspect({ ...INSPECT, ProcessLabel: 'system_u:system_r:container_t:s0:c12,c907' });
    const w = podmanWorkload(LIST_ENTRY, details);
    expect(w?.processLabel).toBe('system_u:system_r:container_t:s0:c12,c907');
    expect(w?.level).toBe('s0:c12,c907');
    expect(w?.levelSource).toBe('process-label');
  });

  it('has no process label or level when Podman reports "" (SELinux disabled, label=disable)', () => {
    const w = podmanWorkload(LIST_ENTRY, podmanDetailsFromInspect(INSPECT));
    expect(w).not.toHaveProperty('processLabel');
    expect(w).not.toHaveProperty('level');
  });

  it('leaves annotations undefined when the inspect is missing (the container went away)', () => {
    expect(podmanWorkload(LIST_ENTRY, undefined)?.annotations).toBeUndefined();
  });

  it('reads null labels as none, drops the pid of a container that does not run, and names the pod', () => {
    const w = podmanWorkload(
      {
        ...LIST_ENTRY,
        Labels: null,
        State: 'created',
        Pid: 0,
        Pod: 'ac964474b783',
        PodName: 'pod1',
        IsInfra: true,
        Names: ['ac964474b783-infra'],
      },
      undefined,
    );
    expect(w).toMatchObject({
      labels: {},
      state: 'created',
      role: 'sandbox',
      pod: { id: 'ac964474b783', name: 'pod1' },
      name: 'ac964474b783-infra',
    });
    expect(w).not.toHaveProperty('pid');
  });

  it('skips an entry without an id and names a nameless container by its short id', () => {
    expect(podmanWorkload({ ...LIST_ENTRY, Id: undefined }, undefined)).toBeUndefined();
    expect(podmanWorkload({ ...LIST_ENTRY, Names: [] }, undefined)?.name).toBe(ID.slice(0, 12));
    expect(podmanWorkload('garbage', undefined)).toBeUndefined();
  });

  it('ignores Go zero times', () => {
    expect(podmanWorkload({ ...LIST_ENTRY, Created: '0001-01-01T00:00:00Z' }, undefined)).not.toHaveProperty('createdAt');
  });
});

describe('parsePodmanEventLine', () => {
  it('maps a death with its exit code, name and labels, and keeps timeNano exact', () => {
    const r = parsePodmanEventLine(DIED_LINE);
    expect(r.timeNano).toBe(1796187489130617081n);
    expect(r.event).toEqual({
      type: 'died',
      id: '404d9fcbdd4b119da4cd7da0f22b2fef052800d4e59311628fd4cdef6050023f',
      role: 'container',
      raw: 'died',
      source: 'stream',
      time: new Date(1796187489130),
      name: 'c3',
      exitCode: 137,
      labels: { app: 'one' },
    });
  });

  it('keeps the raw status of events it does not map, without an exit code', () => {
    const r = parsePodmanEventLine(DIED_LINE.replaceAll('"died"', '"cleanup"'));
    expect(r.event?.type).toBe('other');
    expect(r.event?.raw).toBe('cleanup');
    expect(r.event).not.toHaveProperty('exitCode');
  });

  it('carries the pod id when Podman gives one', () => {
    const r = parsePodmanEventLine(DIED_LINE.replace('"podId":""', '"podId":"ac964474b783"').replaceAll('"died"', '"start"'));
    expect(r.event).toMatchObject({ type: 'started', podId: 'ac964474b783' });
  });

  it('has no event for other types, but still a time and key', () => {
    const r = parsePodmanEventLine(DIED_LINE.replace('"Type":"container"', '"Type":"image"'));
    expect(r.event).toBeUndefined();
    expect(r.timeNano).toBe(1796187489130617081n);
  });

  it('rejects a line that is not JSON', () => {
    expect(() => parsePodmanEventLine('{"status":')).toThrow();
  });
});

describe('rfc3339Nano', () => {
  it.each([
    [1796187489130617081n, '2026-12-02T04:58:09.130617081Z'],
    [1796187489000000001n, '2026-12-02T04:58:09.000000001Z'],
    [0n, '1970-01-01T00:00:00.000000000Z'],
  ])('%s -> %s', (nanos, text) => {
    expect(rfc3339Nano(nanos)).toBe(text);
  });
});

describe('ReplayCursor', () => {
  const S = 1_000_000_000n;
  const rec = (t: bigint, key = `k${t}`) => ({ timeNano: t, key });

  it('delivers each event once, also when a replay repeats it, and out of time order', () => {
    const c = new ReplayCursor(100n * S, 5n * S);
    expect(c.admit(rec(101n * S))).toBe(true);
    expect(c.admit(rec(103n * S))).toBe(true);
    // written late by another process: older than the newest, still new
    expect(c.admit(rec(102n * S))).toBe(true);
    // the replay after a reconnection
    expect(c.admit(rec(101n * S))).toBe(false);
    expect(c.admit(rec(103n * S))).toBe(false);
    expect(c.admit(rec(104n * S))).toBe(true);
  });

  it('tells two events at the same nanosecond apart by key', () => {
    const c = new ReplayCursor(0n);
    expect(c.admit(rec(7n, 'a'))).toBe(true);
    expect(c.admit(rec(7n, 'b'))).toBe(true);
    expect(c.admit(rec(7n, 'a'))).toBe(false);
  });

  it('drops events from before the watch began', () => {
    const c = new ReplayCursor(100n * S);
    expect(c.admit(rec(99n * S))).toBe(false);
    expect(c.admit(rec(100n * S))).toBe(true);
  });

  it('asks for the window before the newest event, never before the start, one nanosecond early (since is exclusive)', () => {
    const c = new ReplayCursor(100n * S, 5n * S);
    expect(c.since()).toBe(rfc3339Nano(100n * S - 1n));
    c.admit(rec(102n * S));
    expect(c.since()).toBe(rfc3339Nano(100n * S - 1n));
    c.admit(rec(120n * S));
    expect(c.since()).toBe(rfc3339Nano(115n * S - 1n));
  });

  it('forgets keys older than the window, which a replay no longer asks for', () => {
    const c = new ReplayCursor(0n, 5n * S);
    c.admit(rec(1n * S, 'old'));
    c.admit(rec(10n * S, 'new'));
    expect(c.admit(rec(10n * S, 'new'))).toBe(false);
    expect(c.admit(rec(1n * S, 'old'))).toBe(true);
  });

  it('passes events without a time', () => {
    const c = new ReplayCursor(100n);
    expect(c.admit({ timeNano: undefined, key: 'x' })).toBe(true);
  });
});

describe('PodmanDeathTracker', () => {
  const event = (raw: string, id = 'x') => ({ ...parsePodmanEventLine(DIED_LINE.replaceAll('"died"', `"${raw}"`)).event!, id });
  const run = (raws: string[]) => {
    const t = new PodmanDeathTracker();
    return raws.map((r) => t.refine(event(r)).type);
  };

  it.each<[string, string[], string[]]>([
    [
      'a normal death: one died',
      ['create', 'init', 'start', 'died', 'cleanup', 'remove'],
      ['created', 'other', 'started', 'died', 'other', 'removed'],
    ],
    ['a failed start: the cleanup is the death', ['create', 'cleanup', 'remove'], ['created', 'died', 'removed']],
    [
      'a restart dies again',
      ['start', 'died', 'cleanup', 'init', 'start', 'died', 'cleanup'],
      ['started', 'died', 'other', 'other', 'started', 'died', 'other'],
    ],
    ['a cleanup seen without its history', ['cleanup', 'cleanup'], ['died', 'other']],
  ])('%s', (_name, raws, types) => {
    expect(run(raws)).toEqual(types);
  });

  it('keeps containers apart', () => {
    const t = new PodmanDeathTracker();
    t.refine(event('died', 'a'));
    expect(t.refine(event('cleanup', 'a')).type).toBe('other');
    expect(t.refine(event('cleanup', 'b')).type).toBe('died');
  });
});
