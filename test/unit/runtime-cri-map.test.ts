import { describe, expect, it } from 'vitest';
import {
  criContainerState,
  criContainerWorkload,
  criEvent,
  criEventType,
  criSandboxState,
  criSandboxWorkload,
  criSelinuxFromInfo,
} from '../../src/agent/runtime/cri-map.js';
import type { CriContainer, CriContainerEventResponse, CriContainerStatus, CriPodSandbox } from '../../src/agent/runtime/cri-types.js';

const SANDBOX_ID = '117ab649ccd354d81bbe9ff42b07fb36a35e4e5d5920c3abfe293de0f030f45f';
const CONTAINER_ID = '7ed90c221123b48dea7cc5e643c522ce21b6f7ca4ddc57f061a066a868bb03bb';

/** As containerd 1.6.20 listed them, through our .proto and loader options. */
const SANDBOX: CriPodSandbox = {
  id: SANDBOX_ID,
  metadata: { name: 'pod1', uid: 'uid-1', namespace: 'ns1', attempt: 0 },
  state: 'SANDBOX_READY',
  created_at: '1796187667852740651',
  labels: { l: 'x' },
  annotations: { csv: 'a,b', 'io.mcs-allocator.workload-id': 'pod-w' },
  runtime_handler: '',
};

const CONTAINER: CriContainer = {
  id: CONTAINER_ID,
  pod_sandbox_id: SANDBOX_ID,
  metadata: { name: 'c1', attempt: 0 },
  image: { image: 'localhost/bb:latest', annotations: {} },
  image_ref: 'sha256:100b9f776bf68ce32ab5885e5eb9f32b4416ecbc4a5416c56b5fd50018cb5fe5',
  state: 'CONTAINER_RUNNING',
  created_at: '1796187667966414437',
  labels: { a: 'b' },
  annotations: { 'x/y': 'v,w' },
};

/** containerd's verbose info["info"], trimmed: the CRI config and the OCI spec. */
function containerdInfo(level: string | undefined, selinuxLabel?: string): Record<string, string> {
  return {
    info: JSON.stringify({
      sandboxID: SANDBOX_ID,
      pid: 4242,
      config: { metadata: { name: 'c1' }, linux: { security_context: level ? { selinux_options: { level } } : {} } },
      runtimeSpec: { ociVersion: '1.0.2-dev', process: { args: ['/bin/sleep', '300'], ...(selinuxLabel ? { selinuxLabel } : {}) } },
    }),
  };
}

describe('CRI states', () => {
  it.each([
    ['CONTAINER_CREATED', 'created'],
    ['CONTAINER_RUNNING', 'running'],
    ['CONTAINER_EXITED', 'exited'],
    ['CONTAINER_UNKNOWN', 'unknown'],
    ['SOMETHING_NEW', 'unknown'],
  ])('container %s -> %s', (word, state) => {
    expect(criContainerState(word)).toBe(state);
  });

  it.each([
    ['SANDBOX_READY', 'running'],
    ['SANDBOX_NOTREADY', 'exited'],
    ['', 'unknown'],
  ])('sandbox %s -> %s', (word, state) => {
    expect(criSandboxState(word)).toBe(state);
  });

  it.each([
    ['CONTAINER_CREATED_EVENT', 'created'],
    ['CONTAINER_STARTED_EVENT', 'started'],
    ['CONTAINER_STOPPED_EVENT', 'died'],
    ['CONTAINER_DELETED_EVENT', 'removed'],
    ['7', 'other'],
  ])('event %s -> %s', (word, type) => {
    expect(criEventType(word)).toBe(type);
  });
});

describe('criSelinuxFromInfo', () => {
  it('reads what containerd asked for when SELinux is disabled (no label in the spec)', () => {
    expect(criSelinuxFromInfo(containerdInfo('s0:c3,c4'))).toEqual({
      processLabel: undefined,
      requested: { user: '', role: '', type: '', level: 's0:c3,c4' },
    });
  });

  it('reads the label the process got from the OCI spec', () => {
    expect(criSelinuxFromInfo(containerdInfo(undefined, 'system_u:system_r:container_t:s0:c1,c2'))).toEqual({
      processLabel: 'system_u:system_r:container_t:s0:c1,c2',
      requested: undefined,
    });
  });

  it('reads a runtimeSpec-only document (CRI-O has no config in it)', () => {
    const info = { info: JSON.stringify({ sandboxID: SANDBOX_ID, pid: 1, runtimeSpec: { process: { selinuxLabel: 'u:r:t:s0:c7,c8' } } }) };
    expect(criSelinuxFromInfo(info).processLabel).toBe('u:r:t:s0:c7,c8');
  });

  it.each([[undefined], [{}], [{ info: '' }], [{ info: 'not json' }], [{ info: '[]' }]])('tells nothing from %j', (info) => {
    expect(criSelinuxFromInfo(info)).toEqual({ processLabel: undefined, requested: undefined });
  });
});

