/**
 * The setup most integration files share, as vitest fixtures: a
 * redis-server of the file's own, services of the real code in this
 * process against it, and clients of them, all stopped after the file.
 *
 *   const t = useService({ pool: 'vol' });          // one service and its client
 *   it('...', async () => { await t.client.Allocate(...); t.raw.hgetall(...) });
 *
 *   const t = useRedis();                           // services made by the tests
 *   const { client } = await t.service({ pool: 'quota', hostQuota: '5' });
 */
import type * as grpc from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { ServeOptions } from '../../src/config/serve-flags.js';
import type { RunningServer } from '../../src/server/server.js';
import { TestRedis } from '../../testkit/redis-server.js';
import { connect, startService, type TestClient } from './service.js';

export interface RedisFixture {
  readonly redis: TestRedis;
  /** A plain connection to it, for looking at (or changing) the store directly. */
  readonly raw: Redis;
  /** Another service of this Redis, and a client of it; both stopped after the file. */
  service: (options?: Partial<ServeOptions>, log?: Logger) => Promise<{ server: RunningServer; client: TestClient }>;
  /** Another client; closed after the file. */
  connect: (address: string, credentials?: grpc.ChannelCredentials) => TestClient;
}

export interface ServiceFixture extends RedisFixture {
  /** The service started with the options given to useService. */
  readonly server: RunningServer;
  /** A client of it. */
  readonly client: TestClient;
}

function ready<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is used before the fixture's beforeAll ran`);
  return value;
}

/** A redis-server for this file, started before its tests and stopped after them. */
export function useRedis(): RedisFixture {
  let redis: TestRedis | undefined;
  let raw: Redis | undefined;
  const servers: RunningServer[] = [];
  const clients: TestClient[] = [];
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.close()));
    raw?.disconnect();
    await redis?.stop();
  });
  const fixture: RedisFixture = {
    get redis() {
      return ready(redis, 'redis');
    },
    get raw() {
      raw ??= ready(redis, 'raw').client();
      return raw;
    },
    async service(options = {}, log) {
      const server = await startService(ready(redis, 'service()').url, options, log);
      servers.push(server);
      return { server, client: fixture.connect(server.address) };
    },
    connect(address, credentials) {
      const client = connect(address, credentials);
      clients.push(client);
      return client;
    },
  };
  return fixture;
}

/** A redis-server and one service of it (with `options`) with a client, for this file. */
export function useService(options: Partial<ServeOptions> = {}, log?: () => Logger): ServiceFixture {
  const base = useRedis();
  let first: { server: RunningServer; client: TestClient } | undefined;
  beforeAll(async () => {
    first = await base.service(options, log?.());
  });
  return {
    get redis() {
      return base.redis;
    },
    get raw() {
      return base.raw;
    },
    service: base.service,
    connect: base.connect,
    get server() {
      return ready(first, 'server').server;
    },
    get client() {
      return ready(first, 'client').client;
    },
  };
}
