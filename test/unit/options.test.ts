import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { NO_OPTIONS, OptionError, resolveLabelOptions, type OptionsPolicy } from '../../src/domain/options.js';
import { CONTAINER_PROFILE, SVIRT_PROFILE } from '../../src/domain/profile.js';

const policy: OptionsPolicy = {
  profiles: new Map([
    ['container', CONTAINER_PROFILE],
    ['svirt', SVIRT_PROFILE],
  ]),
  defaultProfile: CONTAINER_PROFILE,
  allowedTypes: new Set([...CONTAINER_PROFILE.processTypes, ...SVIRT_PROFILE.processTypes]),
  allowedFileTypes: new Set(['container_file_t', 'container_ro_file_t', 'svirt_sandbox_file_t']),
  privilegedType: 'spc_t',
  sensitivity: 0,
  categories: parseCategoryRange('c0.c1023'),
};

const resolve = (o: Partial<typeof NO_OPTIONS>) => resolveLabelOptions({ ...NO_OPTIONS, ...o }, policy);

function refused(o: Partial<typeof NO_OPTIONS>): OptionError {
  try {
    resolve(o);
  } catch (err) {
    expect(err).toBeInstanceOf(OptionError);
    return err as OptionError;
  }
  throw new Error(`expected ${JSON.stringify(o)} to be refused`);
}

// The go-selinux InitLabels cases (label=user:..., role:..., type:...,
// level:..., filetype:..., disable), answered the way this service answers them.
describe('resolveLabelOptions', () => {
  it.each([
    [{}, 'random', 'system_u:system_r:container_t', 'system_u:object_r:container_file_t', 'system_u:object_r:container_ro_file_t'],
    [
      { user: 'user_u' },
      'random',
      'user_u:system_r:container_t',
      'user_u:object_r:container_file_t',
      'user_u:object_r:container_ro_file_t',
    ],
    [
      { role: 'user_r' },
      'random',
      'system_u:user_r:container_t',
      'system_u:object_r:container_file_t',
      'system_u:object_r:container_ro_file_t',
    ],
    [
      { type: 'container_kvm_t' },
      'random',
      'system_u:system_r:container_kvm_t',
      'system_u:object_r:container_file_t',
      'system_u:object_r:container_ro_file_t',
    ],
    [
      { filetype: 'container_ro_file_t' },
      'random',
      'system_u:system_r:container_t',
      'system_u:object_r:container_ro_file_t',
      'system_u:object_r:container_ro_file_t',
    ],
    [
      { level: 's0:c1,c2' },
      'static',
      'system_u:system_r:container_t',
      'system_u:object_r:container_file_t',
      'system_u:object_r:container_ro_file_t',
    ],
    [
      { disable: true },
      'disabled',
      'system_u:system_r:spc_t',
      'system_u:object_r:container_file_t',
      'system_u:object_r:container_ro_file_t',
    ],
    [
      { disable: true, user: 'user_u' },
      'disabled',
      'user_u:system_r:spc_t',
      'user_u:object_r:container_file_t',
      'user_u:object_r:container_ro_file_t',
    ],
    [
      { profile: 'svirt' },
      'random',
      'system_u:system_r:svirt_lxc_net_t',
      'system_u:object_r:svirt_sandbox_file_t',
      'system_u:object_r:svirt_sandbox_file_t',
    ],
    [
      { profile: 'svirt', type: 'svirt_qemu_net_t' },
      'random',
      'system_u:system_r:svirt_qemu_net_t',
      'system_u:object_r:svirt_sandbox_file_t',
      'system_u:object_r:svirt_sandbox_file_t',
    ],
  ])('%j gives a %s label %s / %s / %s', (o, kind, process, mount, ro) => {
    const r = resolve(o);
    expect(r.kind).toBe(kind);
    expect(r.prefixes).toEqual({ process, mount, ro });
  });

  it('canonicalises a static level and a disabled label is at s0', () => {
    const r = resolve({ level: 's0:c200,c100' });
    expect(r.kind === 'static' && r.levelText).toBe('s0:c100,c200');
    const range = resolve({ level: 's0:c3,c0,c1,c2' });
    expect(range.kind === 'static' && range.levelText).toBe('s0:c0.c3');
    const d = resolve({ disable: true });
    expect(d.kind === 'disabled' && d.levelText).toBe('s0');
  });

  it.each([
    [{ type: 'spc_t' }, 'options.type', 'spc_t is not an allowed process type'],
    [{ type: 'unconfined_t' }, 'options.type', 'is not an allowed process type'],
    [{ filetype: 'shadow_t' }, 'options.filetype', 'shadow_t is not an allowed file type'],
  ])('%j is PERMISSION_DENIED naming %s', (o, field, rule) => {
    const err = refused(o);
    expect(err.denied).toBe(true);
    expect(err.field).toBe(field);
    expect(err.message).toContain(rule);
  });

  it.each([
    [{ user: 'bad user' }, 'options.user', 'must be an SELinux identifier'],
    [{ role: 'r:x' }, 'options.role', 'must be an SELinux identifier'],
    [{ type: '1type' }, 'options.type', 'must be an SELinux identifier'],
    [{ filetype: 'a\u0000b' }, 'options.filetype', 'must be an SELinux identifier'],
    [{ level: 's0' }, 'options.level', 'at least one category'],
    [{ level: 's1:c1,c2' }, 'options.level', "pool's sensitivity s0"],
    [{ level: 's0:c1,c1' }, 'options.level', 'appears twice'],
    [{ level: 's0:c5.c2' }, 'options.level', 'reversed'],
    [{ level: 's0-s0:c0.c1023' }, 'options.level', 'single level'],
    [{ level: 'TopSecret' }, 'options.level', ''],
    [{ profile: 'nosuch' }, 'options.profile', 'must be one of container, svirt'],
    [{ disable: true, type: 'container_t' }, 'options.type', 'cannot be combined with options.disable'],
    [{ disable: true, level: 's0:c1,c2' }, 'options.level', 'cannot be combined with options.disable'],
    [{ disable: true, role: 'system_r' }, 'options.role', 'cannot be combined'],
    [{ disable: true, filetype: 'container_file_t' }, 'options.filetype', 'cannot be combined'],
  ])('%j is INVALID_ARGUMENT naming %s', (o, field, rule) => {
    const err = refused(o);
    expect(err.denied).toBe(false);
    expect(err.field).toBe(field);
    expect(err.message).toContain(rule);
  });

  it('refuses static levels outside a smaller pool', () => {
    const small = { ...policy, categories: parseCategoryRange('c0.c9') };
    expect(() => resolveLabelOptions({ ...NO_OPTIONS, level: 's0:c9,c10' }, small)).toThrow(/inside the pool's range c0.c9/);
    expect(resolveLabelOptions({ ...NO_OPTIONS, level: 's0:c0.c9' }, small).kind).toBe('static');
  });

  it('never lets an unlisted type through, whatever the other options', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/),
        fc.constantFrom('', 'user_u', 'system_u'),
        fc.constantFrom('', 's0:c1,c2', 's0:c7'),
        (type, user, level) => {
          let outcome: string;
          try {
            const r = resolve({ type, user, level });
            outcome = r.prefixes.process.split(':')[2]!;
          } catch (err) {
            outcome = (err as OptionError).denied ? 'denied' : 'invalid';
          }
          if (policy.allowedTypes.has(type)) expect(outcome).toBe(type);
          else expect(outcome).toBe('denied');
        },
      ),
    );
  });
});
