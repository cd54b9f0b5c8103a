import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { describe, expect, it } from 'vitest';
import { compiledDescriptors } from '../../src/server/reflection.js';
import { REPO_ROOT } from '../../testkit/process.js';
import { rpcError } from '../support/service.js';
import { RUBY, runOk } from '../support/tools.js';
import { useService } from '../support/fixtures.js';

// The error details against Google's own generated google.rpc types
// (Debian's ruby-googleapis-common-protos-types, what Ruby gRPC clients
// decode rich errors with): the same definitions, and the trailers of real
// failed calls decode with them.

const GOOGLE = join(REPO_ROOT, 'test', 'support', 'google_rpc.rb');

interface Field {
  name: string;
  number: number;
  type: string;
  label: string;
}

interface FieldProto {
  name: string;
  number: number;
  type: number;
  label: number;
  typeName?: string;
}
interface MessageProto {
  name: string;
  field?: FieldProto[];
  nestedType?: (MessageProto & { options?: { mapEntry?: boolean } })[];
}

const SCALARS: Record<number, string> = { 5: 'int32', 9: 'string' };

/** A served message's fields, in the form google_rpc.rb prints Google's. */
function servedFields(file: string, message: string): Field[] {
  const raw = compiledDescriptors().files.get(file)!.raw;
  const proto = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(raw), { arrays: true }) as {
    messageType: MessageProto[];
  };
  const m = proto.messageType.find((t) => t.name === message)!;
  return m.field!.map((f) => {
    let type = SCALARS[f.type] ?? '';
    if (f.type === 11) {
      const entry = m.nestedType?.find((n) => `.google.rpc.${message}.${n.name}` === f.typeName && n.options?.mapEntry);
      type = entry ? `map<${entry.field!.map((e) => SCALARS[e.type]).join(',')}>` : f.typeName!.replace(/^\./, '');
    }
    return { name: f.name, number: f.number, type, label: f.label === 3 ? 'repeated' : 'optional' };
  });
}

const t = useService({ pool: 'errors', categories: 'c0.c2' });

describe("the error model against Google's generated google.rpc types", () => {
  it('defines Status and ErrorInfo as Google does, in the files Google does', async () => {
    const google = JSON.parse(await runOk(RUBY, [GOOGLE, 'describe'])) as { message: string; file: string; fields: Field[] }[];
    expect(google.map((g) => [g.message, g.file])).toEqual([
      ['google.rpc.Status', 'google/rpc/status.proto'],
      ['google.rpc.ErrorInfo', 'google/rpc/error_details.proto'],
    ]);
    expect(servedFields('google/rpc/status.proto', 'Status')).toEqual(google[0]!.fields);
    expect(servedFields('google/rpc/error_details.proto', 'ErrorInfo')).toEqual(google[1]!.fields);
  });

  it.each([
    ['INVALID_ARGUMENT', () => t.client.Allocate({ host: 'bad host', workload_id: 'w' }), { field: 'host' }],
    ['NOT_FOUND', () => t.client.Renew({ lease_id: 'bbbbbbbbbbbbbbbb', ttl_seconds: 5 }), {}],
  ] as const)('a %s answer decodes with them', async (code, call, metadata) => {
    const err = await rpcError(call());
    expect(grpc.status[err.code]).toBe(code);
    const raw = err.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const decoded = JSON.parse(await runOk(RUBY, [GOOGLE, 'decode'], { input: raw.toString('base64') }));
    expect(decoded).toEqual({
      code: err.code,
      message: err.details,
      details: [
        {
          type_url: 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: err.metadata.get('mcs-error-reason')[0],
          domain: 'mcs-allocator',
          metadata,
        },
      ],
    });
  });

  it('a RESOURCE_EXHAUSTED answer carries its metadata through them', async () => {
    for (let i = 0; i < 3; i++) await t.client.Allocate({ host: 'h', workload_id: `fill-${i}` });
    const err = await rpcError(t.client.Allocate({ host: 'h', workload_id: 'one-too-many' }));
    const raw = err.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const decoded = JSON.parse(await runOk(RUBY, [GOOGLE, 'decode'], { input: raw.toString('base64') }));
    expect(decoded.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(decoded.details).toEqual([
      {
        type_url: 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'POOL_EXHAUSTED',
        domain: 'mcs-allocator',
        metadata: { pool: 'errors', total: '3' },
      },
    ]);
  });
});
