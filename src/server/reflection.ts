import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { FILE_DESCRIPTOR_SET_BASE64 } from '../generated/descriptors.js';
import { LOADER_OPTIONS } from '../proto.js';

/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, one protocol under
 * two names) over the descriptors `npm run generate` compiled with buf
 * (src/generated/descriptors.ts).
 *
 * Every answer carries files under their real names (mcs/v1/allocator.proto,
 * google/protobuf/timestamp.proto, ...), byte for byte as compiled, with
 * their dependency lists, and in dependency order: the asked-for file comes
 * last, after every file it imports, directly or not. So a strict client
 * (Python's or C++'s DescriptorPool, Go's protodesc) can build them one
 * after the other as they arrive. The well-known types and the google.rpc
 * error model (Status, ErrorInfo) are served too, so that a reflection
 * client can decode the error details of a failed call.
 *
 * @grpc/reflection is not used: it rebuilds each file's dependencies from
 * the type references of proto-loader's package definition (grpc-node
 * #2595), re-encodes the files, and answers the asked-for file first.
 */

export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'] as const;

/** Files served even though no listed service uses them: the error details of every failed call. */
const ERROR_MODEL_FILES = ['google/rpc/status.proto', 'google/rpc/error_details.proto'];

interface FileEntry {
  readonly name: string;
  readonly raw: Buffer;
  readonly deps: readonly string[];
  /** Position in the set, which is in dependency order. */
  readonly order: number;
}

interface DescriptorLike {
  name?: string;
  field?: DescriptorLike[];
  nestedType?: DescriptorLike[];
  enumType?: DescriptorLike[];
  value?: DescriptorLike[];
  oneofDecl?: DescriptorLike[];
  extension?: (DescriptorLike & { extendee?: string; number?: number })[];
  method?: DescriptorLike[];
}

interface FileLike extends DescriptorLike {
  package?: string;
  dependency?: string[];
  messageType?: DescriptorLike[];
  service?: DescriptorLike[];
}

/** The compiled descriptors, indexed by file name, symbol and extension. */
export class DescriptorIndex {
  readonly files = new Map<string, FileEntry>();
  /** Fully qualified name (no leading dot) of every element → its file. */
  readonly symbols = new Map<string, string>();
  /** Fully qualified message name → extension field numbers → file. */
  readonly extensions = new Map<string, Map<number, string>>();
  readonly services = new Set<string>();
  readonly messages = new Set<string>();

  constructor(readonly setBytes: Buffer) {
    const reader = protobuf.Reader.create(setBytes);
    let order = 0;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
        reader.skipType(tag & 7);
        continue;
      }
      const raw = Buffer.from(reader.bytes());
      const file = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(raw), { arrays: true }) as FileLike;
      const name = file.name ?? '';
      const deps = file.dependency ?? [];
      for (const dep of deps) {
        if (!this.files.has(dep)) throw new Error(`descriptor set: ${name} comes before its dependency ${dep}`);
      }
      this.files.set(name, { name, raw, deps, order: order++ });
      this.indexFile(file, name);
    }
  }

  private add(symbol: string, file: string): void {
    this.symbols.set(symbol, file);
  }

  private indexFile(file: FileLike, name: string): void {
    const scope = file.package ? `${file.package}.` : '';
    for (const m of file.messageType ?? []) this.indexMessage(m, scope, name);
    for (const e of file.enumType ?? []) this.indexEnum(e, scope, name);
    for (const x of file.extension ?? []) this.indexExtension(x, scope, name);
    for (const s of file.service ?? []) {
      const full = `${scope}${s.name}`;
      this.add(full, name);
      this.services.add(full);
      for (const m of s.method ?? []) this.add(`${full}.${m.name}`, name);
    }
  }

  private indexMessage(m: DescriptorLike, scope: string, file: string): void {
    const full = `${scope}${m.name}`;
    this.add(full, file);
    this.messages.add(full);
    for (const f of m.field ?? []) this.add(`${full}.${f.name}`, file);
    for (const o of m.oneofDecl ?? []) this.add(`${full}.${o.name}`, file);
    for (const n of m.nestedType ?? []) this.indexMessage(n, `${full}.`, file);
    for (const e of m.enumType ?? []) this.indexEnum(e, `${full}.`, file);
    for (const x of m.extension ?? []) this.indexExtension(x, `${full}.`, file);
  }

  private indexEnum(e: DescriptorLike, scope: string, file: string): void {
    this.add(`${scope}${e.name}`, file);
    // Enum values are siblings of their enum (C++ scoping rules).
    for (const v of e.value ?? []) this.add(`${scope}${v.name}`, file);
  }

  private indexExtension(x: DescriptorLike & { extendee?: string; number?: number }, scope: string, file: string): void {
    this.add(`${scope}${x.name}`, file);
    const extendee = (x.extendee ?? '').replace(/^\./, '');
    let numbers = this.extensions.get(extendee);
    if (!numbers) this.extensions.set(extendee, (numbers = new Map<number, string>()));
    numbers.set(x.number ?? 0, file);
  }

  /** The file and everything it imports, transitively, in dependency order (the file last). */
  closure(name: string): FileEntry[] {
    const seen = new Map<string, FileEntry>();
    const walk = (n: string) => {
      const f = this.files.get(n);
      if (!f || seen.has(n)) return;
      seen.set(n, f);
      for (const dep of f.deps) walk(dep);
    };
    walk(name);
    return [...seen.values()].sort((a, b) => a.order - b.order);
  }
}

