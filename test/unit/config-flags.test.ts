import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addFlags, attributeName, parseFlags } from '../../src/config/flags.js';
import { DEFAULTS, SERVE_FLAGS, STORE_FLAGS } from '../../src/config/serve-flags.js';
import { AGENT_DEFAULTS, AGENT_FLAGS } from '../../src/agent/config.js';
import { WEBHOOK_DEFAULTS, WEBHOOK_FLAGS, WEBHOOK_SHARED_FLAGS, WEBHOOK_SHARED_OVERRIDES } from '../../src/webhook/config.js';

/** The rows of a README table of flags (between two headings): flags, env vars and default cell. */
function readmeRows(from = '\n## Configuration\n', to = '\n## API\n'): { flags: string[]; envs: string[]; defaults: string }[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(from), readme.indexOf(to));
  const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `--'))
    .map((line) => {
      const [flags = '', envs = '', defaults = ''] = line
        .split('|')
        .slice(1)
        .map((c) => c.trim());
      return { flags: ticks(flags), envs: ticks(envs), defaults };
    });
}

describe('the flags of serve', () => {
  const shown = SERVE_FLAGS.filter((s) => !('hidden' in s && s.hidden));
  // serve's table: from the section's start to the webhook's flags, which follow it.
  const rows = readmeRows('\n## Configuration\n', '\n`mcs-allocator webhook`');

  it('name their options as commander does', () => {
    for (const s of SERVE_FLAGS) expect(attributeName(s.flag)).toBe(s.key);
    const cmd = addFlags(new Command('serve'), SERVE_FLAGS);
    expect(cmd.options.map((o) => o.attributeName())).toEqual(SERVE_FLAGS.map((s) => s.key));
    expect(new Set(SERVE_FLAGS.map((s) => s.env)).size).toBe(SERVE_FLAGS.length);
    for (const s of SERVE_FLAGS) expect(s.env).toMatch(/^MCS_[A-Z_]+$/);
  });

  it.each(shown.map((s) => [s.flag, s] as const))('%s is in the README Configuration table with its variable and default', (_, spec) => {
    const row = rows.find((r) => r.flags.includes(spec.flag));
    expect(row, `${spec.flag} has no row`).toBeDefined();
    const i = row!.flags.indexOf(spec.flag);
    expect(row!.envs[i]).toBe(spec.env);
    const fallback = 'default' in spec ? spec.default : 'implicit' in spec ? spec.implicit : undefined;
    if (fallback !== undefined) expect(row!.defaults).toContain(`\`${fallback}\``);
    else expect(row!.defaults).not.toMatch(/`/);
  });

  it('the README lists no flag that serve does not take', () => {
    const known = new Set<string>(shown.map((s) => s.flag));
    expect(rows.flatMap((r) => r.flags).filter((f) => !known.has(f))).toEqual([]);
  });

  it('parses each default, and names the flag of a wrong value', () => {
    const parsed = SERVE_FLAGS.filter((s) => 'parse' in s);
    expect(parsed.length).toBeGreaterThan(10);
    for (const s of parsed) {
      expect(() => s.parse(s.default, s.flag)).not.toThrow();
      expect(() => s.parse('-1', s.flag)).toThrow(new RegExp(`^${s.flag}: must be a whole number`));
    }
    expect(parseFlags(SERVE_FLAGS, { ...DEFAULTS, idleTimeout: '60' })).toMatchObject({ idleTimeout: 60, redisTimeout: 2000 });
  });

  it('gives every default to DEFAULTS', () => {
    expect(DEFAULTS).toMatchObject({ listen: '127.0.0.1:50051', reserved: 's0:c1022,c1023', redisTimeout: '2000' });
    expect(Object.keys(DEFAULTS)).not.toContain('redis');
  });

  it('has a store group any command opening the pool can add', () => {
    const cmd = addFlags(new Command('other'), STORE_FLAGS, { hostQuota: { default: '0', help: 'pairs the cluster host may hold' } });
    const quota = cmd.options.find((o) => o.long === '--host-quota')!;
    expect(quota.defaultValue).toBe('0');
    expect(quota.envVar).toBe('MCS_HOST_QUOTA');
    expect(cmd.options.map((o) => o.long)).toContain('--redis-sentinels');
    expect(cmd.options.map((o) => o.long)).not.toContain('--listen');
  });
});

describe('the flags of agent', () => {
  const rows = readmeRows('\n## The host agent\n', '\n### What it does\n');

  it('name their options as commander does', () => {
    const cmd = addFlags(new Command('agent'), AGENT_FLAGS);
    expect(cmd.options.map((o) => o.attributeName())).toEqual(AGENT_FLAGS.map((s) => s.key));
    expect(AGENT_DEFAULTS).toMatchObject({ server: '127.0.0.1:50051', socket: '/run/mcs-allocator/agent.sock', timeout: '10' });
  });

  it.each(AGENT_FLAGS.map((s) => [s.flag, s] as const))(
    '%s is in the README table of the agent with its variable and default',
    (_, spec) => {
      const row = rows.find((r) => r.flags.includes(spec.flag));
      expect(row, `${spec.flag} has no row`).toBeDefined();
      expect(row!.envs[row!.flags.indexOf(spec.flag)]).toBe(spec.env);
      if ('default' in spec) expect(row!.defaults).toContain(`\`${spec.default}\``);
    },
  );

  it('the README lists no flag that agent does not take', () => {
    const known = new Set<string>(AGENT_FLAGS.map((s) => s.flag));
    expect(rows.flatMap((r) => r.flags).filter((f) => !known.has(f))).toEqual([]);
  });
});

