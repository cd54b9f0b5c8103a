import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAllocatorProto } from '../../src/proto.js';
import { REPO_ROOT } from '../../testkit/process.js';
import { PYTHON, runOk } from '../support/tools.js';
import { startService } from '../support/service.js';
import { useService } from '../support/fixtures.js';

// The standard services every gRPC tool expects: health checking (used by
// load balancers and orchestrators) and reflection (used by grpcurl, grpcui,
// Postman and friends to call the API without the .proto files).

const t = useService({ pool: 'std' });

function load(path: string, includeDirs: string[] = []) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(path, { keepCase: true, enums: String, includeDirs })) as Record<string, any>;
}

describe('grpc.health.v1.Health', () => {
  it('reports SERVING for the server and for mcs.v1.LabelAllocator while Redis answers', async () => {
    const health = load(healthProtoPath).grpc.health.v1;
    const client = new health.Health(t.server.address, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        client.Check({ service }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res))),
      );
    expect(await check('')).toEqual({ status: 'SERVING' });
    expect(await check('mcs.v1.LabelAllocator')).toEqual({ status: 'SERVING' });
    await expect(check('no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    client.close();
  });
});

// Reflection is checked with a second, strict gRPC implementation: Debian's
// Python grpcio (C-core) and protobuf (C++ DescriptorPool), knowing no
// .proto file of the service (test/support/reflection_check.py).
const EXPECTED_FILES = [
  'google/protobuf/any.proto',
  'google/protobuf/timestamp.proto',
  'google/rpc/error_details.proto',
  'google/rpc/status.proto',
  'grpc/health/v1/health.proto',
  'grpc/reflection/v1/reflection.proto',
  'grpc/reflection/v1alpha/reflection.proto',
  'mcs/v1/allocator.proto',
];

interface Report {
  services: string[];
  methods: Record<string, string[]>;
  answers: Record<string, { name: string; dependencies: string[] }[]>;
  symbols: Record<string, string>;
  built: string[];
  error_info_fields: [string, number, number, number][];
  error_info_file: string;
  allocate: { ok?: { lease: Record<string, unknown>; created: boolean } };
  stats: { ok?: Record<string, unknown> };
  refused: { code: string; message: string; status: { code: number; message: string; details: Record<string, unknown>[] } };
  missing: Record<string, number>;
  extension_numbers: number[];
  version: string;
}

describe.each(['v1', 'v1alpha'])('grpc.reflection.%s.ServerReflection, to a strict client', (version) => {
  let report: Report;
  beforeAll(async () => {
    const out = await runOk(PYTHON, [join(REPO_ROOT, 'test/support/reflection_check.py'), t.server.address, version, `py-${version}`]);
    report = JSON.parse(out) as Report;
  });

  it('lists the services the server serves, with their methods', () => {
    expect(report.version).toBe(version);
    expect(report.services).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'mcs.v1.LabelAllocator',
    ]);
    const { grpcObject } = loadAllocatorProto();
    const served = Object.values(grpcObject.mcs.v1.LabelAllocator.service).map((m) => m.path.split('/').pop());
    expect(report.methods['mcs.v1.LabelAllocator']).toEqual(served);
    expect(report.methods['grpc.health.v1.Health']).toEqual(expect.arrayContaining(['Check', 'Watch']));
  });

  it('serves every file under its real name, each answer complete and in dependency order', () => {
    expect([...report.built].sort()).toEqual(EXPECTED_FILES);
    expect(Object.keys(report.answers).sort()).toEqual(EXPECTED_FILES);
    for (const [asked, files] of Object.entries(report.answers)) {
      const names = files.map((f) => f.name);
      // The asked-for file last, each file after everything it imports, no file twice.
      expect(names.at(-1)).toBe(asked);
      expect(new Set(names).size).toBe(names.length);
      files.forEach((f, i) => {
        for (const dep of f.dependencies) expect(names.slice(0, i)).toContain(dep);
      });
    }
    expect(report.answers['mcs/v1/allocator.proto']).toEqual([
      { name: 'google/protobuf/timestamp.proto', dependencies: [] },
      { name: 'mcs/v1/allocator.proto', dependencies: ['google/protobuf/timestamp.proto'] },
    ]);
    expect(report.answers['google/rpc/status.proto']!.map((f) => f.name)).toEqual(['google/protobuf/any.proto', 'google/rpc/status.proto']);
  });

  it('resolves the error model, nested enums and their values, methods and fields', () => {
    expect(report.symbols).toEqual({
      'google.rpc.Status': 'google/rpc/status.proto',
      'google.rpc.ErrorInfo': 'google/rpc/error_details.proto',
      'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
      'mcs.v1.Lease.Kind': 'mcs/v1/allocator.proto',
      'mcs.v1.Lease.RANDOM': 'mcs/v1/allocator.proto',
      'mcs.v1.LeaseEvent.Type': 'mcs/v1/allocator.proto',
      'mcs.v1.LabelAllocator.Allocate': 'mcs/v1/allocator.proto',
      'mcs.v1.AllocateRequest.host': 'mcs/v1/allocator.proto',
      'grpc.health.v1.HealthCheckResponse.ServingStatus': 'grpc/health/v1/health.proto',
    });
    // Google's ErrorInfo, where Google defines it: reason = 1, domain = 2 (strings), metadata = 3 (map).
    expect(report.error_info_file).toBe('google/rpc/error_details.proto');
    expect(report.error_info_fields).toEqual([
      ['reason', 1, 9, 1],
      ['domain', 2, 9, 1],
      ['metadata', 3, 11, 3],
    ]);
  });

  it("is enough to call the API and to decode a failed call's error details", () => {
    const lease = report.allocate.ok!.lease;
    expect(report.allocate.ok!.created).toBe(true);
    expect(lease).toMatchObject({ host: 'node-9', workloadId: `py-${version}`, pool: 'std', kind: 'RANDOM', members: [`py-${version}`] });
    expect(lease.level).toMatch(/^s0:c\d+,c\d+$/);
    expect(lease.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(report.stats.ok).toMatchObject({ pool: 'std', categoryRange: 'c0.c1023', sensitivity: 's0' });
    expect(report.refused).toEqual({
      code: 'NOT_FOUND',
      message: 'no such lease',
      status: {
        code: grpc.status.NOT_FOUND,
        message: 'no such lease',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'LEASE_NOT_FOUND', domain: 'mcs-allocator' }],
      },
    });
  });

  it('answers NOT_FOUND for what it does not have, and no extensions for a message without any', () => {
    expect(report.missing).toEqual({ file_by_filename: 5, file_containing_symbol: 5, all_extension_numbers_of_type: 5 });
    expect(report.extension_numbers).toEqual([]);
  });
});

describe('reflection with the benchmark service (--bench-noop)', () => {
  it('lists mcs.bench.v1.Bench too, and serves its file after the API it imports', async () => {
    const bench = await startService(t.redis.url, { pool: 'std-bench', benchNoop: true });
    try {
      const client = join(REPO_ROOT, 'test/support/pygrpcurl.py');
      expect((await runOk(PYTHON, [client, '-plaintext', bench.address, 'list'])).split('\n')).toContain('mcs.bench.v1.Bench');
      const described = await runOk(PYTHON, [client, '-plaintext', bench.address, 'describe', 'mcs.bench.v1.Bench']);
      expect(described).toMatch(
        /^mcs\.bench\.v1\.Bench is a service:\nname: "Bench"\nmethod \{\n {2}name: "Noop"\n {2}input_type: "\.mcs\.v1\.AllocateRequest"/,
      );
    } finally {
      await bench.close();
    }
  });
});