let compiled: DescriptorIndex | undefined;

/** The descriptors compiled into this build (src/generated/descriptors.ts). */
export function compiledDescriptors(): DescriptorIndex {
  compiled ??= new DescriptorIndex(Buffer.from(FILE_DESCRIPTOR_SET_BASE64, 'base64'));
  return compiled;
}

interface ReflectionRequest {
  host?: string;
  message_request?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type?: string; extension_number?: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

class NotFound extends Error {}

/**
 * Adds ServerReflection (v1 and v1alpha) to a server. `services` are the
 * services the server really serves (listed by list_services); the files
 * served are theirs, the reflection protocol's own, and the error model's,
 * with everything they import.
 */
export function addReflection(server: grpc.Server, services: readonly string[], index: DescriptorIndex = compiledDescriptors()): void {
  const listed = [...services, ...REFLECTION_SERVICES];
  for (const s of listed) {
    if (!index.services.has(s)) throw new Error(`reflection: service ${s} is not in the compiled descriptors (run npm run generate)`);
  }
  // The files a client may ask for: those of the listed services and of the error model, with their imports.
  const served = new Set<string>();
  for (const root of [...listed.map((s) => index.symbols.get(s)!), ...ERROR_MODEL_FILES]) {
    for (const f of index.closure(root)) served.add(f.name);
  }
  const fileOf = (symbol: string): string => {
    const file = index.symbols.get(symbol);
    if (file === undefined || !served.has(file)) throw new NotFound(`symbol not found: ${symbol}`);
    return file;
  };
  const files = (name: string) => ({ file_descriptor_proto: index.closure(name).map((f) => f.raw) });

  const answer = (req: ReflectionRequest): Record<string, unknown> => {
    // The request as it came, with only the member of its oneof that was set.
    const asked = req.message_request as keyof ReflectionRequest | undefined;
    const original = { host: req.host ?? '', ...(asked ? { [asked]: req[asked] } : {}) };
    const base = { valid_host: req.host ?? '', original_request: original };
    try {
      switch (req.message_request) {
        case 'list_services':
          return { ...base, list_services_response: { service: listed.map((name) => ({ name })) } };
        case 'file_by_filename': {
          const name = req.file_by_filename ?? '';
          if (!served.has(name)) throw new NotFound(`file not found: ${name}`);
          return { ...base, file_descriptor_response: files(name) };
        }
        case 'file_containing_symbol':
          return { ...base, file_descriptor_response: files(fileOf(req.file_containing_symbol ?? '')) };
        case 'file_containing_extension': {
          const type = req.file_containing_extension?.containing_type ?? '';
          const number = req.file_containing_extension?.extension_number ?? 0;
          const file = index.extensions.get(type)?.get(number);
          if (file === undefined || !served.has(file)) throw new NotFound(`extension ${number} of ${type} not found`);
          return { ...base, file_descriptor_response: files(file) };
        }
        case 'all_extension_numbers_of_type': {
          const type = req.all_extension_numbers_of_type ?? '';
          if (!index.messages.has(type) || !served.has(fileOf(type))) throw new NotFound(`message type not found: ${type}`);
          const numbers = [...(index.extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b);
          return { ...base, all_extension_numbers_response: { base_type_name: type, extension_number: numbers } };
        }
        default:
          return {
            ...base,
            error_response: { error_code: grpc.status.INVALID_ARGUMENT, error_message: 'message_request: one of its fields must be set' },
          };
      }
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      return { ...base, error_response: { error_code: grpc.status.NOT_FOUND, error_message: err.message } };
    }
  };

  const definition = protoLoader.loadFileDescriptorSetFromBuffer(index.setBytes, LOADER_OPTIONS);
  for (const name of REFLECTION_SERVICES) {
    const service = definition[name] as grpc.ServiceDefinition;
    server.addService(service, {
      ServerReflectionInfo: (stream: grpc.ServerDuplexStream<ReflectionRequest, Record<string, unknown>>) => {
        stream.on('data', (req: ReflectionRequest) => stream.write(answer(req)));
        stream.on('end', () => stream.end());
        stream.on('error', () => {});
      },
    });
  }
}
