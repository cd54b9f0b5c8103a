/**
 * `mcsctl oci precreate` and `mcsctl oci poststop` against a real service,
 * fed OCI runtime config and state documents shaped like the runtime spec's
 * (test/fixtures/oci/), and the shipped hook definitions (deploy/hooks.d/)
 * checked against the containers-common 1.0.0 schema and run the way a
 * runtime runs them (argv and environment from the file, nothing else).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sleep } from '../../testkit/process.js';
import { freePort, TestRedis } from '../../testkit/redis-server.js';
import { rpcError, startService, type TestClient } from '../support/service.js';
import { HOOK_TEST_ENV, useTestService, mcsctl, MCSCTL, show, startMcsctl, type RunResult } from './mcsctl.helpers.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'oci');
const CONFIG = readFileSync(join(FIXTURES, 'config.json'), 'utf8');
const LABELLED = readFileSync(join(FIXTURES, 'config-labelled.json'), 'utf8');
const STATE = readFileSync(join(FIXTURES, 'state.json'), 'utf8');
/** The container id the fixtures carry (Podman's cgroup path, the state's id). */
const CONTAINER_ID = '3f8a1c2e9b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a';

let redis: TestRedis;
let client: TestClient;
let address: string;

useTestService((s) => ({ redis, client, address } = s));

type Doc = Record<string, any>;

/** A fixture with changes applied, numbers kept exactly. */
function edit(text: string, change: (doc: Doc) => void): string {
  const doc = parseLossless(text) as Doc;
  change(doc);
  return stringifyLossless(doc)!;
}

function withAnnotations(text: string, annotations: Record<string, string>): string {
  return edit(text, (d) => Object.assign(d.annotations, annotations));
}

function precreate(input: string, args: string[] = [], server = address): Promise<RunResult> {
  return mcsctl(['--server', server, 'oci', 'precreate', ...args], { input });
}

function poststop(input: string, args: string[] = [], server = address): Promise<RunResult> {
  return mcsctl(['--server', server, 'oci', 'poststop', ...args], { input });
}

/** The precreate output must be exactly the input with the two labels and the lease annotations changed. */
function expectOnlyLabelsChanged(
  input: string,
  output: string,
  lease: { process_label: string; mount_label: string; lease_id: string },
  plan?: unknown,
): void {
  const expected = edit(input, (d) => {
    d.process.selinuxLabel = lease.process_label;
    d.linux.mountLabel = lease.mount_label;
    d.annotations['io.mcs-allocator.lease-id'] = lease.lease_id;
    if (plan !== undefined) d.annotations['io.mcs-allocator.volume-plan'] = JSON.stringify(plan);
  });
  expect(output).toBe(`${expected}\n`);
}

