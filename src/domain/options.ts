import { formatCategoryRange, type CategoryRange } from './categories.js';
import { formatPrefix, isIdentifier, type ContextPrefix } from './context.js';
import { LabelSyntaxError, quote } from './errors.js';
import { categoriesWithin, formatLevel, levelsEqual, parseMlsRange, type Level } from './level.js';
import { resolveLevelName, type LevelNames } from './level-names.js';
import type { Profile } from './profile.js';

/**
 * Runtime label options, as `--security-opt label=...` gives them, resolved
 * to what a lease gets. Follows go-selinux InitLabels where it is sound:
 * `user` applies to both labels, `role` and `type` to the process label,
 * `filetype` to the mount label, unset fields come from the profile; and is
 * stricter where it is not: types come from allowlists, a static level must
 * lie inside the pool, and `disable` cannot be mixed with options it would
 * silently ignore.
 */
export interface LabelOptionsInput {
  readonly user: string;
  readonly role: string;
  readonly type: string;
  readonly level: string;
  readonly filetype: string;
  readonly disable: boolean;
  readonly profile: string;
}

export const NO_OPTIONS: LabelOptionsInput = Object.freeze({
  user: '',
  role: '',
  type: '',
  level: '',
  filetype: '',
  disable: false,
  profile: '',
});

export interface OptionsPolicy {
  /** Profiles a request may name, by name; includes the default. */
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly defaultProfile: Profile;
  /** Process types `type` may name. */
  readonly allowedTypes: ReadonlySet<string>;
  /** Mount label types `filetype` may name. */
  readonly allowedFileTypes: ReadonlySet<string>;
  /** Process type of a disabled (privileged) label, e.g. spc_t. */
  readonly privilegedType: string;
  readonly sensitivity: number;
  readonly categories: CategoryRange;
  /** Names from setrans.conf (--setrans), accepted wherever a level is. */
  readonly translator?: LevelNames;
}

/** Context prefixes "user:role:type" of the three labels of a lease. */
export interface ResolvedPrefixes {
  readonly process: string;
  readonly mount: string;
  readonly ro: string;
}

export type ResolvedLabel =
  | { readonly kind: 'random'; readonly prefixes: ResolvedPrefixes }
  | { readonly kind: 'static'; readonly level: Level; readonly levelText: string; readonly prefixes: ResolvedPrefixes }
  | { readonly kind: 'disabled'; readonly levelText: string; readonly prefixes: ResolvedPrefixes };

/** A refused option: `denied` means the value is well-formed but not allowed (PERMISSION_DENIED). */
export class OptionError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
    readonly denied = false,
  ) {
    super(`${field}: ${rule}`);
    this.name = 'OptionError';
  }
}

function identifier(field: string, value: string): string {
  if (value !== '' && !isIdentifier(value)) {
    throw new OptionError(field, 'must be an SELinux identifier (a letter, then letters, digits, "_", "-" or ".")');
  }
  return value;
}

function allowed(field: string, value: string, list: ReadonlySet<string>, what: string): void {
  if (value !== '' && !list.has(value)) {
    throw new OptionError(field, `${value} is not an allowed ${what} (allowed: ${[...list].sort().join(', ')})`, true);
  }
}

function prefix(p: ContextPrefix, over: Partial<ContextPrefix>): string {
  return formatPrefix({
    user: over.user || p.user,
    role: over.role || p.role,
    type: over.type || p.type,
  });
}

/**
 * A level as a request gives it: raw (`s0:c1,c2`), or a name from
 * setrans.conf (`TopSecret`), or a range whose two ends are the same level.
 * A real range cannot be leased: a lease has one level.
 */
export function requestedLevel(text: string, translator: LevelNames | undefined): Level {
  const raw = resolveLevelName(text, translator);
  const range = parseMlsRange(raw);
  if (!levelsEqual(range.low, range.high)) {
    throw new LabelSyntaxError(`${quote(text)} is the range ${raw}; a lease has a single level`);
  }
  return range.low;
}

/** The static level a request names: one or more categories, inside the pool. */
export function staticLevel(
  text: string,
  policy: Pick<OptionsPolicy, 'sensitivity' | 'categories' | 'translator'>,
  field = 'options.level',
): Level {
  let level: Level;
  try {
    level = requestedLevel(text, policy.translator);
  } catch (err) {
    if (err instanceof LabelSyntaxError) throw new OptionError(field, err.message);
    throw err;
  }
  if (level.sensitivity !== policy.sensitivity) {
    throw new OptionError(field, `must be at the pool's sensitivity s${policy.sensitivity}`);
  }
  if (level.categories.length === 0) throw new OptionError(field, 'a static level needs at least one category');
  if (!categoriesWithin(level, policy.categories)) {
    throw new OptionError(field, `categories must lie inside the pool's range ${formatCategoryRange(policy.categories)}`);
  }
  return level;
}

export function resolveLabelOptions(o: LabelOptionsInput, policy: OptionsPolicy): ResolvedLabel {
  const user = identifier('options.user', o.user);
  const role = identifier('options.role', o.role);
  const type = identifier('options.type', o.type);
  const filetype = identifier('options.filetype', o.filetype);
  let profile = policy.defaultProfile;
  if (o.profile !== '') {
    const named = policy.profiles.get(o.profile);
    if (!named) throw new OptionError('options.profile', `must be one of ${[...policy.profiles.keys()].sort().join(', ')}`);
    profile = named;
  }

  if (o.disable) {
    for (const [field, value] of [
      ['role', role],
      ['type', type],
      ['level', o.level],
      ['filetype', filetype],
    ] as const) {
      if (value !== '') throw new OptionError(`options.${field}`, 'cannot be combined with options.disable');
    }
    return {
      kind: 'disabled',
      levelText: `s${policy.sensitivity}`,
      prefixes: {
        process: prefix(profile.process, { user, type: policy.privilegedType }),
        mount: prefix(profile.file, { user }),
        ro: prefix(profile.roFile, { user }),
      },
    };
  }

  allowed('options.type', type, policy.allowedTypes, 'process type');
  allowed('options.filetype', filetype, policy.allowedFileTypes, 'file type');
  const prefixes = {
    process: prefix(profile.process, { user, role, type }),
    mount: prefix(profile.file, { user, type: filetype }),
    ro: prefix(profile.roFile, { user }),
  };
  if (o.level === '') return { kind: 'random', prefixes };
  const level = staticLevel(o.level, policy);
  return { kind: 'static', level, levelText: formatLevel(level), prefixes };
}

/**
 * The options of a pod member joining a lease (share_with): the member
 * takes the lease's label, so it may name nothing but the level (which
 * must then be the lease's, checked where the lease is). Returns that
 * level in canonical form, or '' when it names none.
 */
export function joinLevel(o: LabelOptionsInput, policy: Pick<OptionsPolicy, 'sensitivity' | 'categories' | 'translator'>): string {
  const extra = (['user', 'role', 'type', 'filetype', 'profile'] as const).find((f) => o[f] !== '');
  if (extra || o.disable) {
    throw new OptionError(`options.${extra ?? 'disable'}`, "cannot be combined with share_with (the pod shares the lease's label)");
  }
  return o.level === '' ? '' : formatLevel(staticLevel(o.level, policy));
}
