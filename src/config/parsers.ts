/** Parsers of flag values: each names its flag in the ConfigError it throws (exit 2). */
import { readFileSync } from 'node:fs';
import { formatCategoryRange, type CategoryRange } from '../domain/categories.js';
import { formatLevel, parseLevel, categoriesWithin, type Level } from '../domain/level.js';
import { builtinProfile, parseContextsFile, type Profile } from '../domain/profile.js';
import type { LabelSyntaxError } from '../domain/errors.js';
import { isIdentifier } from '../domain/context.js';

export class ConfigError extends Error {
  constructor(option: string, rule: string) {
    super(`${option}: ${rule}`);
    this.name = 'ConfigError';
  }
}

/** go-selinux's mount label of privileged containers, reserved when it lies in the pool's range. */
export const RESERVED_DEFAULT = 's0:c1022,c1023';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function integer(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new ConfigError(option, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

/** The parser of a flag taking a whole number from min to max. */
export function wholeNumber(min: number, max: number): (value: string, flag: string) => number {
  return (value, flag) => integer(flag, value, min, max);
}

export function listenAddress(value: string): string {
  // host:port, [v6]:port, or unix:/path (grpc-js address syntax).
  if (value.startsWith('unix:')) return value;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new ConfigError('--listen', `must be host:port or unix:/path, not ${JSON.stringify(value)}`);
  return value;
}

export function loadProfile(value: string): Profile {
  const builtin = builtinProfile(value);
  if (builtin) return builtin;
  if (!value.includes('/'))
    throw new ConfigError('--profile', `must be "container", "svirt" or a contexts file path, not ${JSON.stringify(value)}`);
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError('--profile', `cannot read ${value}: ${(err as Error).message}`);
  }
  try {
    return parseContextsFile(text, value);
  } catch (err) {
    throw new ConfigError('--profile', `${value}: ${(err as Error).message}`);
  }
}

/**
 * Reserved pairs: levels separated by ";" or whitespace, "none" for none.
 * The default pair (go-selinux's mount label for privileged containers) is
 * simply not applied to a pool whose range does not contain it; a pair the
 * operator names explicitly must lie inside the pool.
 */
export function parseReserved(value: string | undefined, categories: CategoryRange, sensitivity: string): Level[] {
  const explicit = value !== undefined;
  const text = value ?? RESERVED_DEFAULT;
  if (text.trim() === '' || text.trim() === 'none') return [];
  const out = new Map<string, Level>();
  for (const item of text.split(/[;\s]+/).filter(Boolean)) {
    let level: Level;
    try {
      level = parseLevel(item);
    } catch (err) {
      throw new ConfigError('--reserved', `${item}: ${(err as LabelSyntaxError).message}`);
    }
    if (level.categories.length !== 2) throw new ConfigError('--reserved', `${item} is not a pair of two categories`);
    if (`s${level.sensitivity}` !== sensitivity) {
      // The default pair is go-selinux's, at s0: other sensitivities simply do without it.
      if (!explicit) continue;
      throw new ConfigError('--reserved', `${item} is not at the pool's sensitivity ${sensitivity}`);
    }
    if (!categoriesWithin(level, categories)) {
      if (!explicit) continue;
      throw new ConfigError('--reserved', `${item} is outside the pool's categories ${formatCategoryRange(categories)}`);
    }
    out.set(formatLevel(level), level);
  }
  return [...out.values()];
}

export function clusterStableKeyPatterns(value: string | undefined): string[] {
  const patterns = list(value) ?? [];
  for (const p of patterns) {
    if (!/^[\x21-\x7e]{1,256}$/.test(p))
      throw new ConfigError('--cluster-stable-keys', `${JSON.stringify(p)} is not a key pattern (printable ASCII, * for any run)`);
  }
  return patterns;
}

/** A list option: items separated by commas or whitespace. */
export function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(/[,\s]+/).filter(Boolean);
}

export function identifiers(option: string, items: readonly string[]): string[] {
  for (const item of items) {
    if (!isIdentifier(item)) throw new ConfigError(option, `${JSON.stringify(item)} is not an SELinux type name`);
  }
  return [...new Set(items)];
}

/**
 * The profiles a request may name: the built-in ones and the server's own.
 * Default allowlists come from them: every process type a profile names
 * (never spc_t), and every file type.
 */
export function profileSet(main: Profile): Map<string, Profile> {
  const out = new Map<string, Profile>();
  for (const name of ['container', 'svirt']) out.set(name, builtinProfile(name)!);
  out.set(main.name, main);
  return out;
}
