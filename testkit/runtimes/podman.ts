/**
 * A real, isolated Podman for one test file: its own containers.conf and
 * storage.conf in a temp dir (storage, run root, tmp dir with the events
 * log, network configs, an empty hooks dir), a runc wrapper that keeps
 * runc's state in the temp dir too, the REST service on a socket in it, and
 * the real `podman` CLI against the same configuration. cleanup() removes
 * everything it made, also after a failed test.
 *
 * Settings this machine kind needs (see the runtime notes): runc, not crun;
 * low default ulimits (root has no CAP_SYS_RESOURCE); cgroupfs; the file
 * events logger (no journald).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killPid, processesMatching, waitUntil } from '../process.js';
import { execTool, missingPrograms, unmountUnder } from './exec.js';
import { writeRootfs, writeRootfsTar } from './image.js';

export const PODMAN_PROGRAMS = ['podman', 'runc', 'conmon', 'tar'] as const;
export const TEST_IMAGE = 'localhost/mcs-test:latest';

export interface PodmanHarnessOptions {
  /** Start `podman system service` (default true). */
  readonly service?: boolean;
  /**
   * Remove process.selinuxLabel and linux.mountLabel from the bundle's
   * config.json before `runc create`: runc refuses labels on a kernel with
   * SELinux disabled, and the lifecycle tests want the hooks to write them
   * as on an SELinux host. Leave it off to test what plain runc does.
   */
  readonly stripSelinuxLabels?: boolean;
}

/**
 * A shell runc wrapper that drops the two label fields from config.json on
 * `create`. Go writes the config compactly, so the fields are
 * `"selinuxLabel":"..."` with a comma before them (or after, when first).
 */
export function stripLabelsScript(runcRoot: string): string {
  return `#!/bin/sh
bundle=
prev=
for a in "$@"; do
  case "$prev" in --bundle|-b) bundle=$a ;; esac
  case "$a" in --bundle=*) bundle=\${a#--bundle=} ;; esac
  prev=$a
done
for a in "$@"; do
  if [ "$a" = create ] && [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
    sed -i -E 's/,"(selinuxLabel|mountLabel)":"[^"]*"//g; s/"(selinuxLabel|mountLabel)":"[^"]*",//g' "$bundle/config.json"
    break
  fi
done
exec /usr/sbin/runc --root '${runcRoot}' "$@"
`;
}

export class PodmanHarness {
  readonly socketPath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly runcRoot: string;
  private service: ChildProcess | undefined;
  private serviceExit: Promise<void> | undefined;
  private serviceStarts = 0;

  private constructor(
    readonly dir: string,
    private readonly stripLabels = false,
  ) {
    this.socketPath = join(dir, 'podman.sock');
    this.runcRoot = join(dir, 'runc');
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Nothing from the caller's shell may point the CLI at another Podman.
    for (const k of ['CONTAINER_HOST', 'CONTAINER_CONNECTION', 'CONTAINERS_REGISTRIES_CONF', 'DOCKER_HOST']) delete env[k];
    env.CONTAINERS_CONF = join(dir, 'containers.conf');
    env.CONTAINERS_STORAGE_CONF = join(dir, 'storage.conf');
    env.PATH = `${env.PATH ?? ''}:/usr/sbin:/sbin`;
    this.env = env;
  }

  static missing(): string[] {
    return missingPrograms(PODMAN_PROGRAMS);
  }

  static async start(options: PodmanHarnessOptions = {}): Promise<PodmanHarness> {
    const missing = PodmanHarness.missing();
    if (missing.length) throw new Error(`cannot run Podman here: ${missing.join(', ')} not installed (see .ci/run)`);
    const h = new PodmanHarness(mkdtempSync(join(tmpdir(), 'mcs-podman-')), options.stripSelinuxLabels ?? false);
    try {
      h.writeConfig();
      await h.importImage();
      if (options.service ?? true) await h.startService();
      return h;
    } catch (err) {
      await h.cleanup();
      throw err;
    }
  }

