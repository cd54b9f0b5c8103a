import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { type ContextPrefix, formatPrefix } from '../../src/domain/context.js';
import { LabelSyntaxError } from '../../src/domain/errors.js';
import { CONTAINER_PROFILE, type Profile, SVIRT_PROFILE, builtinProfile, parseContextsFile } from '../../src/domain/profile.js';
import { thrown } from '../support/throws.js';

const syntaxError = (fn: () => unknown): LabelSyntaxError => thrown(LabelSyntaxError, fn);

// containers/container-selinux `container_contexts`, verbatim (installed as
// /usr/share/containers/selinux/contexts). Note the unspaced ro_file line.
const CONTAINER_CONTEXTS = `process = "system_u:system_r:container_t:s0"
file = "system_u:object_r:container_file_t:s0"
ro_file="system_u:object_r:container_ro_file_t:s0"
kvm_process = "system_u:system_r:container_kvm_t:s0"
init_process = "system_u:system_r:container_init_t:s0"
engine_process = "system_u:system_r:container_engine_t:s0"
`;

// RHEL 7 /etc/selinux/targeted/contexts/lxc_contexts, verbatim, including
// its repeated sandbox_kvm_process line.
const RHEL7_LXC_CONTEXTS = `process = "system_u:system_r:svirt_lxc_net_t:s0"
content = "system_u:object_r:virt_var_lib_t:s0"
file = "system_u:object_r:svirt_sandbox_file_t:s0"
sandbox_kvm_process = "system_u:system_r:svirt_qemu_net_t:s0"
sandbox_kvm_process = "system_u:system_r:svirt_qemu_net_t:s0"
sandbox_lxc_process = "system_u:system_r:svirt_lxc_net_t:s0"
`;

describe('built-in profiles', () => {
  it('container profile has the container-selinux types', () => {
    expect(CONTAINER_PROFILE.name).toBe('container');
    expect(formatPrefix(CONTAINER_PROFILE.process)).toBe('system_u:system_r:container_t');
    expect(formatPrefix(CONTAINER_PROFILE.file)).toBe('system_u:object_r:container_file_t');
    expect(formatPrefix(CONTAINER_PROFILE.roFile)).toBe('system_u:object_r:container_ro_file_t');
    expect(CONTAINER_PROFILE.processTypes).toEqual(['container_t', 'container_kvm_t', 'container_init_t', 'container_engine_t']);
  });

  it('svirt profile has the RHEL 7 types, ro file falling back to the file type', () => {
    expect(SVIRT_PROFILE.name).toBe('svirt');
    expect(formatPrefix(SVIRT_PROFILE.process)).toBe('system_u:system_r:svirt_lxc_net_t');
    expect(formatPrefix(SVIRT_PROFILE.file)).toBe('system_u:object_r:svirt_sandbox_file_t');
    expect(formatPrefix(SVIRT_PROFILE.roFile)).toBe('system_u:object_r:svirt_sandbox_file_t');
    expect(SVIRT_PROFILE.processTypes).toEqual(['svirt_lxc_net_t', 'svirt_qemu_net_t']);
  });

  it('the real container_contexts file parses to CONTAINER_PROFILE', () => {
    expect(parseContextsFile(CONTAINER_CONTEXTS, 'container')).toEqual(CONTAINER_PROFILE);
  });

  it('the real RHEL 7 lxc_contexts file parses to SVIRT_PROFILE', () => {
    expect(parseContextsFile(RHEL7_LXC_CONTEXTS, 'svirt')).toEqual(SVIRT_PROFILE);
  });

  it('built-in profiles are frozen', () => {
    expect(Object.isFrozen(CONTAINER_PROFILE)).toBe(true);
    expect(Object.isFrozen(CONTAINER_PROFILE.process)).toBe(true);
    expect(Object.isFrozen(CONTAINER_PROFILE.processTypes)).toBe(true);
    expect(Object.isFrozen(SVIRT_PROFILE.roFile)).toBe(true);
  });

  it.each<[string, Profile | undefined]>([
    ['container', CONTAINER_PROFILE],
    ['svirt', SVIRT_PROFILE],
    ['Container', undefined],
    ['', undefined],
    ['constructor', undefined],
    ['toString', undefined],
    ['__proto__', undefined],
  ])('builtinProfile(%j)', (name, expected) => {
    expect(builtinProfile(name)).toBe(expected);
  });
});

