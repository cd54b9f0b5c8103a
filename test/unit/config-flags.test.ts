import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addFlags, attributeName, parseFlags } from '../../src/config/flags.js';
import { DEFAULTS, SERVE_FLAGS, STORE_FLAGS } from '../../src/config/serve-flags.js';
import { AGENT_DEFAULTS, AGENT_FLAGS } from '../../src/agent/config.js';

/** The rows of a README table of flags (between two headings): flags, env vars and default cell. */
function readmeRows(from = '\n## Configuration\n', to = '\n## API\n'): { flags: string[]; envs: string[]; defaults: string }[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(from), readme.indexOf(to));
  const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `--'))
    .map((line) => {
      const [flags = '', envs = '', defaults = ''] = line.split('|').slice(1).map((c) => c.trim());
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

  it.each(AGENT_FLAGS.map((s) => [s.flag, s] as const))('%s is in the README table of the agent with its variable and default', (_, spec) => {
    const row = rows.find((r) => r.flags.includes(spec.flag));
    expect(row, `${spec.flag} has no row`).toBeDefined();
    expect(row!.envs[row!.flags.indexOf(spec.flag)]).toBe(spec.env);
    if ('default' in spec) expect(row!.defaults).toContain(`\`${spec.default}\``);
  });

  it('the README lists no flag that agent does not take', () => {
    const known = new Set<string>(AGENT_FLAGS.map((s) => s.flag));
    expect(rows.flatMap((r) => r.flags).filter((f) => !known.has(f))).toEqual([]);
  });
});