  private writeConfig(): void {
    const d = this.dir;
    for (const sub of ['tmp', 'hooks.d', 'networks', 'storage', 'run', 'bin', 'runc', 'image'])
      mkdirSync(join(d, sub), { recursive: true });
    // runc keeps container state in --root (default /run/runc, shared with
    // every other Podman on the host); the wrapper keeps ours in the temp dir.
    const wrapper = join(d, 'bin', 'runc');
    writeFileSync(
      wrapper,
      this.stripLabels ? stripLabelsScript(this.runcRoot) : `#!/bin/sh\nexec /usr/sbin/runc --root '${this.runcRoot}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    writeFileSync(
      join(d, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]',
        '[engine]',
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `tmp_dir = "${d}/tmp"`,
        `hooks_dir = ["${d}/hooks.d"]`,
        '[engine.runtimes]',
        `runc = ["${wrapper}"]`,
        '[network]',
        `network_config_dir = "${d}/networks"`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(d, 'storage.conf'),
      ['[storage]', 'driver = "overlay"', `graphroot = "${d}/storage"`, `runroot = "${d}/run"`, ''].join('\n'),
    );
  }

  private async importImage(): Promise<void> {
    const rootfs = writeRootfs(join(this.dir, 'image', 'rootfs'));
    const tar = await writeRootfsTar(rootfs, join(this.dir, 'image', 'rootfs.tar'));
    await this.podman('import', '--change', 'CMD ["/bin/sleep","infinity"]', tar, TEST_IMAGE);
  }

  get hooksDir(): string {
    return join(this.dir, 'hooks.d');
  }

  /** Writes hook definitions (containers-common hooks.d 1.0.0) into the hooks dir, replacing what was there under those names. */
  installHooks(files: Record<string, unknown>): void {
    for (const [name, def] of Object.entries(files)) writeFileSync(join(this.hooksDir, name), JSON.stringify(def, null, 2));
  }

  removeHooks(...names: string[]): void {
    for (const name of names) rmSync(join(this.hooksDir, name), { force: true });
  }

  /** Runs the podman CLI; resolves to its exit code and output, failing or not. */
  async podmanResult(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('podman', args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /** Runs the podman CLI against this instance; resolves to its trimmed stdout. */
  async podman(...args: string[]): Promise<string> {
    const { stdout } = await execTool('podman', args, { env: this.env, timeoutMs: 60_000 });
    return stdout.trim();
  }

  /** `podman run -d` with the test image: no network, a 1 s stop timeout (busybox sleep as PID 1 ignores SIGTERM). */
  async runDetached(name: string, options: readonly string[] = [], command: readonly string[] = ['sleep', '300']): Promise<string> {
    return this.podman('run', '-d', '--name', name, '--network', 'none', '--stop-timeout', '1', ...options, TEST_IMAGE, ...command);
  }

  async create(name: string, options: readonly string[] = [], command: readonly string[] = ['sleep', '300']): Promise<string> {
    return this.podman('create', '--name', name, '--network', 'none', '--stop-timeout', '1', ...options, TEST_IMAGE, ...command);
  }

  async inspectField(id: string, format: string): Promise<string> {
    return this.podman('inspect', '--format', format, id);
  }

  get serviceRunning(): boolean {
    return this.service !== undefined && this.service.exitCode === null && this.service.signalCode === null;
  }

  get servicePid(): number | undefined {
    return this.serviceRunning ? this.service?.pid : undefined;
  }

  async startService(): Promise<void> {
    if (this.serviceRunning) return;
    const log = createWriteStream(join(this.dir, `service-${++this.serviceStarts}.log`));
    const child = spawn('podman', ['system', 'service', '--time', '0', `unix://${this.socketPath}`], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.service = child;
    this.serviceExit = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitUntil(
      `the Podman service on ${this.socketPath}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`podman system service exited with ${child.exitCode}: ${this.serviceLog()}`);
        return (await ping(this.socketPath)) ? true : undefined;
      },
      20_000,
    );
  }

  /**
   * Stops the service. SIGTERM shuts it down gracefully (it keeps open
   * event streams going for a while); SIGKILL is a crash.
   */
  async stopService(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<void> {
    const child = this.service;
    if (!child || !this.serviceRunning) return;
    child.kill(signal);
    const exited = await Promise.race([
      this.serviceExit!.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
    ]);
    if (!exited) {
      child.kill('SIGKILL');
      await this.serviceExit;
    }
    rmSync(this.socketPath, { force: true });
    this.service = undefined;
  }

  serviceLog(): string {
    const out: string[] = [];
    for (let i = 1; i <= this.serviceStarts; i++) {
      try {
        out.push(readFileSync(join(this.dir, `service-${i}.log`), 'utf8'));
      } catch {
        // not written yet
      }
    }
    return out.join('\n').slice(-4000);
  }

  /**
   * Removes every container and pod, stops the service, then whatever a
   * killed conmon left: runc state and processes (found by the temp dir
   * in their command line), mounts; finally the temp dir.
   */
  async cleanup(): Promise<void> {
    await this.podman('pod', 'rm', '--all', '--force', '--time', '0').catch(() => undefined);
    await this.podman('rm', '--all', '--force', '--time', '0').catch(() => undefined);
    await this.stopService('SIGKILL').catch(() => undefined);
    // runc delete --force also kills a container process conmon no longer watches.
    const leftover = await execTool('/usr/sbin/runc', ['--root', this.runcRoot, 'list', '--quiet']).catch(() => ({ stdout: '' }));
    for (const id of leftover.stdout.split('\n').filter(Boolean)) {
      await execTool('/usr/sbin/runc', ['--root', this.runcRoot, 'delete', '--force', id]).catch(() => undefined);
    }
    for (const pid of processesMatching(this.dir)) killPid(pid);
    await unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** GET /_ping on the socket: true when the service answers OK. */
export function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
