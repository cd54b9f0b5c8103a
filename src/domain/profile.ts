import { type ContextPrefix, parseContext } from './context.js';
import { LabelSyntaxError, quote } from './errors.js';

/**
 * Where lease contexts come from: the user:role:type a runtime pairs with the
 * leased level for the container process, its read-write files and its
 * read-only files, plus every process type the source file names so callers
 * can recognise a context as belonging to the profile.
 */
export interface Profile {
  readonly name: string;
  readonly process: ContextPrefix;
  readonly file: ContextPrefix;
  readonly roFile: ContextPrefix;
  readonly processTypes: readonly string[];
}

function prefix(user: string, role: string, type: string): ContextPrefix {
  return Object.freeze({ user, role, type });
}

/**
 * Matches container-selinux's container_contexts (installed as
 * /usr/share/containers/selinux/contexts, which go-selinux reads first):
 *   process = "system_u:system_r:container_t:s0"
 *   file = "system_u:object_r:container_file_t:s0"
 *   ro_file="system_u:object_r:container_ro_file_t:s0"
 *   kvm_process = "system_u:system_r:container_kvm_t:s0"
 *   init_process = "system_u:system_r:container_init_t:s0"
 *   engine_process = "system_u:system_r:container_engine_t:s0"
 * processTypes follows that file's order.
 */
export const CONTAINER_PROFILE: Profile = Object.freeze({
  name: 'container',
  process: prefix('system_u', 'system_r', 'container_t'),
  file: prefix('system_u', 'object_r', 'container_file_t'),
  roFile: prefix('system_u', 'object_r', 'container_ro_file_t'),
  processTypes: Object.freeze(['container_t', 'container_kvm_t', 'container_init_t', 'container_engine_t']),
});

/**
 * The RHEL 7 names, from that release's /etc/selinux/targeted/contexts/lxc_contexts:
 *   process = "system_u:system_r:svirt_lxc_net_t:s0"
 *   content = "system_u:object_r:virt_var_lib_t:s0"
 *   file = "system_u:object_r:svirt_sandbox_file_t:s0"
 *   sandbox_kvm_process = "system_u:system_r:svirt_qemu_net_t:s0"
 *   sandbox_lxc_process = "system_u:system_r:svirt_lxc_net_t:s0"
 * That file has no ro_file line (container_ro_file_t came later with
 * container-selinux), so roFile is the file type: the same fallback go-selinux
 * applies when ro_file is absent, and what RHEL 7 docker actually used.
 */
export const SVIRT_PROFILE: Profile = Object.freeze({
  name: 'svirt',
  process: prefix('system_u', 'system_r', 'svirt_lxc_net_t'),
  file: prefix('system_u', 'object_r', 'svirt_sandbox_file_t'),
  roFile: prefix('system_u', 'object_r', 'svirt_sandbox_file_t'),
  processTypes: Object.freeze(['svirt_lxc_net_t', 'svirt_qemu_net_t']),
});

export function builtinProfile(name: string): Profile | undefined {
  // A switch rather than an object lookup so names like "constructor" miss.
  switch (name) {
    case 'container':
      return CONTAINER_PROFILE;
    case 'svirt':
      return SVIRT_PROFILE;
    default:
      return undefined;
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_CONTEXTS_FILE = 1 << 20;

/** Keys whose value is a process context: `process` itself and any `*_process`. */
function isProcessKey(key: string): boolean {
  return key === 'process' || key.endsWith('_process');
}

interface Entry {
  readonly line: number;
  readonly prefix: ContextPrefix;
}

/**
 * Parses an lxc_contexts / container_contexts file the way go-selinux reads
 * it (`key = "context"`, quotes and spaces around `=` optional, `#` and `;`
 * comment lines), but strictly: go-selinux skips lines it cannot split and
 * lets a repeated key silently win, whereas a lease service that picked the
 * wrong type would hand out wrong labels, so those are errors here.
 * Keys we do not use (`content`, future ones) are ignored without validating
 * their value, so a newer file keeps working.
 */
export function parseContextsFile(text: string, name: string): Profile {
  if (text.length > MAX_CONTEXTS_FILE) {
    throw new LabelSyntaxError(`contexts file is too long: ${text.length} characters (limit ${MAX_CONTEXTS_FILE})`);
  }
  const entries = new Map<string, Entry>();
  const processTypes: string[] = [];

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const line = (lines[index] as string).trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;

    const eq = line.indexOf('=');
    if (eq === -1) {
      throw new LabelSyntaxError(`line ${lineNo}: expected key = "context", got ${quote(line)}`);
    }
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) {
      throw new LabelSyntaxError(`line ${lineNo}: key ${quote(key)} is not a valid key`);
    }
    const known = key === 'file' || key === 'ro_file' || isProcessKey(key);
    if (!known) continue;

    const value = unquote(line.slice(eq + 1).trim(), lineNo, key);
    let ctx;
    try {
      ctx = parseContext(value);
    } catch (e) {
      if (e instanceof LabelSyntaxError) throw new LabelSyntaxError(`line ${lineNo}: key "${key}": ${e.message}`);
      throw e;
    }
    const entry: Entry = { line: lineNo, prefix: prefix(ctx.user, ctx.role, ctx.type) };

    const previous = entries.get(key);
    if (previous !== undefined && !samePrefix(previous.prefix, entry.prefix)) {
      throw new LabelSyntaxError(`line ${lineNo}: key "${key}" repeats line ${previous.line} with a different context`);
    }
    if (previous === undefined) entries.set(key, entry);
    if (isProcessKey(key) && !processTypes.includes(ctx.type)) processTypes.push(ctx.type);
  }

  const process = entries.get('process');
  const file = entries.get('file');
  if (process === undefined) throw new LabelSyntaxError('contexts file has no "process" line');
  if (file === undefined) throw new LabelSyntaxError('contexts file has no "file" line');
  const roFile = entries.get('ro_file') ?? file;

  return Object.freeze({
    name,
    process: process.prefix,
    file: file.prefix,
    roFile: roFile.prefix,
    processTypes: Object.freeze(processTypes),
  });
}

function unquote(value: string, lineNo: number, key: string): string {
  let inner = value;
  if (value.startsWith('"') || value.endsWith('"')) {
    if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) {
      throw new LabelSyntaxError(`line ${lineNo}: key "${key}": value ${quote(value)} has an unmatched quote`);
    }
    inner = value.slice(1, -1);
  }
  if (inner === '') throw new LabelSyntaxError(`line ${lineNo}: key "${key}": value is empty`);
  if (inner.includes('"')) {
    throw new LabelSyntaxError(`line ${lineNo}: key "${key}": value ${quote(value)} has a stray quote`);
  }
  return inner;
}

function samePrefix(a: ContextPrefix, b: ContextPrefix): boolean {
  return a.user === b.user && a.role === b.role && a.type === b.type;
}
