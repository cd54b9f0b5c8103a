/**
 * The printed report: one table per section, then the targets of the issue
 * with PASS/MISS. The targets live here, in the benchmark's output, not in
 * the tests.
 */
import type { Options } from './lib/context.js';
import type { Noise } from './lib/measure.js';
import { bytes, fmtSpread, mark, num, table, type Spread } from './lib/summary.js';
import type { ThroughputResult } from './sections/throughput.js';
import type { RedisResult } from './sections/redis.js';
import type { OccupancyResult } from './sections/occupancy.js';
import type { MemoryResult } from './sections/memory.js';
import type { ScaleoutResult } from './sections/scaleout.js';
import type { UniformityResult } from './sections/uniformity.js';
import type { ScalingResult } from './sections/scaling.js';
import type { ProfileRun } from './sections/profile.js';
import type { HostileResult } from './sections/hostile.js';
import { hooksReport, type HooksResult } from './sections/hooks.js';

export interface Target {
  readonly id: string;
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  /** undefined: not measured in this run. */
  readonly pass: boolean | undefined;
}

export interface Results {
  meta: {
    startedAt: string;
    node: string;
    redis: string;
    cpus: number;
    cpuModel: string;
    quick: boolean;
    sections: string[];
    options: Options;
    notes: string[];
    elapsedSec?: number;
  };
  sections: {
    throughput?: ThroughputResult | { error: string };
    redis?: RedisResult | { error: string };
    occupancy?: OccupancyResult | { error: string };
    memory?: MemoryResult | { error: string };
    scaleout?: ScaleoutResult | { error: string };
    uniformity?: UniformityResult | { error: string };
    scaling?: ScalingResult | { error: string };
    hostile?: HostileResult | { error: string };
    hooks?: HooksResult | { error: string };
    profile?: { dir: string; runs: ProfileRun[] } | { error: string };
  };
  targets?: Target[];
}

const ok = <T extends object>(s: T | { error: string } | undefined): T | undefined => (s && !('error' in s) ? s : undefined);
const us = (s: Spread) => fmtSpread(s, s.median >= 100 ? 0 : 1);
const pct = (s: Spread | undefined) => (s ? `${num(s.median, 0)}%` : 'n/a');
const kb = (k: number) => `${num(k / 1024, 1)} MiB`;
const noiseLine = (n: Noise | undefined) =>
  n
    ? `Other processes on the machine during the ${n.windows} windows: ` +
      `median ${num(n.medianForeignPct, 0)}%, max ${num(n.maxForeignPct, 0)}% of a core` +
      `${n.maxStealPct > 0 ? `, steal up to ${num(n.maxStealPct, 0)}%` : ''}; ` +
      `${n.remeasured} window(s) measured again because another process used more than 15% of a core` +
      `${n.noisy > 0 ? `, ${n.noisy} still noisy after 5 tries (left out of the medians where a clean repetition exists)` : ''}.`
    : '';

