/**
 * A real, isolated containerd (with its CRI plugin) for one test file:
 * root, state, sockets, runc state and CNI config in a temp dir, a local
 * OCI image imported with ctr as both workload and sandbox image, pods
 * driven through the CRI RuntimeService with the adapter's own CriClient.
 * cleanup() removes every pod, stops containerd, and removes what it left
 * (shims, runc state, mounts, the pods' cgroups, the temp dir).
 *
 * Settings this machine kind needs (see the runtime notes):
 * restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE for the sandbox's
 * -998), runc with its own Root, the CNI plugins in /usr/lib/cni, an empty
 * CNI config dir (host-network pods only, so no hostname).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient } from '../../src/agent/runtime/cri.js';
import type { CriContainerConfig, CriPodSandboxConfig } from '../../src/agent/runtime/cri-types.js';
import { killPid, pidAlive, processesMatching, waitUntil } from '../process.js';
import { execTool, missingPrograms, unmountUnder } from './exec.js';
import { writeOciArchive, writeRootfs } from './image.js';

export const CONTAINERD_PROGRAMS = ['containerd', 'containerd-shim-runc-v2', 'ctr', 'runc', 'tar'] as const;
export const CRI_TEST_IMAGE = 'localhost/mcs-test:latest';

export interface TestPod {
  readonly id: string;
  readonly config: CriPodSandboxConfig;
}

export interface PodOptions {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly selinuxLevel?: string;
}

export interface ContainerOptions {
  readonly command?: string[];
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly selinuxLevel?: string;
}

export class ContainerdHarness {
  readonly socketPath: string;
  readonly client: CriClient;
  readonly runcRoot: string;
  /** Every pod's cgroup_parent: one per harness, removed at cleanup. */
  readonly cgroupParent: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private pods = 0;
  private readonly sandboxIds = new Set<string>();

  private constructor(readonly dir: string) {
    this.socketPath = join(dir, 'containerd.sock');
    this.runcRoot = join(dir, 'runc-root');
    this.cgroupParent = `/mcs-test-${randomBytes(4).toString('hex')}`;
    this.client = new CriClient({ socketPath: this.socketPath, timeoutMs: 30_000 });
  }

  static missing(): string[] {
    return missingPrograms(CONTAINERD_PROGRAMS);
  }

  static async start(): Promise<ContainerdHarness> {
    const missing = ContainerdHarness.missing();
    if (missing.length) throw new Error(`cannot run containerd here: ${missing.join(', ')} not installed (see .ci/run)`);
    const h = new ContainerdHarness(mkdtempSync(join(tmpdir(), 'mcs-cri-')));
    try {
      h.writeConfig();
      await h.startDaemon();
      await h.importImage();
      return h;
    } catch (err) {
      await h.cleanup();
      throw err;
    }
  }

  private writeConfig(): void {
    const d = this.dir;
    for (const sub of ['root', 'state', 'runc-root', 'cni/net.d', 'image', 'logs']) mkdirSync(join(d, sub), { recursive: true });
    writeFileSync(
      join(d, 'config.toml'),
      `version = 2
root = "${d}/root"
state = "${d}/state"
[grpc]
  address = "${this.socketPath}"
[ttrpc]
  address = "${this.socketPath}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${CRI_TEST_IMAGE}"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${d}/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
        Root = "${this.runcRoot}"
`,
    );
  }

  get daemonPid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async startDaemon(): Promise<void> {
    const log = createWriteStream(join(this.dir, 'containerd.log'));
    const child = spawn('containerd', ['--config', join(this.dir, 'config.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitUntil(
      `containerd on ${this.socketPath}`,
      async () => {
        if (!this.running) throw new Error(`containerd exited: ${this.log()}`);
        if (!existsSync(this.socketPath)) return undefined;
        await this.client.version();
        return true;
      },
      20_000,
    );
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'containerd.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  private async importImage(): Promise<void> {
    const rootfs = writeRootfs(join(this.dir, 'image', 'rootfs'));
    const archive = await writeOciArchive(rootfs, join(this.dir, 'image'), CRI_TEST_IMAGE);
    await execTool('ctr', ['--address', this.socketPath, '--namespace', 'k8s.io', 'images', 'import', archive]);
  }

  /** A host-network pod sandbox, as the kubelet would ask for one. */
  async runPod(name: string, options: PodOptions = {}): Promise<TestPod> {
    const n = ++this.pods;
    const config: CriPodSandboxConfig = {
      metadata: { name, uid: `uid-${name}-${n}`, namespace: 'mcs-test', attempt: 0 },
      log_directory: join(this.dir, 'logs', `${name}-${n}`),
      labels: options.labels ?? {},
      annotations: options.annotations ?? {},
      linux: {
        cgroup_parent: this.cgroupParent,
        security_context: {
          namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
          ...(options.selinuxLevel ? { selinux_options: { level: options.selinuxLevel } } : {}),
        },
      },
    };
    mkdirSync(config.log_directory!, { recursive: true });
    const id = await this.client.runPodSandbox(config);
    this.sandboxIds.add(id);
    return { id, config };
  }

  async createContainer(pod: TestPod, name: string, options: ContainerOptions = {}): Promise<string> {
    const config: CriContainerConfig = {
      metadata: { name, attempt: 0 },
      image: { image: CRI_TEST_IMAGE },
      command: options.command ?? ['/bin/sleep', '300'],
      labels: options.labels ?? {},
      annotations: options.annotations ?? {},
      log_path: `${name}.log`,
      linux: {
        security_context: {
          namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
          ...(options.selinuxLevel ? { selinux_options: { level: options.selinuxLevel } } : {}),
        },
      },
    };
    return this.client.createContainer(pod.id, config, pod.config);
  }

  async runContainer(pod: TestPod, name: string, options: ContainerOptions = {}): Promise<string> {
    const id = await this.createContainer(pod, name, options);
    await this.client.startContainer(id);
    return id;
  }

  /** The host pid of a running container's (or sandbox's) process, from containerd's verbose status. */
  async pidOf(id: string, sandbox = false): Promise<number> {
    const info = sandbox ? (await this.client.podSandboxStatus(id, true)).info : (await this.client.containerStatus(id, true)).info;
    const pid = (JSON.parse(info.info ?? '{}') as { pid?: number }).pid;
    if (!pid) throw new Error(`containerd reports no pid for ${id}`);
    return pid;
  }

  /** The pids of the runc shims of this containerd (their command line names our socket). */
  shimPids(): number[] {
    return processesMatching('containerd-shim', this.socketPath);
  }

  async removeAllPods(): Promise<void> {
    for (const s of await this.client.listPodSandbox()) {
      await this.client.stopPodSandbox(s.id).catch(() => undefined);
      await this.client.removePodSandbox(s.id).catch(() => undefined);
    }
  }

  async cleanup(): Promise<void> {
    if (this.running) await this.removeAllPods().catch(() => undefined);
    this.client.close();
    if (this.child && this.running) {
      this.child.kill('SIGTERM');
      const done = await Promise.race([this.exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!done) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    for (const pid of this.shimPids()) killPid(pid);
    await waitUntil('the shims to exit', () => this.shimPids().every((p) => !pidAlive(p)), 5_000).catch(() => undefined);
    const leftover = await execTool('/usr/sbin/runc', ['--root', this.runcRoot, 'list', '--quiet']).catch(() => ({ stdout: '' }));
    for (const id of leftover.stdout.split('\n').filter(Boolean)) {
      await execTool('/usr/sbin/runc', ['--root', this.runcRoot, 'delete', '--force', id]).catch(() => undefined);
    }
    // containerd 1.6 puts the shims' sockets in /run/containerd/s, named by
    // sha256(<containerd address>/<namespace>/<sandbox id>); a killed shim leaves its socket.
    for (const id of this.sandboxIds) {
      const name = createHash('sha256').update(`${this.socketPath}/k8s.io/${id}`).digest('hex');
      rmSync(join('/run/containerd/s', name), { force: true });
    }
    await unmountUnder(this.dir);
    removeCgroups(this.cgroupParent);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Removes the (empty) cgroup directories named `parent` under each controller, children first. */
function removeCgroups(parent: string): void {
  const root = '/sys/fs/cgroup';
  let controllers: string[];
  try {
    controllers = readdirSync(root);
  } catch {
    return;
  }
  const remove = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) remove(join(dir, e));
    try {
      rmdirSync(dir);
    } catch {
      // rmdir of a cgroup fails while it has processes; nothing of ours is left by now
    }
  };
  for (const c of [...controllers, '']) {
    const dir = join(root, c, parent);
    if (existsSync(dir)) remove(dir);
  }
}
