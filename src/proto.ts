import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/allocator.js';
import PROTO_OPTIONS from './proto-options.json' with { type: 'json' };

/** The repository's proto/ directory, found from both src/ and dist/src/. */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'mcs', 'v1', 'allocator.proto'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the proto/ directory next to the installed package');
    dir = parent;
  }
}

/**
 * Field names stay as written in the .proto (snake_case); 64-bit integers
 * and enums are strings. proto-options.json is also what `npm run generate`
 * (scripts/generate.mjs) gives proto-loader-gen-types, so the generated
 * types describe the objects this loader makes.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: PROTO_OPTIONS.keepCase,
  longs: PROTO_OPTIONS.longs === 'String' ? String : Number,
  enums: PROTO_OPTIONS.enums === 'String' ? String : undefined,
  defaults: PROTO_OPTIONS.defaults,
  oneofs: PROTO_OPTIONS.oneofs,
};

export const ALLOCATOR_PROTO = 'mcs/v1/allocator.proto';

let cached: { definition: protoLoader.PackageDefinition; grpcObject: ProtoGrpcType } | undefined;

export function loadAllocatorProto(): { definition: protoLoader.PackageDefinition; grpcObject: ProtoGrpcType } {
  if (!cached) {
    const definition = protoLoader.loadSync(ALLOCATOR_PROTO, { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
    cached = { definition, grpcObject: grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType };
  }
  return cached;
}