export function report(results: Results): { text: string; targets: Target[] } {
  const out: string[] = [];
  const targets: Target[] = [];
  const m = results.meta;
  const o = m.options;
  const rule = (title: string) => out.push('', title, '='.repeat(Math.min(title.length, 100)));
  const headline: string[] = [];
  out.push(
    `mcs-allocator benchmark  ${m.startedAt}${m.quick ? '  (--quick)' : ''}`,
    `node ${m.node}, ${m.redis.replace(/ sha=.*$/, '')}, ${m.cpus} x ${m.cpuModel}`,
    `${o.reps} repetition(s): figures are "median (min–max)"; windows ${o.durationMs} ms after ${o.warmupMs} ms warm-up; latencies in µs`,
    ...m.notes.map((n) => `- ${n}`),
  );

  // -------------------------------------------------------------------------
  const tp = ok<ThroughputResult>(results.sections.throughput);
  if (results.sections.throughput && !tp) out.push('', `throughput: FAILED ${(results.sections.throughput as { error: string }).error}`);
  if (tp) {
    rule('1+2. Throughput through gRPC, and the transport ceiling (no-op RPC, same server process, same client)');
    out.push(
      table(
        [
          'conc',
          'chan',
          'no-op calls/s',
          'Health/Check calls/s',
          'Allocate calls/s',
          'Release calls/s',
          'Alloc/no-op',
          'Release/no-op',
          'Alloc/Health',
          'Release/Health',
          'cycles/s (Alloc+Release)',
        ],
        tp.byConcurrency.map((c) => [
          String(c.concurrency),
          String(c.channels),
          fmtSpread(c.noop.callsPerSec),
          fmtSpread(c.health.callsPerSec),
          fmtSpread(c.allocate.callsPerSec),
          fmtSpread(c.release.callsPerSec),
          `${fmtSpread(c.ratioAllocate, 2)}${c.concurrency === 16 ? ' ' + mark(c.ratioAllocate.median >= 0.8) : ''}`,
          `${fmtSpread(c.ratioRelease, 2)}${c.concurrency === 16 ? ' ' + mark(c.ratioRelease.median >= 0.8) : ''}`,
          `${fmtSpread(c.ratioAllocateHealth, 2)}${c.concurrency === 16 ? ' ' + mark(c.ratioAllocateHealth.median >= 0.75) : ''}`,
          fmtSpread(c.ratioReleaseHealth, 2),
          fmtSpread(c.cycle.cyclesPerSec),
        ]),
      ),
    );
    out.push('', 'Latency (µs), p50 / p99 / p99.9, median over repetitions:');
    const lat = (l: { p50: Spread; p99: Spread; p999: Spread }) =>
      `${num(l.p50.median, 0)} / ${num(l.p99.median, 0)} / ${num(l.p999.median, 0)}`;
    out.push(
      table(
        ['conc', 'no-op', 'Health/Check', 'Allocate (alone)', 'Release (alone)', 'cycle: Allocate', 'cycle: Release', 'cycle'],
        tp.byConcurrency.map((c) => [
          String(c.concurrency),
          lat(c.noop.latencyUs),
          lat(c.health.latencyUs),
          lat(c.allocate.latencyUs),
          lat(c.release.latencyUs),
          lat(c.cycle.allocateUs),
          lat(c.cycle.releaseUs),
          lat(c.cycle.latencyUs),
        ]),
      ),
    );
    out.push('', 'CPU per call (µs) and CPU use (% of one core) of each process during the windows:');
    out.push(
      table(
        ['conc', 'call', 'service µs', 'redis µs', 'worker µs', 'service %', 'redis %', 'worker %'],
        tp.byConcurrency.flatMap((c) =>
          (
            [
              ['no-op', c.noop],
              ['Health/Check', c.health],
              ['Allocate', c.allocate],
              ['Release', c.release],
              ['cycle', c.cycle],
            ] as const
          ).map(([name, f]) => [
            String(c.concurrency),
            name === 'cycle' ? 'cycle (2 calls)' : name,
            num(f.cpuUsPerCall['service']!.median, 1),
            num(f.cpuUsPerCall['redis']!.median, 1),
            num(f.cpuUsPerCall['worker']!.median, 1),
            pct(f.cpuPercent['service']),
            pct(f.cpuPercent['redis']),
            pct(f.cpuPercent['worker']),
          ]),
        ),
      ),
    );
    out.push('(cycle rows: µs per cycle of two calls)');
    out.push(
      "Service CPU per call over Health/Check's, per repetition: " +
        tp.byConcurrency
          .map(
            (c) =>
              `concurrency ${c.concurrency}: ` +
              `Allocate ${fmtSpread(c.serviceCpuAllocateHealth, 2)}, Release ${fmtSpread(c.serviceCpuReleaseHealth, 2)}`,
          )
          .join('; '),
    );
    const errs = tp.byConcurrency.filter((c) => Object.keys(c.errors).length > 0);
    for (const c of errs) out.push(`errors at concurrency ${c.concurrency}: ${JSON.stringify(c.errors)}`);
    const ex = tp.byConcurrency.reduce((a, c) => a + c.releaseWindowsExhausted, 0);
    if (ex > 0)
      out.push(`${ex} Release-only window(s) ran out of leases before the window ended (measured until the last lease was taken).`);
    for (const c of tp.byConcurrency) {
      const w = c.noop.cpuPercent['worker']?.median ?? NaN;
      if (w >= 90)
        out.push(
          `At concurrency ${c.concurrency} the no-op ceiling is set by the load worker (${num(w, 0)}% of a core): ` +
            'the server alone could answer more.',
        );
    }
    out.push(
      `Responses: a real Allocate answer is ${tp.responseBytes.allocate} bytes serialized, the no-op's ${tp.responseBytes.noop} bytes.`,
    );
    out.push(noiseLine(tp.noise));
    out.push(
      '',
      `Service RSS: ${kb(tp.serviceRss.idleKb)} idle after start, ` +
        `${kb(tp.serviceRss.peakKb)} peak VmRSS under load, VmHWM ${kb(tp.serviceRss.hwmKb)}.`,
    );

    const c16 = tp.byConcurrency.find((c) => c.concurrency === 16);
    if (c16) {
      headline.push(
        `Headline (concurrency 16): Allocate ${num(c16.ratioAllocate.median, 2)}x ` +
          `and Release ${num(c16.ratioRelease.median, 2)}x the no-op ceiling ` +
          `(${num(c16.allocate.callsPerSec.median)} and ${num(c16.release.callsPerSec.median)} ` +
          `vs ${num(c16.noop.callsPerSec.median)} calls/s); target 0.80x each.`,
      );
    }
    targets.push(
      {
        id: 'allocate-vs-noop',
        what: 'Allocate calls/s / no-op calls/s at concurrency 16',
        target: '>= 0.80',
        measured: c16 ? fmtSpread(c16.ratioAllocate, 2) : 'n/a',
        pass: c16 ? c16.ratioAllocate.median >= 0.8 : undefined,
      },
      {
        id: 'release-vs-noop',
        what: 'Release calls/s / no-op calls/s at concurrency 16',
        target: '>= 0.80',
        measured: c16 ? fmtSpread(c16.ratioRelease, 2) : 'n/a',
        pass: c16 ? c16.ratioRelease.median >= 0.8 : undefined,
      },
      {
        id: 'allocate-vs-health',
        what: 'Allocate calls/s / Health/Check calls/s at concurrency 16',
        target: '>= 0.75',
        measured: c16 ? fmtSpread(c16.ratioAllocateHealth, 2) : 'n/a',
        pass: c16 ? c16.ratioAllocateHealth.median >= 0.75 : undefined,
      },
      {
        id: 'service-cpu-allocate-vs-health',
        what: 'Service CPU per Allocate / per Health/Check at concurrency 16',
        target: '<= 2.0',
        measured: c16 ? fmtSpread(c16.serviceCpuAllocateHealth, 2) : 'n/a',
        pass: c16 ? c16.serviceCpuAllocateHealth.median <= 2 : undefined,
      },
      {
        id: 'service-cpu-release-vs-health',
        what: 'Service CPU per Release / per Health/Check at concurrency 16',
        target: '<= 1.5',
        measured: c16 ? fmtSpread(c16.serviceCpuReleaseHealth, 2) : 'n/a',
        pass: c16 ? c16.serviceCpuReleaseHealth.median <= 1.5 : undefined,
      },
      {
        id: 'redis-cpu-allocate',
        what: 'Redis CPU per Allocate at concurrency 16 (µs)',
        target: '<= 35',
        measured: c16 ? fmtSpread(c16.allocate.cpuUsPerCall['redis']!, 1) : 'n/a',
        pass: c16 ? c16.allocate.cpuUsPerCall['redis']!.median <= 35 : undefined,
      },
      {
        id: 'redis-cpu-release',
        what: 'Redis CPU per Release at concurrency 16 (µs)',
        target: '<= 20',
        measured: c16 ? fmtSpread(c16.release.cpuUsPerCall['redis']!, 1) : 'n/a',
        pass: c16 ? c16.release.cpuUsPerCall['redis']!.median <= 20 : undefined,
      },
    );
  }

  // -------------------------------------------------------------------------
  const rd = ok<RedisResult>(results.sections.redis);
  if (results.sections.redis && !rd) out.push('', `redis: FAILED ${(results.sections.redis as { error: string }).error}`);
  if (rd) {
    rule('3. Redis ceiling: LeaseStore (one FCALL per call) from a separate process, no gRPC');
    const rows = (kind: string, list: RedisResult['allocate']) =>
      list.map((f) => [
        kind,
        String(f.concurrency),
        fmtSpread(f.opsPerSec),
        `${num(f.latencyUs.p50.median, 0)} / ${num(f.latencyUs.p99.median, 0)}`,
        us(f.redisScriptUsPerCall),
        us(f.redisCpuUsPerOp),
        pct(f.redisCpuPercent),
        pct(f.workerCpuPercent),
      ]);
    out.push(
      table(
        ['call', 'in flight', 'calls/s', 'p50 / p99 µs', 'script µs in Redis', 'redis CPU µs/call', 'redis %', 'client %'],
        [...rows('Allocate', rd.allocate), ...rows('Release', rd.release)],
      ),
    );
    out.push(
      '(script µs: INFO commandstats usec_per_call of FCALL; redis CPU: /proc utime+stime of redis-server over the window, per call)',
    );
    out.push(noiseLine(rd.noise));
    const rt = rd.roundTrips;
    out.push(
      '',
      "Redis round trips per call (MONITOR, the service's connections, between two markers):",
      table(
        ['call', 'calls', 'round trips/call', 'commands', 'inside the script/call', 'background (excluded)'],
        (
          [
            ['Allocate', rt.allocate],
            ['Release', rt.release],
          ] as const
        ).map(([name, r]) => [
          name,
          String(r.calls),
          `${num(r.perCall, 3)} ${mark(r.perCall === 1)}`,
          Object.entries(r.commands)
            .map(([k, v]) => `${k} x${v}`)
            .join(', '),
          `${num(r.scriptCommandsPerCall, 1)}`,
          Object.entries(r.background)
            .map(([k, v]) => `${k} x${v}`)
            .join(', ') || '-',
        ]),
      ),
    );
    out.push(
      `Commands inside the Allocate script per call: ${Object.entries(rt.allocate.scriptCommands)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `Commands inside the Release script per call: ${Object.entries(rt.release.scriptCommands)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    targets.push(
      {
        id: 'round-trips-allocate',
        what: 'Redis round trips per Allocate',
        target: '= 1',
        measured: num(rt.allocate.perCall, 3),
        pass: rt.allocate.perCall === 1,
      },
      {
        id: 'round-trips-release',
        what: 'Redis round trips per Release',
        target: '= 1',
        measured: num(rt.release.perCall, 3),
        pass: rt.release.perCall === 1,
      },
    );
  }

  // -------------------------------------------------------------------------
  const oc = ok<OccupancyResult>(results.sections.occupancy);
  if (results.sections.occupancy && !oc) out.push('', `occupancy: FAILED ${(results.sections.occupancy as { error: string }).error}`);
  if (oc) {
    rule(`4. Allocate latency by occupancy: pool ${oc.categories} (${num(oc.total)} pairs, ${oc.reserved} reserved), concurrency 1`);
    out.push(
      `Filled through LeaseStore: ${num(oc.fill.leases)} leases in ${num(oc.fill.seconds, 1)} s (${num(oc.fill.perSecond)}/s). ` +
        `Service and store: ${oc.caps.reps} x ${num(oc.caps.samplesPerRep)} allocations per level, each released again; ` +
        `naive: at most ${num(oc.caps.naiveMaxSamples)} allocations or ${num(oc.caps.naiveMaxMs / 1000, 1)} s per level, ` +
        `${num(oc.caps.naiveMaxProbes)} probes per allocation.`,
    );
    const p0 = oc.levels[0];
    out.push(
      table(
        [
          'occupancy',
          'free',
          'service p50 / p99 µs',
          'p99 vs 0%',
          'store p50 / p99 µs',
          'naive p50 / p99 µs',
          'naive probes mean / p99 / max',
          'naive n',
          'slowlog>1ms',
        ],
        oc.levels.map((l) => [
          `${num(l.occupancy * 100, l.occupancy > 0.99 ? 2 : 1)}%`,
          num(l.free),
          `${num(l.service.p50.median, 0)} / ${us(l.service.p99)}`,
          p0 ? `${num(l.service.p99.median / p0.service.p99.median, 2)}x` : '',
          `${num(l.store.p50.median, 0)} / ${num(l.store.p99.median, 0)}`,
          `${num(l.naive.latencyUs.p50, 0)} / ${num(l.naive.latencyUs.p99, 0)}`,
          l.naive.probes ? `${num(l.naive.probes.mean, 1)} / ${num(l.naive.probes.p99, 0)} / ${num(l.naive.probes.max, 0)}` : 'n/a',
          `${l.naive.samples}${l.naive.timeCapped ? ' (time cap)' : ''}${l.naive.capped ? ` (${l.naive.capped} hit probe cap)` : ''}`,
          String(l.slowlog),
        ]),
      ),
    );
    out.push(noiseLine(oc.noise));
    const top = oc.levels[oc.levels.length - 1];
    if (p0 && top && top.target >= 0.999) {
      const r = top.service.p99.median / p0.service.p99.median;
      targets.push({
        id: 'occupancy-p99',
        what: `p99 Allocate latency at ${num(top.occupancy * 100, 2)}% occupancy / at 0% (gRPC, concurrency 1)`,
        target: '<= 1.25x',
        measured: `${num(r, 2)}x (${num(top.service.p99.median, 0)} vs ${num(p0.service.p99.median, 0)} µs)`,
        pass: r <= 1.25,
      });
    }
  }

  // -------------------------------------------------------------------------
  const me = ok<MemoryResult>(results.sections.memory);
  if (results.sections.memory && !me) out.push('', `memory: FAILED ${(results.sections.memory as { error: string }).error}`);
  if (me) {
    rule(`5. Redis memory: pool ${me.pool.categories} (${num(me.pool.total)} pairs)`);
    const streams = me.fixed.streamsAtCap > 0;
    const fixed = (b: number) => `${bytes(b)} (${num(b)} B) ${mark(b <= 5_000_000)}`;
    out.push(
      `Fixed per pool: ${fixed(me.fixed.usedMemoryDelta)} used_memory` +
        (streams ? `; with the event stream at its cap: ${fixed(me.fixed.withStreamsAtCap)}` : ''),
      table(
        ['key', 'type/encoding', 'length', 'MEMORY USAGE'],
        me.fixed.keys.map((k) => [k.key, `${k.type}/${k.encoding}`, num(k.length ?? NaN, 0), bytes(k.bytes)]),
      ),
      ...me.fixed.arrays.map(
        (a) =>
          `  ${a.key}: STRLEN ${num(a.strlen)} of ${num(a.needed)} needed, ` +
          `${bytes(a.allocated)} allocated (${num(a.allocated / a.needed, 2)}x)`,
      ),
      ...me.streams.map(
        (s) =>
          `  ${s.key}: ${num(s.entries)} events, ${num(s.bytesPerEntry)} B each; ` +
          `at its cap of ${num(s.cap)} events ${bytes(s.bytesAtCap)} (counted as fixed, not per lease)`,
      ),
      '',
    );
    for (const p of me.perLease) {
      out.push(
        `Per active lease, ${p.variant}: ${num(p.bytesPerLease, 1)} B ${mark(p.bytesPerLease <= 400)} ` +
          `(${num(p.leases)} leases; used_memory +${bytes(p.usedMemoryDelta)}` +
          `${p.streamDelta > 0 ? `, of which event stream +${bytes(p.streamDelta)}` : ''})`,
        '  ' +
          p.byStructure
            .map((g) => `${g.group} ${num(g.bytesPerLease, 1)} (${g.keys > 1 ? `${g.keys} keys, ` : ''}${g.type}/${g.encodings})`)
            .join('; '),
      );
    }
    out.push(...me.notes.map((n) => `- ${n}`));
    const worst = me.perLease.reduce((a, b) => (b.bytesPerLease > a.bytesPerLease ? b : a), me.perLease[0]!);
    targets.push(
      {
        id: 'memory-per-lease',
        what: `Redis bytes per active lease, all indexes (${worst.variant})`,
        target: '<= 400 B',
        measured: `${num(worst.bytesPerLease, 1)} B (${me.perLease
          .map((p) => `${p.variant.split(':')[0]} ${num(p.bytesPerLease, 0)}`)
          .join(', ')})`,
        pass: worst.bytesPerLease <= 400,
      },
      {
        id: 'memory-fixed',
        what: `Redis fixed bytes per pool of ${num(me.pool.total)} pairs${streams ? ' (event stream at its cap)' : ''}`,
        target: '<= 5 MB (5,000,000 B)',
        measured: streams
          ? `${num(me.fixed.withStreamsAtCap)} B (${num(me.fixed.usedMemoryDelta)} B without the stream)`
          : `${num(me.fixed.usedMemoryDelta)} B`,
        pass: me.fixed.withStreamsAtCap <= 5_000_000,
      },
    );
  }
  if (tp) {
    targets.push({
      id: 'service-rss',
      what: 'Service RSS under load (peak VmRSS; no target)',
      target: '-',
      measured: `${kb(tp.serviceRss.peakKb)} (idle ${kb(tp.serviceRss.idleKb)})`,
      pass: undefined,
    });
  }

  // -------------------------------------------------------------------------
  const so = ok<ScaleoutResult>(results.sections.scaleout);
  if (results.sections.scaleout && !so) out.push('', `scaleout: FAILED ${(results.sections.scaleout as { error: string }).error}`);
  if (so) {
    rule(`6. Scale-out: Allocate+Release cycles, ${so.concurrency} in flight over ${so.channels} channels, one Redis`);
    out.push(
      table(
        ['services', 'cycles/s', 'cycle Allocate p99 µs', 'service CPU %', 'redis %', 'worker %'],
        so.byServices.map((s) => [
          String(s.services),
          fmtSpread(s.cyclesPerSec),
          us(s.allocateP99Us),
          s.services === 1 ? pct(s.cpuPercent['service1']) : `${pct(s.cpuPercent['service1'])} + ${pct(s.cpuPercent['service2'])}`,
          pct(s.cpuPercent['redis']),
          pct(s.cpuPercent['worker']),
        ]),
      ),
      `2 services / 1: ${num(so.speedup, 2)}x (all processes share ${m.cpus} cores)`,
      noiseLine(so.noise),
    );
    targets.push({
      id: 'scaleout',
      what: 'Cycles/s with 2 service processes / 1 (no target)',
      target: '-',
      measured: `${num(so.speedup, 2)}x`,
      pass: undefined,
    });
  }

  // -------------------------------------------------------------------------
  const un = ok<UniformityResult>(results.sections.uniformity);
  if (results.sections.uniformity && !un) out.push('', `uniformity: FAILED ${(results.sections.uniformity as { error: string }).error}`);
  if (un) {
    rule(`7. Uniformity: pool ${un.categories} (${un.total} pairs), chi-square of allocated pairs against uniform`);
    out.push(
      table(
        ['case', 'occupancy', 'cells', 'allocations', 'chi-square', 'df', 'p-value', 'min..max count', 'outside cells'],
        un.cases.map((c) => [
          c.name,
          `${num(c.occupancy * 100, 0)}%`,
          String(c.cells),
          num(c.samples),
          num(c.statistic, 1),
          String(c.df),
          num(c.pValue, 3),
          `${c.minCount}..${c.maxCount}`,
          String(c.outside),
        ]),
      ),
      '(a p-value below 0.001 would be evidence against uniformity; the p-value is uniform on [0,1] for a fair allocator)',
    );
    for (const c of un.cases) {
      targets.push({
        id: `uniformity-${c.name.split(' ')[0]}`,
        what: `Uniformity at ${c.name} (chi-square p-value; no target: reported)`,
        target: 'p >= 0.001',
        measured: `chi2 ${num(c.statistic, 1)}, df ${c.df}, p ${num(c.pValue, 3)}`,
        pass: c.pValue >= 0.001 && c.outside === 0,
      });
    }
  }

  // -------------------------------------------------------------------------
  const sc = ok<ScalingResult>(results.sections.scaling);
  if (results.sections.scaling && !sc) out.push('', `scaling: FAILED ${(results.sections.scaling as { error: string }).error}`);
  if (sc) {
    rule('Allocation cost by pool size: LeaseStore allocate+release cycles, concurrency 1');
    out.push(
      table(
        ['pool', 'pairs', 'log2 N', 'cycles/s', 'Allocate p50 / p99 µs', 'µs in Redis per script call'],
        sc.points.map((p) => [
          p.categories,
          num(p.pairs),
          num(Math.log2(p.pairs), 1),
          fmtSpread(p.cyclesPerSec),
          `${num(p.allocateUs.p50.median, 0)} / ${num(p.allocateUs.p99.median, 0)}`,
          us(p.redisUsPerCall),
        ]),
      ),
      `Verdict: ${sc.verdict}`,
      noiseLine(sc.noise),
    );
    targets.push({
      id: 'complexity',
      what: 'Allocation cost growth with pool size (µs in Redis per script call, 523,776 vs 120 pairs)',
      target: '<= O(log N)',
      measured: sc.verdict,
      pass: sc.growth <= sc.logGrowth,
    });
  }

  // -------------------------------------------------------------------------
  const ho = ok<HostileResult>(results.sections.hostile);
  if (results.sections.hostile && !ho) out.push('', `hostile: FAILED ${(results.sections.hostile as { error: string }).error}`);
  if (ho) {
    rule(
      'The dearest requests the API allows: CPU per call, and the longest single Redis command (SLOWLOG), ' +
        "also as a multiple of a plain Allocate's",
    );
    const plain = ho.dear[0]?.longestRedisCommandUs ?? NaN;
    out.push(
      table(
        ['request', 'calls', 'service CPU µs/call', 'Redis CPU µs/call', 'longest Redis command µs', 'x plain'],
        ho.dear.map((d) => [
          d.what,
          String(d.calls),
          num(d.serviceCpuUsPerCall, 0),
          num(d.redisCpuUsPerCall, 0),
          `${num(d.longestRedisCommandUs, 0)} (${d.longestCommand})`,
          num(d.longestRedisCommandUs / plain, 1),
        ]),
      ),
    );
    const longest = Math.max(...ho.dear.map((d) => d.longestRedisCommandUs));
    targets.push({
      id: 'hostile-longest-command',
      what:
        'Longest single Redis command of any request the API allows ' +
        "(the machine's speed varies: compare with the plain Allocate of the same run)",
      target: 'a few ms',
      measured: `${num(longest / 1000, 1)} ms (${num(longest / plain, 0)}x a plain Allocate's ${num(plain, 0)} µs)`,
      pass: undefined,
    });
    rule("Another host's Allocate latency while hostile hosts send those requests without pause");
    out.push(
      table(
        ['hostile hosts', 'victim calls', 'p50 ms', 'p99 ms', 'max ms', 'attack calls (refused)'],
        ho.victim.map((v) => [
          String(v.attackers),
          num(v.result.victim.calls),
          num(v.result.victim.p50Ms, 1),
          num(v.result.victim.p99Ms, 1),
          num(v.result.victim.maxMs, 1),
          Object.entries(v.result.attacks)
            .map(([k, c]) => `${k} ${c.calls} (${c.refused})`)
            .join('; ') || '-',
        ]),
      ),
    );
    const one = ho.victim.find((v) => v.attackers === 1);
    if (one) {
      targets.push({
        id: 'hostile-victim-p99',
        what: 'Victim Allocate p99 with one hostile host sending the dearest requests',
        target: '< 250 ms (the test asserts it)',
        measured: `${num(one.result.victim.p99Ms, 1)} ms`,
        pass: one.result.victim.p99Ms < 250,
      });
    }
  }

  // -------------------------------------------------------------------------
  const hk = ok<HooksResult>(results.sections.hooks);
  if (results.sections.hooks && !hk) out.push('', `hooks: FAILED ${(results.sections.hooks as { error: string }).error}`);
  if (hk) {
    const h = hooksReport(hk);
    rule(h.title);
    out.push(h.body);
    targets.push(h.target);
  }

  // -------------------------------------------------------------------------
  const pr = ok<{ dir: string; runs: ProfileRun[] }>(results.sections.profile);
  if (results.sections.profile && !pr) out.push('', `profile: FAILED ${(results.sections.profile as { error: string }).error}`);
  if (pr) {
    rule(`Service CPU profiles (node --cpu-prof, concurrency 16; slowed by profiling): ${pr.dir}`);
    for (const r of pr.runs) {
      out.push(
        '',
        `${r.mode}: ${r.phases
          .map((p) => `${p.phase} ${num(p.opsPerSec)}/s, ${num(p.serviceCpuUsPerCall, 1)} µs service CPU/call`)
          .join('; ')}`,
        `  self time by area: ${r.profile.byArea
          .slice(0, 10)
          .map((a) => `${a.area} ${a.pct}%`)
          .join(', ')}`,
        `  inclusive (of busy time): ${r.profile.inclusive.map((a) => `${a.what} ${a.pct}%`).join(', ')}`,
        `  top functions (self, of busy time): ${r.profile.topFunctions
          .slice(0, 12)
          .map((f) => `${f.fn} [${f.where}] ${f.pct}%`)
          .join('; ')}`,
      );
    }
  }

  // -------------------------------------------------------------------------
  rule('Targets');
  out.push(
    table(
      ['', 'figure', 'target', 'measured'],
      targets.map((t) => [t.pass === undefined ? 'info' : mark(t.pass), t.what, t.target, t.measured]),
    ),
  );
  if (m.elapsedSec !== undefined) out.push('', `Run took ${num(m.elapsedSec, 0)} s.`);
  // The headline goes right under the run's description.
  out.splice(3 + m.notes.length, 0, ...(headline.length ? ['', ...headline] : []));
  // Exactly one blank line between blocks.
  const text = out.join('\n').replace(/\n{3,}/g, '\n\n');
  return { text, targets };
}