describe('oci precreate', () => {
  it('gives an unlabelled config a random lease, changing only the labels (64-bit numbers and key order intact)', async () => {
    const r = await precreate(CONFIG, ['--host', 'oci-1']);
    expect(r.code, show(r)).toBe(0);
    // the workload is the container id from Podman's cgroup path
    const lease = await client.GetLease({ host: 'oci-1', workload_id: CONTAINER_ID });
    expect(lease.kind).toBe('RANDOM');
    expectOnlyLabelsChanged(CONFIG, r.stdout, lease);
    expect(r.stdout).toContain('"hard":18446744073709551615');
    expect(r.stdout).toContain('"limit":9223372036854771712');
    expect(r.stderr).toContain(`lease ${lease.lease_id}`);

    // a second start of the same container gets the same lease back
    const again = await precreate(CONFIG, ['--host', 'oci-1']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toBe(r.stdout);
  });

  it('reads the workload, volumes, ttl, type and storage from annotations and writes the plan into the config', async () => {
    const input = withAnnotations(CONFIG, {
      'io.mcs-allocator.workload-id': 'web-frontend',
      'io.mcs-allocator.volumes': '/srv/www:Z,/srv/assets:z:ro',
      'io.mcs-allocator.ttl': '600',
      'io.mcs-allocator.type': 'container_kvm_t',
      'io.mcs-allocator.storage-id': 'nfs-7',
    });
    const r = await precreate(input, ['--host', 'oci-1']);
    expect(r.code, show(r)).toBe(0);
    const lease = await client.GetLease({ host: 'oci-1', workload_id: 'web-frontend' });
    expect(lease.process_label).toMatch(/^system_u:system_r:container_kvm_t:s0:c\d+,c\d+$/);
    expect(lease.expires_at).not.toBeNull();
    expect(lease.claims).toEqual([
      { host_path: '/srv/www', mode: 'Z', storage_id: 'nfs-7' },
      { host_path: '/srv/assets', mode: 'z', storage_id: 'nfs-7' },
    ]);
    const out = JSON.parse(r.stdout) as Doc;
    const plan = JSON.parse(out.annotations['io.mcs-allocator.volume-plan']) as { actions: Doc[] };
    expect(plan.actions.map((a) => [a.host_path, a.action, a.target_label])).toEqual([
      ['/srv/www', 'RELABEL_RECURSIVE', lease.mount_label],
      ['/srv/assets', 'RELABEL_RECURSIVE', 'system_u:object_r:container_ro_file_t:s0'],
    ]);
    expectOnlyLabelsChanged(input, r.stdout, lease, plan);
  });

  it('leases the static label already in the config instead of replacing it', async () => {
    const input = withAnnotations(LABELLED, { 'io.mcs-allocator.workload-id': 'static-1' });
    const r = await precreate(input, ['--host', 'oci-2']);
    expect(r.code, show(r)).toBe(0);
    const lease = await client.GetLease({ host: 'oci-2', workload_id: 'static-1' });
    expect(lease).toMatchObject({
      kind: 'STATIC',
      level: 's0:c100,c200',
      process_label: 'system_u:system_r:container_t:s0:c100,c200',
      mount_label: 'system_u:object_r:container_file_t:s0:c100,c200',
    });
    const out = JSON.parse(r.stdout) as Doc;
    expect(out.process.selinuxLabel).toBe('system_u:system_r:container_t:s0:c100,c200');
    expect(out.linux.mountLabel).toBe('system_u:object_r:container_file_t:s0:c100,c200');
    expectOnlyLabelsChanged(input, r.stdout, lease);

    // another container with the same label is refused: it must not start
    const clash = await precreate(withAnnotations(LABELLED, { 'io.mcs-allocator.workload-id': 'static-2' }), ['--host', 'oci-3']);
    expect(clash.code, show(clash)).toBe(1);
    expect(clash.stdout).toBe('');
    expect(clash.stderr).toMatch(/^mcsctl: ALREADY_EXISTS \(LEVEL_IN_USE\): /);
  });

  it("a type the server does not allow is refused (the config's type is checked, not trusted)", async () => {
    const input = edit(LABELLED, (d) => {
      d.process.selinuxLabel = 'system_u:system_r:unconfined_t:s0:c300,c301';
      d.linux.mountLabel = 'system_u:object_r:container_file_t:s0:c300,c301';
      d.annotations['io.mcs-allocator.workload-id'] = 'sneaky';
    });
    const r = await precreate(input, ['--host', 'oci-2']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/^mcsctl: PERMISSION_DENIED \(NOT_ALLOWED\): /);
    await expect(rpcError(client.GetLease({ host: 'oci-2', workload_id: 'sneaky' }))).resolves.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('uses a lease allocated before the container started (mcsctl allocate --format podman)', async () => {
    const pre = await mcsctl(['--server', address, '--json', 'allocate', '--host', 'oci-4', '--workload', 'planned']);
    expect(pre.code, show(pre)).toBe(0);
    const lease = (JSON.parse(pre.stdout) as Doc).lease as { level: string; lease_id: string; process_label: string; mount_label: string };
    // what podman writes for --security-opt label=level:<level>
    const input = edit(LABELLED, (d) => {
      d.process.selinuxLabel = `system_u:system_r:container_t:${lease.level}`;
      d.linux.mountLabel = `system_u:object_r:container_file_t:${lease.level}`;
      d.annotations['io.mcs-allocator.workload-id'] = 'planned';
      d.annotations['io.mcs-allocator.volumes'] = '/srv/planned:Z';
    });
    const r = await precreate(input, ['--host', 'oci-4']);
    expect(r.code, show(r)).toBe(0);
    const out = JSON.parse(r.stdout) as Doc;
    expect(out.annotations['io.mcs-allocator.lease-id']).toBe(lease.lease_id);
    expect(out.process.selinuxLabel).toBe(lease.process_label);
    expect(JSON.parse(out.annotations['io.mcs-allocator.volume-plan']).actions[0].target_label).toBe(lease.mount_label);
    expect((await client.GetLease({ lease_id: lease.lease_id })).claims).toEqual([
      { host_path: '/srv/planned', mode: 'Z', storage_id: '' },
    ]);

    // but a config carrying another level than the workload's lease is refused
    const other = edit(input, (d) => {
      d.process.selinuxLabel = 'system_u:system_r:container_t:s0:c500,c501';
      d.linux.mountLabel = 'system_u:object_r:container_file_t:s0:c500,c501';
    });
    const refusedRun = await precreate(other, ['--host', 'oci-4']);
    expect(refusedRun.code, show(refusedRun)).toBe(1);
    expect(refusedRun.stderr).toMatch(/^mcsctl: FAILED_PRECONDITION \(WORKLOAD_HAS_LEASE\): /);
  });

  it('a privileged (spc_t) label or io.mcs-allocator.disable=true gets a DISABLED lease', async () => {
    const spc = edit(LABELLED, (d) => {
      d.process.selinuxLabel = 'system_u:system_r:spc_t:s0';
      d.annotations['io.mcs-allocator.workload-id'] = 'priv-1';
    });
    const r1 = await precreate(spc, ['--host', 'oci-5']);
    expect(r1.code, show(r1)).toBe(0);
    const l1 = await client.GetLease({ host: 'oci-5', workload_id: 'priv-1' });
    expect(l1).toMatchObject({ kind: 'DISABLED', level: 's0', process_label: 'system_u:system_r:spc_t:s0' });
    expect((JSON.parse(r1.stdout) as Doc).process.selinuxLabel).toBe('system_u:system_r:spc_t:s0');

    const r2 = await precreate(withAnnotations(CONFIG, { 'io.mcs-allocator.workload-id': 'priv-2', 'io.mcs-allocator.disable': 'true' }), [
      '--host',
      'oci-5',
    ]);
    expect(r2.code, show(r2)).toBe(0);
    expect((await client.GetLease({ host: 'oci-5', workload_id: 'priv-2' })).kind).toBe('DISABLED');
  });

  it("joins a pod's lease with io.mcs-allocator.share-with", async () => {
    const infra = await client.Allocate({ host: 'oci-6', workload_id: 'pod-infra' });
    const r = await precreate(
      withAnnotations(CONFIG, { 'io.mcs-allocator.workload-id': 'pod-app', 'io.mcs-allocator.share-with': infra.lease.lease_id }),
      ['--host', 'oci-6'],
    );
    expect(r.code, show(r)).toBe(0);
    expect((JSON.parse(r.stdout) as Doc).process.selinuxLabel).toBe(infra.lease.process_label);
    expect((await client.GetLease({ lease_id: infra.lease.lease_id })).members).toEqual(['pod-infra', 'pod-app']);
  });

  it('uses os.hostname() without --host and the --workload flag without the annotation', async () => {
    const input = edit(CONFIG, (d) => delete d.linux.cgroupsPath);
    const r = await precreate(input, ['--workload', 'by-flag']);
    expect(r.code, show(r)).toBe(0);
    expect((await client.GetLease({ host: hostname(), workload_id: 'by-flag' })).workload_id).toBe('by-flag');
  });

  it('bad input exits 2 and writes nothing to stdout', async () => {
    for (const [input, pattern] of [
      ['', /not valid JSON/],
      ['{"ociVersion": ', /not valid JSON/],
      ['[]', /not a JSON object/],
      [edit(CONFIG, (d) => delete d.linux.cgroupsPath), /cannot tell which workload this is/],
      [withAnnotations(CONFIG, { 'io.mcs-allocator.volumes': 'relative:Z' }), /must be absolute/],
      [withAnnotations(CONFIG, { 'io.mcs-allocator.ttl': 'forever' }), /io.mcs-allocator.ttl/],
      [withAnnotations(LABELLED, { 'io.mcs-allocator.level': 's0:c7,c8' }), /differs from the level the runtime already set/],
      [edit(CONFIG, (d) => (d.process.selinuxLabel = 'garbage')), /is not user:role:type:level/],
    ] as const) {
      const r = await precreate(input, ['--host', 'oci-7']);
      expect(r.code, `${input.slice(0, 60)}: ${show(r)}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('exits 3 when the service is unreachable (the container must not start unchecked)', async () => {
    const r = await precreate(CONFIG, ['--host', 'oci-7'], `127.0.0.1:${await freePort()}`);
    expect(r.code, show(r)).toBe(3);
    expect(r.stdout).toBe('');
  });
});

describe('oci poststop', () => {
  it('releases what precreate leased (both derive the container id), then is idempotent', async () => {
    const input = edit(CONFIG, (d) => (d.linux.cgroupsPath = d.linux.cgroupsPath.replace(CONTAINER_ID.slice(0, 8), 'aaaaaaaa')));
    const id = `aaaaaaaa${CONTAINER_ID.slice(8)}`;
    const pre = await precreate(input, ['--host', 'oci-10']);
    expect(pre.code, show(pre)).toBe(0);
    const lease = await client.GetLease({ host: 'oci-10', workload_id: id });

    const state = edit(STATE, (d) => (d.id = id));
    const r = await poststop(state, ['--host', 'oci-10']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/released the lease of aaaaaaaa/);
    await expect(rpcError(client.GetLease({ lease_id: lease.lease_id }))).resolves.toMatchObject({ code: grpc.status.NOT_FOUND });

    const again = await poststop(state, ['--host', 'oci-10']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stderr).toMatch(/held no lease \(already released\)/);
  });

  it('finds the workload by the annotation first, as precreate did', async () => {
    await client.Allocate({ host: 'oci-11', workload_id: 'named-app' });
    const r = await poststop(withAnnotations(STATE, { 'io.mcs-allocator.workload-id': 'named-app' }), [
      '--host',
      'oci-11',
      '--workload',
      'ignored',
    ]);
    expect(r.code, show(r)).toBe(0);
    await expect(rpcError(client.GetLease({ host: 'oci-11', workload_id: 'named-app' }))).resolves.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('a container recreated with io.mcs-allocator.stable-key gets its level back; another key does not', async () => {
    const keyed = withAnnotations(CONFIG, { 'io.mcs-allocator.workload-id': 'web-1', 'io.mcs-allocator.stable-key': 'quadlet/web' });
    const first = await precreate(keyed, ['--host', 'oci-13']);
    expect(first.code, show(first)).toBe(0);
    const lease = await client.GetLease({ host: 'oci-13', workload_id: 'web-1' });
    expect(lease.stable_key).toBe('quadlet/web');
    const stop = await poststop(withAnnotations(STATE, { 'io.mcs-allocator.workload-id': 'web-1' }), ['--host', 'oci-13']);
    expect(stop.code, show(stop)).toBe(0);
    const held = await client.ListLeases({ host: 'oci-13', held: true });
    expect(held.leases.map((l: { level: string }) => l.level)).toEqual([lease.level]);

    const again = await precreate(withAnnotations(keyed, { 'io.mcs-allocator.workload-id': 'web-2' }), ['--host', 'oci-13']);
    expect(again.code, show(again)).toBe(0);
    const back = await client.GetLease({ host: 'oci-13', workload_id: 'web-2' });
    expect(back.level).toBe(lease.level);
    expect(JSON.parse(again.stdout).process.selinuxLabel).toBe(lease.process_label);
    const other = await precreate(
      withAnnotations(CONFIG, { 'io.mcs-allocator.workload-id': 'web-3', 'io.mcs-allocator.stable-key': 'quadlet/db' }),
      ['--host', 'oci-13'],
    );
    expect(other.code, show(other)).toBe(0);
    expect((await client.GetLease({ host: 'oci-13', workload_id: 'web-3' })).level).not.toBe(lease.level);
  });

  it("leaves a pod's label to the members still running", async () => {
    const infra = await client.Allocate({ host: 'oci-12', workload_id: 'infra' });
    await client.Allocate({ host: 'oci-12', workload_id: 'app', share_with: infra.lease.lease_id });
    const r = await poststop(STATE, ['--host', 'oci-12', '--workload', 'app']);
    expect(r.code, show(r)).toBe(0);
    expect((await client.GetLease({ lease_id: infra.lease.lease_id })).members).toEqual(['infra']);
  });

  it('service down: retries within --retry-for, then logs and exits 0 (3 with --strict)', async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const soft = await poststop(STATE, ['--host', 'oci-13', '--retry-for', '1.5'], down);
    expect(soft.code, show(soft)).toBe(0);
    expect(soft.stderr).toMatch(/could not release the lease of .* within 1\.5s \(\d+ attempts\)/);
    expect(Number(/\((\d+) attempts\)/.exec(soft.stderr)![1])).toBeGreaterThan(2);
    expect(soft.ms).toBeGreaterThan(700);
    expect(soft.ms).toBeLessThan(5000);

    const strict = await poststop(STATE, ['--host', 'oci-13', '--retry-for', '1', '--strict'], down);
    expect(strict.code, show(strict)).toBe(3);
    expect(strict.ms).toBeLessThan(5000);
  });

  it('a service that comes back within --retry-for gets the release', async () => {
    await client.Allocate({ host: 'oci-14', workload_id: 'late-release' });
    const port = await freePort();
    const p = startMcsctl(
      ['--server', `127.0.0.1:${port}`, 'oci', 'poststop', '--host', 'oci-14', '--workload', 'late-release', '--retry-for', '15'],
      { input: STATE },
    );
    await sleep(800);
    expect(p.running).toBe(true);
    const second = await startService(redis.url, { listen: `127.0.0.1:${port}` });
    try {
      const exit = await p.waitExit(15_000);
      expect(exit, p.stderr).toEqual({ code: 0, signal: null });
      expect(p.stderr).toMatch(/released the lease of late-release/);
    } finally {
      await second.close();
    }
    await expect(rpcError(client.GetLease({ host: 'oci-14', workload_id: 'late-release' }))).resolves.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('a refusal other than unavailability is logged and does not fail teardown (exit 1 with --strict)', async () => {
    const bad = withAnnotations(STATE, { 'io.mcs-allocator.workload-id': 'has space' });
    const soft = await poststop(bad, ['--host', 'oci-15']);
    expect(soft.code, show(soft)).toBe(0);
    expect(soft.stderr).toMatch(/INVALID_ARGUMENT \(INVALID_ARGUMENT\)/);
    const strict = await poststop(bad, ['--host', 'oci-15', '--strict']);
    expect(strict.code, show(strict)).toBe(1);
  });

  it('bad input exits 2', async () => {
    const r = await poststop('not json', ['--host', 'oci-15']);
    expect(r.code, show(r)).toBe(2);
    const noId = await poststop('{"ociVersion":"1.0.2","status":"stopped"}', ['--host', 'oci-15']);
    expect(noId.code, show(noId)).toBe(2);
    expect(noId.stderr).toMatch(/cannot tell which workload/);
  });
});

describe('deploy/hooks.d', () => {
  const OCI_STAGES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
  const files = { precreate: 'mcs-allocator-precreate.json', poststop: 'mcs-allocator-poststop.json' } as const;
  const hook = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'deploy', 'hooks.d', name), 'utf8')) as Doc;

  it('follow the containers-common hooks.d 1.0.0 schema', () => {
    for (const [stage, file] of Object.entries(files)) {
      const h = hook(file);
      expect(Object.keys(h).sort()).toEqual(['hook', 'stages', 'version', 'when']);
      expect(h.version).toBe('1.0.0');
      expect(h.hook.path).toMatch(/^\/.*\/mcsctl-hook$/);
      expect(h.hook.args.slice(0, 3)).toEqual(['mcsctl-hook', 'oci', stage]);
      expect(h.hook.env.some((e: string) => e.startsWith('PATH=/'))).toBe(true);
      expect(Number.isInteger(h.hook.timeout) && h.hook.timeout > 0).toBe(true);
      expect(h.when).toEqual({ always: true });
      expect(h.stages).toEqual([stage]);
      // precreate is Podman's extension stage; poststop is an OCI stage every runtime knows
      if (stage === 'poststop') expect(OCI_STAGES).toContain(h.stages[0]);
    }
  });

  it("run as a runtime runs them (argv and only the file's environment), they lease and release", async () => {
    const run = (file: string, input: string) => {
      const h = hook(file);
      const env = Object.fromEntries((h.hook.env as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
      env.MCS_SERVER = address;
      Object.assign(env, HOOK_TEST_ENV);
      // hook.path is where mcsctl-hook is installed; here it is the build's mcsctl (same arguments), run by this node
      return mcsctl([...(h.hook.args as string[]).slice(1), '--host', 'hooked'], { input, replaceEnv: env });
    };
    expect(MCSCTL).toMatch(/dist\/src\/ctl\/main\.js$/);
    const input = withAnnotations(CONFIG, { 'io.mcs-allocator.workload-id': 'hooked-1' });
    const pre = await run(files.precreate, input);
    expect(pre.code, show(pre)).toBe(0);
    const lease = await client.GetLease({ host: 'hooked', workload_id: 'hooked-1' });
    expect((JSON.parse(pre.stdout) as Doc).process.selinuxLabel).toBe(lease.process_label);
    const post = await run(files.poststop, withAnnotations(STATE, { 'io.mcs-allocator.workload-id': 'hooked-1' }));
    expect(post.code, show(post)).toBe(0);
    await expect(rpcError(client.GetLease({ lease_id: lease.lease_id }))).resolves.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});
