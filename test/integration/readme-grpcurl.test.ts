import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { REPO_ROOT } from '../../testkit/process.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { connect, startService, type TestClient } from '../support/service.js';
import { PYTHON, run } from '../support/tools.js';

// Every grpcurl command of README.md, run exactly as written (through bash),
// against a real service. grpcurl is in neither Debian's nor npm's archives,
// so `grpcurl` on PATH is test/support/pygrpcurl.py: a reflection-only client
// on Debian's Python grpcio that takes grpcurl's command form. The README's
// address, 127.0.0.1:50051, is pointed at the test's server (GRPCURL_REDIRECT),
// which serves the README's pool, "default".

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The grpcurl commands of the README's sh blocks, as written (continuation lines and quoted newlines kept). */
function readmeCommands(): string[] {
  const commands: string[] = [];
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^grpcurl\s/.test(lines[i]!)) continue;
      let command = lines[i]!;
      const open = () => (command.match(/'/g) ?? []).length % 2 === 1 || command.endsWith('\\');
      while (open() && i + 1 < lines.length) command += `\n${lines[++i]}`;
      commands.push(command);
    }
  }
  return commands;
}

/** The JSON the README shows after its first Allocate. */
function readmeAllocateAnswer(): Record<string, unknown> {
  const m = /grpcurl -plaintext -d '\{"host":"node-1","workload_id":"4f3c9a"\}'[\s\S]*?```\n\n```json\n([\s\S]*?)```/.exec(README);
  if (!m) throw new Error('README: no JSON answer after the first Allocate example');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** The shape of a JSON value: keys (recursively) and value types. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

let redis: TestRedis;
let server: RunningServer;
let client: TestClient;
let bin: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startService(redis.url, { pool: 'default' });
  client = connect(server.address);
  bin = mkdtempSync(join(tmpdir(), 'mcs-grpcurl-'));
  writeFileSync(join(bin, 'grpcurl'), `#!/bin/sh\nexec ${PYTHON} ${join(REPO_ROOT, 'test', 'support', 'pygrpcurl.py')} "$@"\n`);
  chmodSync(join(bin, 'grpcurl'), 0o755);
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, GRPCURL_REDIRECT: `127.0.0.1:50051=${server.address}` };
});
afterAll(async () => {
  client?.close();
  await server?.close();
  await redis?.stop();
  if (bin) rmSync(bin, { recursive: true, force: true });
});

const commands = readmeCommands();
const sh = (command: string) => run('/bin/bash', ['-c', command], { env, timeoutMs: 30_000 });
const find = (pattern: RegExp) => {
  const found = commands.filter((c) => pattern.test(c));
  if (found.length !== 1) throw new Error(`README: expected one grpcurl command matching ${pattern}, found ${found.length}`);
  return found[0]!;
};

describe("README's grpcurl commands, as written", () => {
  it('are the ones this test knows (a new example needs an expectation here)', () => {
    expect(commands).toHaveLength(7);
    expect(commands.every((c) => c.includes('127.0.0.1:50051'))).toBe(true);
  });

  it('Allocate answers the JSON the README shows', async () => {
    const r = await sh(find(/"workload_id":"4f3c9a"\}' \\\n\s+127\.0\.0\.1:50051 mcs\.v1\.LabelAllocator\/Allocate$/));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as { lease: Record<string, string>; created: boolean };
    // The same fields, of the same types, as the README's example answer.
    expect(shape(answer)).toEqual(shape(readmeAllocateAnswer()));
    expect(answer.created).toBe(true);
    const { level } = answer.lease;
    expect(level).toMatch(/^s0:c\d+,c\d+$/);
    expect(answer.lease).toMatchObject({
      pool: 'default',
      host: 'node-1',
      workloadId: '4f3c9a',
      processLabel: `system_u:system_r:container_t:${level}`,
      mountLabel: `system_u:object_r:container_file_t:${level}`,
      roMountLabel: `system_u:object_r:container_ro_file_t:${level}`,
      kind: 'RANDOM',
    });
    expect(answer.lease.leaseId).toMatch(/^[a-z2-7]{16}$/);
  });

  it('Release of the example id succeeds (released = false leaves the answer empty)', async () => {
    const r = await sh(find(/Release$/));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({});
  });

  it('Allocate with label options gets the asked-for user and type', async () => {
    const r = await sh(find(/container_kvm_t/));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { lease } = JSON.parse(r.stdout) as { lease: Record<string, string> };
    expect(lease.processLabel).toMatch(/^user_u:system_r:container_kvm_t:s0:c\d+,c\d+$/);
    expect(lease.workloadId).toBe('vm-7');
  });

  it("share_with the example id is NOT_FOUND, with the decoded ErrorInfo (the id is the README's, not a live lease)", async () => {
    const r = await sh(find(/"share_with":"aaata42dsjvpkud4"/));
    expect(r.code).toBe(64 + 5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ERROR:\n {2}Code: NotFound\n {2}Message: no such lease\n {2}Details:\n/);
    expect(r.stderr).toContain('"@type": "type.googleapis.com/google.rpc.ErrorInfo"');
    expect(r.stderr).toContain('"reason": "LEASE_NOT_FOUND"');
    expect(r.stderr).toContain('"domain": "mcs-allocator"');
  });

  it('Reconcile answers what it kept, restored and released', async () => {
    const r = await sh(find(/Reconcile$/));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as { restored?: { workloadId: string; level: string }[] };
    expect(answer.restored?.map((l) => [l.workloadId, l.level]).sort()).toEqual([
      ['4f3c9a', 's0:c4,c611'],
      ['db', 's0:c100,c200'],
    ]);
  });

  it('WatchLeases streams the events of node-1', async () => {
    const child = spawn('/bin/bash', ['-c', find(/WatchLeases$/)], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      // The watch starts with "now": allocate until an event arrives (bounded).
      for (let i = 0; i < 40 && !out.includes('"ALLOCATED"'); i++) {
        await client.Allocate({ host: 'node-1', workload_id: `watched-${i}` });
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(err).toBe('');
      const first = JSON.parse(out.slice(0, out.indexOf('\n}\n') + 2)) as { type: string; lease: { host: string; workloadId: string } };
      expect(first.type).toBe('ALLOCATED');
      expect(first.lease.host).toBe('node-1');
      expect(first.lease.workloadId).toMatch(/^watched-\d+$/);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });

  it('list shows the services', async () => {
    const r = await sh(find(/ list$/));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'mcs.v1.LabelAllocator',
    ]);
  });
});
