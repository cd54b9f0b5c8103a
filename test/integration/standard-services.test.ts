import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { TestRedis } from '../support/redis-server.js';
import { startService } from '../support/service.js';

// The standard services every gRPC tool expects: health checking (used by
// load balancers and orchestrators) and reflection (used by grpcurl and
// friends to call the API without the .proto files).

let redis: TestRedis;
let server: RunningServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startService(redis.url, { pool: 'std' });
});
afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

function load(path: string, includeDirs: string[] = []) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(path, { keepCase: true, enums: String, includeDirs })) as Record<string, any>;
}

describe('grpc.health.v1.Health', () => {
  it('reports SERVING for the server and for mcs.v1.LabelAllocator while Redis answers', async () => {
    const health = load(healthProtoPath).grpc.health.v1;
    const client = new health.Health(server.address, grpc.credentials.createInsecure());
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

describe('grpc.reflection.v1.ServerReflection', () => {
  it('lists the services and serves the allocator file descriptor', async () => {
    const require = createRequire(import.meta.url);
    const root = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
    const reflection = load('grpc/reflection/v1/reflection.proto', [root]).grpc.reflection.v1;
    const client = new reflection.ServerReflection(server.address, grpc.credentials.createInsecure());
    const ask = (request: object) =>
      new Promise<any>((resolve, reject) => {
        const call = client.ServerReflectionInfo();
        call.on('data', (res: unknown) => {
          resolve(res);
          call.end();
        });
        call.on('error', reject);
        call.write(request);
      });
    const listed = await ask({ list_services: '' });
    const names = listed.list_services_response.service.map((s: { name: string }) => s.name);
    expect(names).toEqual(expect.arrayContaining(['mcs.v1.LabelAllocator', 'grpc.health.v1.Health']));
    const file = await ask({ file_containing_symbol: 'mcs.v1.LabelAllocator' });
    const descriptors: Buffer[] = file.file_descriptor_response.file_descriptor_proto;
    // @grpc/reflection names files after their package (mcs_v1.proto); what
    // matters to tools is that the descriptor defines the service and messages.
    const text = descriptors.map((d) => d.toString('latin1')).join('\n');
    for (const symbol of ['mcs.v1', 'LabelAllocator', 'AllocateRequest', 'ListLeasesResponse', 'PoolStats']) {
      expect(text).toContain(symbol);
    }
    client.close();
  });
});
