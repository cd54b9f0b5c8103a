import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { connect, startService, rpcError } from '../support/service.js';
import { PROMTOOL, run } from '../support/tools.js';
import { useService } from '../support/fixtures.js';

// Scrape /metrics after a known workload and check the numbers.

const t = useService({ pool: 'metered', categories: 'c0.c9', metricsListen: '127.0.0.1:0', reapInterval: '50' });

async function scrape(path = '/metrics'): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(`http://127.0.0.1:${t.server.metricsPort}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

function value(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series} in:\n${body}`);
  return Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('counts a known workload', async () => {
    const leases = [];
    for (let i = 0; i < 5; i++) leases.push((await t.client.Allocate({ host: 'h', workload_id: `w${i}` })).lease);
    await t.client.Allocate({ host: 'h', workload_id: 'w0' });
    await t.client.Release({ lease_id: leases[0]!.lease_id });
    await t.client.Release({ lease_id: leases[0]!.lease_id });
    await rpcError(t.client.Allocate({ host: 'bad host', workload_id: 'x' }));
    // Fill the rest of the pool (45 pairs; the default reserved pair is outside c0.c9), the
    // last pair with a lease that expires, and hit the end once before it does.
    for (let i = 0; i < 40; i++) await t.client.Allocate({ host: 'h', workload_id: `fill${i}` });
    await t.client.Allocate({ host: 'h', workload_id: 'short', ttl_seconds: 1 });
    const err = await rpcError(t.client.Allocate({ host: 'h', workload_id: 'one-too-many' }));
    expect(err.metadata.get('mcs-error-reason')).toEqual(['POOL_EXHAUSTED']);
    // The short lease expires and the reaper takes it back.
    await new Promise((r) => setTimeout(r, 1300));

    const { status, body, type } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain/);
    expect(value(body, 'mcs_allocations_total{pool="metered",outcome="created"}')).toBe(5 + 1 + 40);
    expect(value(body, 'mcs_allocations_total{pool="metered",outcome="existing"}')).toBe(1);
    expect(value(body, 'mcs_allocations_total{pool="metered",outcome="INVALID_ARGUMENT"}')).toBe(1);
    expect(value(body, 'mcs_allocations_total{pool="metered",outcome="POOL_EXHAUSTED"}')).toBe(1);
    expect(value(body, 'mcs_releases_total{pool="metered",outcome="released"}')).toBe(1);
    expect(value(body, 'mcs_releases_total{pool="metered",outcome="not_found"}')).toBe(1);
    expect(value(body, 'mcs_reaped_leases_total{pool="metered"}')).toBe(1);
    expect(value(body, 'mcs_refusals_total{method="Allocate",reason="POOL_EXHAUSTED"}')).toBe(1);
    expect(value(body, 'mcs_rpc_duration_seconds_count{method="Allocate",code="OK"}')).toBe(47);
    expect(value(body, 'mcs_rpc_duration_seconds_count{method="Allocate",code="RESOURCE_EXHAUSTED"}')).toBe(1);
    // 45 pairs: 46 grants, one released and one expired since.
    expect(value(body, 'mcs_pool_pairs{pool="metered",state="total"}')).toBe(45);
    expect(value(body, 'mcs_pool_pairs{pool="metered",state="leased"}')).toBe(44);
    expect(value(body, 'mcs_pool_pairs{pool="metered",state="free"}')).toBe(1);
    expect(value(body, 'mcs_pool_pairs{pool="metered",state="reserved"}')).toBe(0);
    expect(value(body, 'mcs_serving')).toBe(1);
    expect(body).toMatch(/^mcs_process_resident_memory_bytes \d+/m);
    expect(body).not.toMatch(/workload|fill\d|lease_id/);
  });

  it("passes promtool check metrics (Prometheus' own linter)", async () => {
    const { body } = await scrape();
    const r = await run(PROMTOOL, ['check', 'metrics'], { input: body });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
    // prom-client's ..._total gauges are gone; the per-type gauges stay.
    expect(body).not.toMatch(/^mcs_nodejs_active_\w+_total/m);
    expect(body).toMatch(/^# TYPE mcs_nodejs_active_handles gauge$/m);
  });

  it('promtool does fail a malformed exposition (the check is real)', async () => {
    const r = await run(PROMTOOL, ['check', 'metrics'], {
      input: '# HELP mcs_things_total Things.\n# TYPE mcs_things_total gauge\nmcs_things_total 1\n',
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/non-counter metrics should not have "_total" suffix/);
  });

  it('counts open WatchLeases streams and refused ones', async () => {
    const watched = await startService(t.redis.url, {
      pool: 'metered-watch',
      categories: 'c0.c9',
      metricsListen: '127.0.0.1:0',
      maxWatchesPerClient: '2',
    });
    const w = connect(watched.address);
    const get = async (series: string) => value(await (await fetch(`http://127.0.0.1:${watched.metricsPort}/metrics`)).text(), series);
    const open = () =>
      new Promise<grpc.ClientReadableStream<unknown>>((resolve, reject) => {
        const s = w.raw.WatchLeases({ host: 'h', after_event_id: '' });
        s.on('metadata', () => resolve(s));
        s.on('error', reject);
        s.on('data', () => {});
      });
    const refused = () =>
      new Promise<grpc.ServiceError>((resolve) => {
        const s = w.raw.WatchLeases({ host: 'bad host', after_event_id: '' });
        s.on('data', () => {});
        s.on('error', resolve);
      });
    try {
      expect(await get('mcs_watch_streams')).toBe(0);
      const a = await open();
      const b = await open();
      expect(await get('mcs_watch_streams')).toBe(2);
      // A third from the same client is over --max-watches-per-client.
      const third = await new Promise<grpc.ServiceError>((resolve) => {
        const s = w.raw.WatchLeases({ host: 'h', after_event_id: '' });
        s.on('data', () => {});
        s.on('error', resolve);
      });
      expect(third.metadata.get('mcs-error-reason')).toEqual(['TOO_MANY_STREAMS']);
      expect((await refused()).metadata.get('mcs-error-reason')).toEqual(['INVALID_ARGUMENT']);
      expect(await get('mcs_refusals_total{method="WatchLeases",reason="TOO_MANY_STREAMS"}')).toBe(1);
      expect(await get('mcs_refusals_total{method="WatchLeases",reason="INVALID_ARGUMENT"}')).toBe(1);
      expect(await get('mcs_watch_streams')).toBe(2);
      a.on('error', () => {});
      b.on('error', () => {});
      a.cancel();
      b.cancel();
      const end = Date.now() + 5000;
      while ((await get('mcs_watch_streams')) !== 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(await get('mcs_watch_streams')).toBe(0);
      // A client that went away is not a refusal.
      expect(await get('mcs_refusals_total{method="WatchLeases",reason="TOO_MANY_STREAMS"}')).toBe(1);
    } finally {
      w.close();
      await watched.close();
    }
  });

  it('answers 404 elsewhere', async () => {
    expect((await scrape('/')).status).toBe(404);
  });

  it('says SERVING on /healthz while Redis answers, 503 NOT_SERVING when it does not', async () => {
    expect(await scrape('/healthz')).toMatchObject({ status: 200, body: 'SERVING\n' });
    t.redis.pause();
    try {
      const end = Date.now() + 10_000;
      let last = await scrape('/healthz');
      while (last.status !== 503 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        last = await scrape('/healthz');
      }
      expect(last).toMatchObject({ status: 503, body: 'NOT_SERVING\n' });
    } finally {
      t.redis.resume();
    }
  });
});
