import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testkit/process.js';
import { BUF, run, runOk } from '../support/tools.js';
import { compiledDescriptors } from '../../src/server/reflection.js';

// The API's .proto files under buf (buf.yaml): lint with the STANDARD rules
// and the exceptions written down there, a clean build, no breaking change
// against the previous API (scripts/proto-breaking.mjs), and the compiled
// descriptors that reflection serves (src/generated/descriptors.ts) up to
// date with them.

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A copy of buf.yaml and proto/ to change without touching the repository. */
function copyOfProtos(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcs-protos-'));
  scratch.push(dir);
  cpSync(join(REPO_ROOT, 'buf.yaml'), join(dir, 'buf.yaml'));
  cpSync(join(REPO_ROOT, 'proto'), join(dir, 'proto'), { recursive: true });
  return dir;
}

describe('buf', () => {
  it('lint passes (STANDARD, with the exceptions buf.yaml gives reasons for)', async () => {
    const r = await run(BUF, ['lint']);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it('lint still catches what the exceptions do not cover', async () => {
    const dir = copyOfProtos();
    const file = join(dir, 'proto', 'mcs', 'v1', 'allocator.proto');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nmessage badName {\n  string BadField = 1;\n}\n\nenum Color {\n  RED = 0;\n}\n`);
    const r = await run(BUF, ['lint'], { cwd: dir });
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/Message name "badName" should be PascalCase/);
    expect(out).toMatch(/Field name "BadField" should be lower_snake_case/);
    expect(out).toMatch(/Enum zero value name "RED" should be suffixed with "_UNSPECIFIED"/);
  });

  it('builds every file, the well-known types they import included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcs-build-'));
    scratch.push(dir);
    await runOk(BUF, ['build', '--as-file-descriptor-set', '-o', join(dir, 'set.json')]);
    const set = JSON.parse(readFileSync(join(dir, 'set.json'), 'utf8')) as { file: { name: string; dependency?: string[] }[] };
    expect(set.file.map((f) => f.name).sort()).toEqual([
      'google/protobuf/any.proto',
      'google/protobuf/timestamp.proto',
      'google/rpc/error_details.proto',
      'google/rpc/status.proto',
      'mcs/bench/v1/bench.proto',
      'mcs/v1/allocator.proto',
    ]);
    expect(set.file.find((f) => f.name === 'mcs/v1/allocator.proto')?.dependency).toEqual(['google/protobuf/timestamp.proto']);
  });
});

const BREAKING = join(REPO_ROOT, 'scripts', 'proto-breaking.mjs');

describe('buf breaking (npm run proto:breaking)', () => {
  it('finds no breaking change against the previous API', async () => {
    // The newest v* tag; there is none yet, so where this branch left main
    // (on main itself: HEAD).
    const r = await run(process.execPath, [BREAKING]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^comparing proto\/ with \S+ \(\w+; (the newest release tag|no release tag yet: where this branch left main|no release tag and no main branch: the last commit)\)\nno breaking changes\n$/,
    );
    expect(r.code).toBe(0);
  });

  it('fails on a breaking change against a tag, and passes an addition', async () => {
    // A repository of its own with a released API (tag v1.0.0), changed after.
    const dir = copyOfProtos();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'api');
    git('tag', 'v1.0.0');
    const file = join(dir, 'proto', 'mcs', 'v1', 'allocator.proto');
    const original = readFileSync(file, 'utf8');

    writeFileSync(file, original.replace('message PoolStats {\n', 'message PoolStats {\n  // Added later.\n  string note = 99;\n'));
    const added = await run(process.execPath, [BREAKING], { cwd: dir });
    expect(added.stdout).toMatch(/^comparing proto\/ with v1\.0\.0 \(\w+; the newest release tag\)\nno breaking changes\n$/);
    expect(added.code).toBe(0);

    writeFileSync(file, original.replace('string pool = 2;', 'string pool = 20;').replace('  string level_name = 15;\n', ''));
    const broken = await run(process.execPath, [BREAKING], { cwd: dir });
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toMatch(/Previously present field "2" with name "pool" on message "Lease" was deleted/);
    expect(broken.stdout).toMatch(/Previously present field "15" with name "level_name" on message "Lease" was deleted/);
    expect(broken.stderr).toMatch(/breaking changes against v1\.0\.0/);

    // Against a ref that does not exist: an error, not a pass.
    const missing = await run(process.execPath, [BREAKING, 'v9.9.9'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/v9\.9\.9 is not a commit/);
  });
});

describe('src/generated', () => {
  it('is what npm run generate makes now (types and descriptors), with the loader options src/proto.ts uses', async () => {
    const r = await run(process.execPath, ['scripts/generate.mjs', '--check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('--check fails on a generated file edited by hand, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcs-generated-'));
    try {
      for (const part of ['scripts', 'proto', 'src/generated', 'src/proto-options.json', 'package.json', 'buf.yaml']) {
        cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
      }
      execFileSync('ln', ['-s', join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules')]);
      const file = join(dir, 'src/generated/mcs/v1/Lease.ts');
      writeFileSync(file, readFileSync(file, 'utf8').replace('lease_id', 'leaseId'));
      const r = await run(process.execPath, [join(dir, 'scripts/generate.mjs'), '--check']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/differs: mcs\/v1\/Lease\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('src/generated/descriptors.ts', () => {
  it('is what npm run generate makes of the .proto files now', async () => {
    const r = await run(process.execPath, ['scripts/generate-descriptors.mjs', '--check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('has every file under its real name, each after the files it imports', () => {
    const index = compiledDescriptors();
    const names = [...index.files.keys()];
    expect([...names].sort()).toEqual([
      'google/protobuf/any.proto',
      'google/protobuf/timestamp.proto',
      'google/rpc/error_details.proto',
      'google/rpc/status.proto',
      'grpc/health/v1/health.proto',
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
      'mcs/bench/v1/bench.proto',
      'mcs/v1/allocator.proto',
    ]);
    for (const [name, file] of index.files) {
      for (const dep of file.deps) expect(names.indexOf(dep), `${name} imports ${dep}`).toBeLessThan(names.indexOf(name));
    }
    expect(index.files.get('mcs/bench/v1/bench.proto')!.deps).toEqual(['mcs/v1/allocator.proto']);
  });
});
