import { LabelSyntaxError, checkLength, quote } from './errors.js';
import { formatMlsRange, parseMlsRange } from './level.js';

/** A full SELinux security context; `level` is always canonical MLS range text. */
export interface SecurityContext {
  readonly user: string;
  readonly role: string;
  readonly type: string;
  readonly level: string;
}

/** The part of a context a profile fixes; the allocator supplies the level. */
export interface ContextPrefix {
  readonly user: string;
  readonly role: string;
  readonly type: string;
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const MAX_IDENTIFIER = 255;

/** checkpolicy's identifier rule, so we refuse names no policy could define. */
export function isIdentifier(s: string): boolean {
  return s.length <= MAX_IDENTIFIER && IDENTIFIER.test(s);
}

function codePointName(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Parses `user:role:type:level`. The level may itself contain ':' (s0:c1,c2),
 * so only the first three colons separate fields.
 */
export function parseContext(text: string): SecurityContext {
  checkLength('context', text);
  if (text === '') throw new LabelSyntaxError('context is empty');
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  const control = /[\u0000-\u001f\u007f]/.exec(text);
  if (control) {
    throw new LabelSyntaxError(`context ${quote(text)} contains control character ${codePointName(control[0])} at offset ${control.index}`);
  }
  if (/\s/.test(text)) throw new LabelSyntaxError(`context ${quote(text)} contains whitespace`);

  const fields: string[] = [];
  let start = 0;
  for (let k = 0; k < 3; k++) {
    const colon = text.indexOf(':', start);
    if (colon === -1) {
      throw new LabelSyntaxError(`context ${quote(text)} has ${k + 1} part${k === 0 ? '' : 's'}; expected user:role:type:level`);
    }
    fields.push(text.slice(start, colon));
    start = colon + 1;
  }
  const [user = '', role = '', type = ''] = fields;
  const levelText = text.slice(start);

  const names = [
    ['user', user],
    ['role', role],
    ['type', type],
  ] as const;
  for (const [part, value] of names) {
    if (value === '') throw new LabelSyntaxError(`context ${quote(text)} has an empty ${part}`);
    if (!isIdentifier(value)) {
      throw new LabelSyntaxError(`context ${part} ${quote(value)} is not a valid SELinux identifier`);
    }
  }
  if (levelText === '') throw new LabelSyntaxError(`context ${quote(text)} has an empty level`);

  let level: string;
  try {
    level = formatMlsRange(parseMlsRange(levelText));
  } catch (e) {
    if (e instanceof LabelSyntaxError) {
      throw new LabelSyntaxError(`context level ${quote(levelText)} is invalid: ${e.message}`);
    }
    throw e;
  }
  return { user, role, type, level };
}

export function formatContext(c: SecurityContext): string {
  return `${c.user}:${c.role}:${c.type}:${c.level}`;
}

export function formatPrefix(p: ContextPrefix): string {
  return `${p.user}:${p.role}:${p.type}`;
}

/** The label handed to a runtime: the profile's prefix plus the leased level. */
export function labelFor(prefix: ContextPrefix, level: string): string {
  return `${formatPrefix(prefix)}:${level}`;
}
