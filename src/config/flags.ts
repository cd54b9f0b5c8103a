/**
 * Command-line flags as data: one spec per flag (its name, argument,
 * environment variable, default and help), from which the commander
 * options, the defaults and the raw option values are produced. A flag is
 * added by adding its row to a table (serve-flags.ts); what it means is
 * decided where the configuration is built (serve-config.ts).
 */
import { Option, type Command } from 'commander';

export interface FlagSpec {
  /** The option's attribute name, as commander derives it from the flag (`--tls-client-ca` -> tlsClientCa). */
  readonly key: string;
  /** `--listen`. */
  readonly flag: string;
  /** `<addr>`; none for a boolean flag. */
  readonly arg?: string;
  /** The environment variable that gives the flag when the command line does not. */
  readonly env: string;
  /** The value commander fills in when neither gives it. */
  readonly default?: string;
  /**
   * The value the configuration applies when the flag is not given, for a
   * flag whose meaning depends on being given explicitly (no commander
   * default; `--reserved`).
   */
  readonly implicit?: string;
  readonly help: string;
  /**
   * The value's parser, for a flag whose value means something on its own
   * (a ConfigError naming the flag when it is wrong); the others are
   * checked where the configuration combines them.
   */
  readonly parse?: (value: string, flag: string) => unknown;
  /** Not shown in --help (benchmark only). */
  readonly hidden?: boolean;
}

type WithDefault<S extends FlagSpec> = Extract<S, { default: string }>;
type Valued<S> = S extends { arg: string } ? string : boolean;

/**
 * The raw option values of a table, as the command line (or the
 * environment) gives them: a string for a flag with a default, optional for
 * the others (a boolean for a flag without an argument).
 */
export type FlagValues<S extends FlagSpec> = { -readonly [F in WithDefault<S> as F['key']]: string } & {
  -readonly [F in Exclude<S, WithDefault<S>> as F['key']]?: Valued<F> | undefined;
};

/** The commander defaults of a table, by attribute name, as literal types. */
export type FlagDefaults<S extends FlagSpec> = { readonly [F in WithDefault<S> as F['key']]: F['default'] };

/** A spec's attribute name from its flag, as commander computes it. */
export function attributeName(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Changes one command makes to a shared flag: its own help text or default. */
export type FlagOverrides = Readonly<Record<string, { readonly help?: string; readonly default?: string }>>;

/** The commander option of a spec. */
export function flagOption(spec: FlagSpec, override: FlagOverrides[string] = {}): Option {
  const o = new Option(spec.arg ? `${spec.flag} ${spec.arg}` : spec.flag, override.help ?? spec.help).env(spec.env);
  const fallback = override.default ?? spec.default;
  if (fallback !== undefined) o.default(fallback);
  if (spec.hidden) o.hideHelp();
  return o;
}

/** Adds the flags to a command, in the table's order. */
export function addFlags(command: Command, specs: readonly FlagSpec[], overrides: FlagOverrides = {}): Command {
  for (const spec of specs) command.addOption(flagOption(spec, overrides[spec.key]));
  return command;
}

/** The defaults of a table by attribute name: commander's defaults and the implicit ones. */
export function defaultsOf(specs: readonly FlagSpec[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const value = s.default ?? s.implicit;
    if (value !== undefined) out[s.key] = value;
  }
  return out;
}

/** The specs of a table whose keys are listed, in the table's order. */
export function pick<S extends FlagSpec, K extends S['key']>(specs: readonly S[], keys: readonly K[]): Extract<S, { key: K }>[] {
  const unknown = keys.filter((k) => !specs.some((s) => s.key === k));
  if (unknown.length > 0) throw new Error(`no such flags: ${unknown.join(', ')}`);
  return specs.filter((s): s is Extract<S, { key: K }> => (keys as readonly string[]).includes(s.key));
}

/** The values of the flags that have a parser, parsed, by attribute name. */
export type ParsedFlags<S extends FlagSpec> = {
  readonly [F in Extract<S, { parse: (value: string, flag: string) => unknown }> as F['key']]: ReturnType<F['parse']>;
};

/** Runs the parser of every flag that has one on its raw value (a flag with a parser always has a default). */
export function parseFlags<S extends FlagSpec>(specs: readonly S[], raw: Readonly<Record<string, unknown>>): ParsedFlags<S> {
  const out: Record<string, unknown> = {};
  for (const s of specs) {
    if (!s.parse) continue;
    const value = raw[s.key] ?? s.default;
    if (typeof value !== 'string') throw new TypeError(`${s.flag} has no value to parse`);
    out[s.key] = s.parse(value, s.flag);
  }
  return out as ParsedFlags<S>;
}
