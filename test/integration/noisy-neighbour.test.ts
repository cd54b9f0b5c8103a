import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, ensureBuilt, runCli, waitServing } from '../../testkit/process.js';
import { TestRedis, freePort } from '../../testkit/redis-server.js';
import { runNoisyNeighbour } from '../../testkit/noisy-neighbour.js';
import type { TestClient } from '../support/service.js';

// A victim host's Allocate latency while a hostile host sends, one after
// the other and without pause, the most expensive requests the API allows,
// against the real service process and a real Redis. The bound is generous
// so that a loaded machine cannot make it flaky: 250 ms (about 75 ms was
// seen on an otherwise idle 2-core machine), or eight times the victim's own
// p99 without the attacker when the machine is so busy that this is more.
// Before the bounds on static levels, claims and paths, one request held
// Redis for 0.3 to 1.2 s. `npm run bench` prints the figures, also for more
// attackers.

let redis: TestRedis;
let service: CliProcess;
let client: TestClient;
let address: string;

beforeAll(async () => {
  await ensureBuilt();
  redis = await TestRedis.start();
  address = `127.0.0.1:${await freePort()}`;
  service = runCli(['serve', '--redis', redis.url, '--listen', address, '--metrics-listen', 'none', '--log-level', 'warn']);
  client = await waitServing(service, address);
});
afterAll(async () => {
  client?.close();
  service?.kill('SIGKILL');
  await redis?.stop();
});

describe('a noisy neighbour', () => {
  it("keeps another host's Allocate p99 under 250 ms", async () => {
    const alone = await runNoisyNeighbour(address, { attackers: 0, durationMs: 3000 });
    const result = await runNoisyNeighbour(address, { attackers: 1, durationMs: 8000 });
    // Every kind of attack really ran, and was answered.
    for (const kind of [
      'widest static level (1,023 pairs)',
      'level over --max-static-pairs',
      'Reconcile of 2,000 workloads',
      '16 volumes of 64 segments',
      '128 volumes',
      'ListLeases page of 1,000',
    ]) {
      expect(result.attacks[kind]?.calls, kind).toBeGreaterThan(0);
    }
    expect(result.attacks['level over --max-static-pairs']!.refused).toBe(result.attacks['level over --max-static-pairs']!.calls);
    expect(result.victim.errors).toBe(0);
    expect(result.victim.calls).toBeGreaterThan(20);
    expect(result.victim.p99Ms).toBeLessThan(Math.max(250, 8 * alone.victim.p99Ms));
  }, 60_000);
});
