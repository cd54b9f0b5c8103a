import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseReserved } from '../../src/config/parsers.js';
import { buildServeConfig } from '../../src/config/serve-config.js';
import { DEFAULTS, type ServeOptions } from '../../src/config/serve-flags.js';
import { parseCategoryRange } from '../../src/domain/categories.js';
import { formatLevel } from '../../src/domain/level.js';

const base: ServeOptions = { ...DEFAULTS, reserved: undefined };

describe('buildServeConfig', () => {
  it('has the documented defaults', () => {
    const c = buildServeConfig(base);
    expect(c.listen).toBe('127.0.0.1:50051');
    expect(c.redis).toBeUndefined();
    expect(c.pool).toBe('default');
    expect(c.categories).toEqual({ low: 0, high: 1023 });
    expect(c.profile.name).toBe('container');
    expect(c.reserved.map(formatLevel)).toEqual(['s0:c1022,c1023']);
    expect(c).toMatchObject({ redisTimeoutMs: 2000, reapIntervalMs: 1000, shutdownGraceMs: 10_000, sensitivity: 's0' });
  });

  it.each([
    ['redis://10.0.0.5:6379', { kind: 'url', url: 'redis://10.0.0.5:6379' }],
    ['rediss://user:pw@r.example:6380/2', { kind: 'url', url: 'rediss://user:pw@r.example:6380/2' }],
    ['/run/redis/redis.sock', { kind: 'socket', path: '/run/redis/redis.sock' }],
    ['unix:///run/redis.sock', { kind: 'socket', path: '/run/redis.sock' }],
  ])('accepts --redis %s', (redis, target) => {
    expect(buildServeConfig({ ...base, redis }).redis).toEqual(target);
  });

  it.each([
    [{ pool: 'a{b}' }, '--pool'],
    [{ pool: '' }, '--pool'],
    [{ categories: 'c5.c2' }, '--categories'],
    [{ categories: 'c0.c1024' }, '--categories'],
    [{ categories: 'c0' }, '--categories'],
    [{ redis: 'ftp://x' }, '--redis'],
    [{ redis: 'localhost:6379' }, '--redis'],
    [{ profile: 'nosuch' }, '--profile'],
    [{ profile: '/nonexistent/contexts' }, '--profile'],
    [{ logLevel: 'loud' }, '--log-level'],
    [{ listen: 'nowhere' }, '--listen'],
    [{ listen: '127.0.0.1:70000' }, '--listen'],
    [{ redisTimeout: '5ms' }, '--redis-timeout'],
    [{ reapInterval: '0' }, '--reap-interval'],
    [{ shutdownGrace: '-1' }, '--shutdown-grace'],
    [{ sensitivity: 's1024' }, '--sensitivity'],
    [{ sensitivity: 'S0' }, '--sensitivity'],
    [{ sensitivity: 's01' }, '--sensitivity'],
    [{ setrans: '/nonexistent/setrans.conf' }, '--setrans'],
    [{ hostQuota: '101%' }, '--host-quota'],
    [{ hostQuota: 'lots' }, '--host-quota'],
    [{ tlsKey: '/x' }, '--tls-cert'],
    [{ authz: '/x' }, '--authz'],
    [{ metricsListen: 'nowhere' }, '--metrics-listen'],
    [{ logFormat: 'xml' }, '--log-format'],
    [{ redis: 'redis://a:1', redisCluster: 'b:2' }, '--redis-cluster'],
    [{ redisSentinels: 'a:1' }, '--redis-master-name'],
  ])('refuses %j naming %s', (patch, option) => {
    expect(() => buildServeConfig({ ...base, ...patch })).toThrow(ConfigError);
    expect(() => buildServeConfig({ ...base, ...patch })).toThrow(new RegExp(`^${option}: `));
  });

  it('takes a pool at another sensitivity, without the default reserved pair (it is s0)', () => {
    const c = buildServeConfig({ ...base, sensitivity: 's2' });
    expect(c.sensitivity).toBe('s2');
    expect(c.reserved).toEqual([]);
  });

  it('reads a contexts file as the profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcs-profile-'));
    const file = join(dir, 'container_contexts');
    writeFileSync(file, 'process = "system_u:system_r:my_t:s0"\nfile = "system_u:object_r:my_file_t:s0"\n');
    const c = buildServeConfig({ ...base, profile: file });
    expect(c.profile.process.type).toBe('my_t');
    expect(c.profile.roFile.type).toBe('my_file_t');
    writeFileSync(file, 'process = "not a context"\n');
    expect(() => buildServeConfig({ ...base, profile: file })).toThrow(/^--profile: /);
  });
});

describe('parseReserved', () => {
  const range = parseCategoryRange('c0.c1023');
  const small = parseCategoryRange('c0.c9');
  it.each([
    [undefined, range, ['s0:c1022,c1023']],
    [undefined, small, []],
    ['none', range, []],
    ['', range, []],
    ['s0:c1,c2', range, ['s0:c1,c2']],
    ['s0:c2,c1;s0:c3,c4  s0:c5,c6', range, ['s0:c1,c2', 's0:c3,c4', 's0:c5,c6']],
    ['s0:c1,c2 s0:c2,c1', range, ['s0:c1,c2']],
  ])('%j in %j gives %j', (text, r, expected) => {
    expect(parseReserved(text, r, 's0').map(formatLevel)).toEqual(expected);
  });

  it.each([
    ['s0:c1', 'is not a pair'],
    ['s0:c1,c2,c3', 'is not a pair'],
    ['s1:c1,c2', "is not at the pool's sensitivity"],
    ['s0:c1022,c1023', 'is outside the pool'],
    ['s0:cX', '--reserved: s0:cX'],
  ])('refuses %s explicitly given for c0.c9', (text, message) => {
    expect(() => parseReserved(text, small, 's0')).toThrow(message);
  });
});