describe('the flags of webhook', () => {
  const rows = readmeRows('\n`mcs-allocator webhook`', '\nA wrong value exits');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const prose = readme.slice(
    readme.indexOf('\n`mcs-allocator webhook`'),
    readme.indexOf('\n| flag | env | default | meaning |', readme.indexOf('\n`mcs-allocator webhook`')),
  );

  it("name their options as commander does, with serve's shared flags after its own", () => {
    const cmd = addFlags(addFlags(new Command('webhook'), WEBHOOK_FLAGS), WEBHOOK_SHARED_FLAGS, WEBHOOK_SHARED_OVERRIDES);
    expect(cmd.options.map((o) => o.attributeName())).toEqual([...WEBHOOK_FLAGS, ...WEBHOOK_SHARED_FLAGS].map((s) => s.key));
    expect(new Set(cmd.options.map((o) => o.long)).size).toBe(cmd.options.length);
    expect(cmd.options.find((o) => o.long === '--host-quota')!.defaultValue).toBe('0');
    expect(WEBHOOK_DEFAULTS).toMatchObject({ listen: '0.0.0.0:8443', host: 'kubernetes', hostQuota: '0' });
  });

  it.each(WEBHOOK_FLAGS.map((s) => [s.flag, s] as const))(
    '%s is in the README table of the webhook with its variable and default',
    (_, spec) => {
      const row = rows.find((r) => r.flags.includes(spec.flag));
      expect(row, `${spec.flag} has no row`).toBeDefined();
      const env = row!.envs[row!.flags.indexOf(spec.flag)]!;
      // `..._ROLE` abbreviates a variable of the row's first flag's family.
      expect(env.startsWith('...') ? row!.envs[0]!.replace(/_[A-Z]+$/, env.slice(3)) : env).toBe(spec.env);
      if ('default' in spec) expect(row!.defaults).toContain(`\`${spec.default}\``);
    },
  );

  it('the README lists no flag that webhook does not take, and names every shared flag it takes', () => {
    const known = new Set<string>(WEBHOOK_FLAGS.map((s) => s.flag));
    expect(rows.flatMap((r) => r.flags).filter((f) => !known.has(f))).toEqual([]);
    const named = new Set([...prose.matchAll(/`(--[a-z-]+)(?:-\*)?`/g)].map((m) => m[1]!));
    const missing = WEBHOOK_SHARED_FLAGS.filter(
      (s) => !named.has(s.flag) && !(s.flag.startsWith('--redis-tls-') && named.has('--redis-tls')),
    );
    expect(missing.map((s) => s.flag)).toEqual([]);
  });
});