const P = (user: string, role: string, type: string): ContextPrefix => ({ user, role, type });
const PROC = P('system_u', 'system_r', 'container_t');
const FILE = P('system_u', 'object_r', 'container_file_t');

describe('parseContextsFile: accepted', () => {
  it.each<[string, string, Partial<Profile>]>([
    [
      'minimal, ro_file falls back to file',
      'process = "system_u:system_r:container_t:s0"\nfile = "system_u:object_r:container_file_t:s0"\n',
      { roFile: FILE },
    ],
    [
      'no quotes, no spaces',
      'process=system_u:system_r:container_t:s0\nfile=system_u:object_r:container_file_t:s0',
      { process: PROC, file: FILE },
    ],
    [
      'CRLF line ends',
      'process = "system_u:system_r:container_t:s0"\r\nfile = "system_u:object_r:container_file_t:s0"\r\n',
      { process: PROC, file: FILE },
    ],
    [
      'comments, blank lines and indentation',
      '# container contexts\n\n  ; old style comment\n\tprocess   =   "system_u:system_r:container_t:s0"  \n   \nfile="system_u:object_r:container_file_t:s0"\n# trailing\n',
      { process: PROC, file: FILE },
    ],
    [
      'levels are parsed but dropped',
      'process = "system_u:system_r:container_t:s0-s0:c0.c1023"\nfile = "system_u:object_r:container_file_t:s0:c1,c2"',
      { process: PROC, file: FILE },
    ],
    [
      'unknown keys are ignored, whatever their value',
      'content = "not a context at all"\nprocess = "system_u:system_r:container_t:s0"\nfuture_key = \nfile = "system_u:object_r:container_file_t:s0"',
      { process: PROC, file: FILE, processTypes: ['container_t'] },
    ],
    [
      'process types follow file order, deduplicated',
      'kvm_process = "system_u:system_r:container_kvm_t:s0"\nprocess = "system_u:system_r:container_t:s0"\nsandbox_lxc_process = "system_u:system_r:container_t:s0"\nfile = "system_u:object_r:container_file_t:s0"\ninit_process = "system_u:system_r:container_init_t:s0"',
      { processTypes: ['container_kvm_t', 'container_t', 'container_init_t'] },
    ],
    [
      'a repeated key with the same context is fine',
      'process = "system_u:system_r:container_t:s0"\nprocess = "system_u:system_r:container_t:s0:c1,c2"\nfile = "system_u:object_r:container_file_t:s0"',
      { process: PROC },
    ],
    [
      'explicit ro_file wins over file',
      'process = "system_u:system_r:container_t:s0"\nfile = "system_u:object_r:container_file_t:s0"\nro_file = "system_u:object_r:container_ro_file_t:s0"',
      { roFile: P('system_u', 'object_r', 'container_ro_file_t') },
    ],
  ])('%s', (_what, text, expected) => {
    const profile = parseContextsFile(text, 'custom');
    expect(profile.name).toBe('custom');
    expect(profile).toMatchObject(expected);
    expect(profile.processTypes).toContain(profile.process.type);
  });
});

