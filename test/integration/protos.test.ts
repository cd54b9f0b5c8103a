import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/process.js';
import { BUF, run, runOk } from '../support/tools.js';
import { compiledDescriptors } from '../../src/server/reflection.js';

// The API's .proto files under buf (buf.yaml): lint with the STANDARD rules
// and the exceptions written down there, a clean build, and the compiled
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