describe('criSandboxWorkload / criContainerWorkload', () => {
  it('maps a sandbox with its pod metadata', () => {
    expect(criSandboxWorkload(SANDBOX, criSelinuxFromInfo(containerdInfo('s0:c1,c2')))).toEqual({
      id: SANDBOX_ID,
      name: 'pod1',
      role: 'sandbox',
      state: 'running',
      runtimeState: 'SANDBOX_READY',
      labels: { l: 'x' },
      annotations: { csv: 'a,b', 'io.mcs-allocator.workload-id': 'pod-w' },
      requestedSelinux: { user: '', role: '', type: '', level: 's0:c1,c2' },
      level: 's0:c1,c2',
      levelSource: 'requested',
      pod: { id: SANDBOX_ID, name: 'pod1', uid: 'uid-1', namespace: 'ns1', attempt: 0 },
      createdAt: new Date(1796187667852),
    });
  });

  it('maps a container with its sandbox; the process label wins over the requested level', () => {
    const w = criContainerWorkload(
      CONTAINER,
      SANDBOX,
      criSelinuxFromInfo(containerdInfo('s0:c3,c4', 'system_u:system_r:container_t:s0:c3,c4')),
    );
    expect(w).toMatchObject({
      id: CONTAINER_ID,
      name: 'c1',
      role: 'container',
      state: 'running',
      runtimeState: 'CONTAINER_RUNNING',
      labels: { a: 'b' },
      annotations: { 'x/y': 'v,w' },
      processLabel: 'system_u:system_r:container_t:s0:c3,c4',
      level: 's0:c3,c4',
      levelSource: 'process-label',
      pod: { id: SANDBOX_ID, name: 'pod1', uid: 'uid-1', namespace: 'ns1' },
      image: 'localhost/bb:latest',
    });
  });

  it('knows the pod by id only when the sandbox is not known, and no level without the verbose status', () => {
    const w = criContainerWorkload(CONTAINER, undefined, undefined);
    expect(w.pod).toEqual({ id: SANDBOX_ID, name: undefined });
    expect(w).not.toHaveProperty('level');
    expect(w).not.toHaveProperty('requestedSelinux');
  });
});

describe('criEvent', () => {
  const status: CriContainerStatus = {
    id: CONTAINER_ID,
    metadata: { name: 'c1', attempt: 0 },
    state: 'CONTAINER_EXITED',
    created_at: '1796187667966414437',
    started_at: '1796187668000000000',
    finished_at: '1796187669000000000',
    exit_code: 137,
    image: null,
    image_ref: '',
    reason: 'Error',
    message: '',
    labels: { a: 'b' },
    annotations: {},
    log_path: '',
  };
  const base: CriContainerEventResponse = {
    container_id: CONTAINER_ID,
    container_event_type: 'CONTAINER_STOPPED_EVENT',
    created_at: '1796187669000500000',
    pod_sandbox_status: { ...SANDBOX },
    containers_statuses: [status],
  };

  it('maps a container stop to a death with the exit code', () => {
    expect(criEvent(base)).toEqual({
      type: 'died',
      id: CONTAINER_ID,
      role: 'container',
      raw: 'CONTAINER_STOPPED_EVENT',
      source: 'stream',
      time: new Date(1796187669000),
      name: 'c1',
      exitCode: 137,
      podId: SANDBOX_ID,
      labels: { a: 'b' },
    });
  });

  it('recognises a sandbox event by its id', () => {
    const e = criEvent({ ...base, container_id: SANDBOX_ID, container_event_type: 'CONTAINER_DELETED_EVENT', containers_statuses: [] });
    expect(e).toMatchObject({ type: 'removed', id: SANDBOX_ID, role: 'sandbox', name: 'pod1', podId: SANDBOX_ID, labels: { l: 'x' } });
  });

  it('uses the time it is given when the event has none', () => {
    const now = new Date(5);
    expect(criEvent({ ...base, created_at: '0', pod_sandbox_status: null, containers_statuses: [] }, now)).toMatchObject({
      time: now,
      role: 'container',
    });
  });
});