describe('parseContextsFile: rejected', () => {
  const proc = 'process = "system_u:system_r:container_t:s0"';
  const file = 'file = "system_u:object_r:container_file_t:s0"';
  it.each<[string, string, string]>([
    ['empty file', '', 'contexts file has no "process" line'],
    ['only comments', '# nothing\n; here\n', 'has no "process" line'],
    ['no process line', file, 'contexts file has no "process" line'],
    ['no file line', proc, 'contexts file has no "file" line'],
    [
      'a line without =',
      `${proc}\nfile "system_u:object_r:container_file_t:s0"`,
      'line 2: expected key = "context", got "file \\"system_u',
    ],
    ['an empty key', `${proc}\n= "x"`, 'line 2: key "" is not a valid key'],
    ['a key with a space', `pro cess = "system_u:system_r:container_t:s0"\n${file}`, 'line 1: key "pro cess" is not a valid key'],
    [
      'a context without a level',
      `process = "system_u:system_r:container_t"\n${file}`,
      'line 1: key "process": context "system_u:system_r:container_t" has 3 parts',
    ],
    [
      'a bad level',
      `${proc}\nfile = "system_u:object_r:container_file_t:s01"`,
      'line 2: key "file": context level "s01" is invalid: sensitivity "s01" has a leading zero',
    ],
    [
      'a bad type in a secondary process key',
      `${proc}\n${file}\nkvm_process = "system_u:system_r:9kvm:s0"`,
      'line 3: key "kvm_process": context type "9kvm"',
    ],
    ['a bad ro_file', `${proc}\n${file}\nro_file = "junk"`, 'line 3: key "ro_file": context "junk" has 1 part'],
    [
      'an unmatched quote',
      `process = "system_u:system_r:container_t:s0\n${file}`,
      'line 1: key "process": value "\\"system_u:system_r:container_t:s0" has an unmatched quote',
    ],
    ['a lone quote', `process = "\n${file}`, 'has an unmatched quote'],
    ['a stray inner quote', `process = "system_u:"system_r:container_t:s0"\n${file}`, 'has a stray quote'],
    ['an empty value', `process =\n${file}`, 'line 1: key "process": value is empty'],
    ['an empty quoted value', `process = ""\n${file}`, 'line 1: key "process": value is empty'],
    [
      'a repeated key with a different context',
      `${proc}\n${file}\nprocess = "system_u:system_r:spc_t:s0"`,
      'line 3: key "process" repeats line 1 with a different context',
    ],
    [
      'a context with spaces',
      `process = "system_u: system_r:container_t:s0"\n${file}`,
      'line 1: key "process": context "system_u: system_r:container_t:s0" contains whitespace',
    ],
    ['a huge file', 'x'.repeat((1 << 20) + 1), 'contexts file is too long'],
  ])('%s', (_what, text, fragment) => {
    expect(syntaxError(() => parseContextsFile(text, 'custom')).message).toContain(fragment);
  });
});

const identifier = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,20}$/);
const prefix: fc.Arbitrary<ContextPrefix> = fc.record({ user: identifier, role: identifier, type: identifier });
const profile: fc.Arbitrary<Profile> = fc
  .record({
    name: fc.string({ maxLength: 10 }),
    process: prefix,
    file: prefix,
    roFile: prefix,
    extraTypes: fc.uniqueArray(identifier, { maxLength: 4 }),
    processAt: fc.nat(),
  })
  .map(({ name, process, file, roFile, extraTypes, processAt }) => {
    const extras = extraTypes.filter((t) => t !== process.type);
    const processTypes = [...extras];
    processTypes.splice(processAt % (extras.length + 1), 0, process.type);
    return { name, process, file, roFile, processTypes };
  });

/**
 * Writes a profile the way a human might: random quoting and spacing around
 * `=`, random levels, comments in between. Extra process types get keys of
 * their own so the file order reproduces processTypes.
 */
function writeContextsFile(p: Profile, style: { quote: boolean; spaces: boolean; level: string }): string {
  const value = (c: ContextPrefix): string => {
    const v = `${formatPrefix(c)}:${style.level}`;
    return style.quote ? `"${v}"` : v;
  };
  const eq = style.spaces ? ' = ' : '=';
  const lines = ['# generated'];
  p.processTypes.forEach((type, k) => {
    if (type === p.process.type) lines.push(`process${eq}${value(p.process)}`);
    else lines.push(`extra${k}_process${eq}${value({ user: 'system_u', role: 'system_r', type })}`);
  });
  lines.push('', `file${eq}${value(p.file)}`, `ro_file${eq}${value(p.roFile)}`, 'content = "ignored"');
  return lines.join('\n');
}

describe('contexts file properties', () => {
  it('a contexts file written from a profile parses back to it', () => {
    const style = fc.record({
      quote: fc.boolean(),
      spaces: fc.boolean(),
      level: fc.constantFrom('s0', 's0:c1,c2', 's0-s0:c0.c1023', 's3:c0.c5'),
    });
    fc.assert(
      fc.property(profile, style, (p, s) => {
        expect(parseContextsFile(writeContextsFile(p, s), p.name)).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });

  it('without ro_file the read-only prefix is the file prefix', () => {
    fc.assert(
      fc.property(prefix, prefix, (process, file) => {
        const text = `process = "${formatPrefix(process)}:s0"\nfile = "${formatPrefix(file)}:s0"\n`;
        const parsed = parseContextsFile(text, 'p');
        expect(parsed.roFile).toEqual(file);
        expect(parsed.processTypes).toEqual([process.type]);
      }),
    );
  });
});
