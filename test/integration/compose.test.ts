import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../testkit/process.js';
import { DOCKER_COMPOSE, PYTHON, run, runOk } from '../support/tools.js';

// docker-compose.yml under both Composes, offline (no Docker engine here):
// Debian 12's docker-compose 1.29 parses and validates it itself, and the
// Compose Specification schema, which Compose v2 implements, is checked with
// dclint. Compose v2 itself is in neither Debian 12 nor npm.

const DCLINT = join(REPO_ROOT, 'node_modules', '.bin', 'dclint');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('docker-compose.yml', () => {
  it('is valid for Compose 1.29 (Debian 12), with the services, ports and health dependency intact', async () => {
    const r = await run(DOCKER_COMPOSE, ['-f', 'docker-compose.yml', 'config']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const config = parse(r.stdout) as {
      services: Record<
        string,
        { ports?: string[]; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }
      >;
      volumes: Record<string, unknown>;
    };
    expect(Object.keys(config.services).sort()).toEqual(['mcs-allocator', 'redis']);
    expect(config.services['mcs-allocator']!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(config.services['mcs-allocator']!.ports).toEqual(['127.0.0.1:50051:50051/tcp', '127.0.0.1:9464:9464/tcp']);
    expect(config.services['mcs-allocator']!.environment).toMatchObject({ MCS_REDIS_URL: 'redis://redis:6379' });
    expect(Object.keys(config.volumes)).toEqual(['redis-data']);
  });

  it('names the project mcs-allocator (from .env) whatever the directory is called', async () => {
    // The project name prefixes the containers and the redis-data volume: a
    // different one would start on an empty volume.
    const script = [
      'from compose.cli.command import get_project_name',
      'from compose.config.environment import Environment',
      "print(get_project_name('.', environment=Environment.from_env_file('.')))",
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'some-checkout-'));
    scratch.push(dir);
    copyFileSync(join(REPO_ROOT, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
    copyFileSync(join(REPO_ROOT, '.env'), join(dir, '.env'));
    expect((await runOk(PYTHON, ['-c', script], { cwd: dir })).trim()).toBe('mcs-allocator');
    // Without .env it would be the directory's name.
    rmSync(join(dir, '.env'));
    expect((await runOk(PYTHON, ['-c', script], { cwd: dir })).trim()).not.toBe('mcs-allocator');
  });

  it('is valid for the Compose Specification (Compose v2), by dclint', async () => {
    const r = await run(DCLINT, ['--quiet', '--color', 'false', 'docker-compose.yml']);
    expect((r.stdout + r.stderr).trim()).toBe('');
    expect(r.code).toBe(0);
  });

  it('would be refused by Compose 1.29 with a top-level name, and by the schema with a wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcs-compose-'));
    scratch.push(dir);
    const original = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    writeFileSync(join(dir, 'docker-compose.yml'), `name: mcs-allocator\n${original}`);
    const named = await run(DOCKER_COMPOSE, ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: dir });
    expect(named.code).not.toBe(0);
    expect(named.stderr).toMatch(/'name' does not match any of the regexes/);

    writeFileSync(join(dir, 'docker-compose.yml'), original.replace('    image: redis:7', '    imagee: redis:7'));
    const wrong = await run(DCLINT, ['--quiet', '--color', 'false', 'docker-compose.yml'], { cwd: dir });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/invalid-schema/);
  });
});
