import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeMessage, LineReader, ProtocolError, selinuxMode } from '../../src/agent/hook-protocol.js';
import { parseHookArgs } from '../../src/ctl/hook.js';
import { buildAgentConfig, AGENT_DEFAULTS, type AgentFlags } from '../../src/agent/config.js';
import { annotationLevel, annotationVolumes, precreatePlan, refusalConfig, oneLine } from '../../src/ctl/oci.js';

describe('hook protocol', () => {
  it('round-trips a request as one line', () => {
    const line = encodeMessage({ v: 1, op: 'precreate', config: '{"a":1}\n{"b":2}', host: 'h' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(decodeRequest(line.trim())).toEqual({ v: 1, op: 'precreate', config: '{"a":1}\n{"b":2}', host: 'h' });
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{', /not JSON/],
    ['an array', '[1]', /not a JSON object/],
    ['another version', '{"v":2,"op":"ping"}', /version 2 is not 1/],
    ['an unknown op', '{"v":1,"op":"format-disk"}', /unknown op "format-disk"/],
    ['precreate without config', '{"v":1,"op":"precreate"}', /needs config/],
    ['poststop without state', '{"v":1,"op":"poststop"}', /needs state/],
    ['a numeric host', '{"v":1,"op":"ping","host":5}', /host must be a string/],
  ];
  for (const [name, line, message] of bad) {
    it(`refuses ${name}`, () => expect(() => decodeRequest(line)).toThrow(message));
  }

  it('a response needs v and ok', () => {
    expect(decodeResponse('{"v":1,"ok":true,"queued":true}')).toEqual({ v: 1, ok: true, queued: true });
    expect(() => decodeResponse('{"v":1}')).toThrow(/without ok/);
    expect(() => decodeResponse('<html>')).toThrow(ProtocolError);
  });

  it('LineReader returns the first line and bounds an endless one', () => {
    const r = new LineReader(10);
    expect(r.push('abc')).toBeUndefined();
    expect(r.push('de\nfg')).toBe('abcde');
    expect(() => new LineReader(10).push('x'.repeat(11))).toThrow(/longer than 10 bytes/);
  });
});

describe('selinuxMode', () => {
  const yes = () => true;
  const no = () => false;
  it.each([
    [undefined, yes, true],
    [undefined, no, false],
    ['', no, false],
    ['auto', yes, true],
    ['AUTO', no, false],
    ['enabled', no, true],
    ['disabled', yes, false],
  ] as const)('%s with enforce file %s: enabled=%s', (setting, exists, enabled) => {
    expect(selinuxMode(setting, exists).enabled).toBe(enabled);
  });
  it('refuses anything else', () => expect(() => selinuxMode('permissive', yes)).toThrow(/not auto, enabled or disabled/));
});

describe('parseHookArgs', () => {
  it.each([
    [['oci', 'precreate'], { stage: 'precreate', strict: false, noAgent: false }],
    [
      ['--server', 'x:1', '--json', 'oci', 'poststop', '--retry-for', '10', '--strict'],
      { stage: 'poststop', strict: true, noAgent: false },
    ],
    [
      ['--timeout=5', 'oci', 'precreate', '--host', 'n1', '--workload=w', '--socket', '/s', '--selinux', 'enabled', '--refusal', 'exec'],
      { stage: 'precreate', host: 'n1', workload: 'w', socket: '/s', selinux: 'enabled', refusal: 'exec', strict: false, noAgent: false },
    ],
    [['oci', 'precreate', '--no-agent'], { stage: 'precreate', strict: false, noAgent: true }],
  ])('%j', (argv, expected) => expect(parseHookArgs(argv)).toEqual(expected));

  it.each([
    [['allocate']],
    [['oci']],
    [['oci', 'precreate', '--help']],
    [['oci', 'precreate', '--host']],
    [['--verbose', 'oci', 'precreate']],
    [['oci', 'poststop', '--strict=yes']],
  ])('leaves %j to the full parser', (argv) => expect(parseHookArgs(argv)).toBeUndefined());
});

describe('annotations Podman accepts', () => {
  it.each([
    ['s0:c1+c2', 's0:c1,c2'],
    ['s0:c0.c3+c7', 's0:c0.c3,c7'],
    ['s0:c1,c2', 's0:c1,c2'],
    [' s2:c5+c6 ', 's2:c5,c6'],
    ['s0-s0:c1+c2', 's0-s0:c1,c2'],
    ['TopSecret', 'TopSecret'],
    ['Odd+Name', 'Odd+Name'],
  ])('level %j is %j', (given, level) => expect(annotationLevel(given)).toBe(level));

  it('volumes: one per io.mcs-allocator.volume.NAME, in NAME order, then the comma list', () => {
    const vols = annotationVolumes({
      'io.mcs-allocator.volume.b-cache': '/cache:z:ro',
      'io.mcs-allocator.volume.a-data': '/data:Z',
      'io.mcs-allocator.volumes': '/old:Z,/older:z',
      'io.mcs-allocator.storage-id': 'nfs-1',
      'io.mcs-allocator.volume.': '/ignored:Z',
    });
    expect(vols.map((v) => [v.host_path, v.mode, v.read_only, v.storage_id])).toEqual([
      ['/data', 'Z', false, 'nfs-1'],
      ['/cache', 'z', true, 'nfs-1'],
      ['/old', 'Z', false, 'nfs-1'],
      ['/older', 'z', false, 'nfs-1'],
    ]);
    expect(() => annotationVolumes({ 'io.mcs-allocator.volume.x': 'relative:Z' })).toThrow(
      /annotation io.mcs-allocator.volume.x .*absolute/,
    );
  });

  it('precreate reads the comma-free level as a static level', () => {
    const plan = precreatePlan(
      { annotations: { 'io.mcs-allocator.workload-id': 'w', 'io.mcs-allocator.level': 's0:c7+c9' } },
      { host: 'h', privilegedType: 'spc_t' },
    );
    expect(plan.mode).toBe('static');
    expect(plan.request.options?.level).toBe('s0:c7,c9');
  });
});

describe('refusalConfig', () => {
  it('names the reason as a path no execve can run, and keeps the rest', () => {
    const c = refusalConfig(
      { ociVersion: '1.0.2', process: { args: ['sleep', '1'], cwd: '/' } },
      'ALREADY_EXISTS (LEVEL_IN_USE): level s0:c1,c2\nheld by lease x',
    );
    expect(c).toEqual({
      ociVersion: '1.0.2',
      process: {
        args: ['/mcs-allocator refused this container: ALREADY_EXISTS (LEVEL_IN_USE): level s0:c1,c2 held by lease x/'],
        cwd: '/',
      },
    });
    expect(refusalConfig({}, 'x')).toEqual({ process: { args: ['/mcs-allocator refused this container: x/'] } });
    // A long reason is cut so the path stays one component the kernel takes (NAME_MAX 255 bytes):
    // longer, the runtime would say "file name too long" instead of the reason.
    const long = refusalConfig({}, `UNAVAILABLE (POOL_RECOVERING): ${'é'.repeat(400)}`).process as { args: string[] };
    const component = long.args[0]!.slice(1, -1);
    expect(Buffer.byteLength(component)).toBeLessThanOrEqual(255);
    expect(component).toMatch(/^mcs-allocator refused this container: UNAVAILABLE \(POOL_RECOVERING\): é+…$/);
  });
  it('oneLine bounds the length', () => expect(oneLine('a'.repeat(1000), 10)).toHaveLength(10));
});

describe('buildAgentConfig', () => {
  const flags = (over: Partial<AgentFlags> = {}): AgentFlags => ({ ...AGENT_DEFAULTS, ...over });
  it('defaults: the hostname, 60 s reconciles, the documented socket', () => {
    const c = buildAgentConfig(flags(), () => 'node-1');
    expect(c).toMatchObject({
      host: 'node-1',
      runtime: 'podman',
      socket: '/run/mcs-allocator/agent.sock',
      reconcileIntervalMs: 60_000,
      heartbeatIntervalMs: 30_000,
      runtimeSocket: undefined,
    });
  });
  it.each([
    [{ runtime: 'docker' }, /--runtime: "docker" is not podman or cri/],
    [{ host: 'bad host' }, /--host/],
    [{ stateDir: 'relative' }, /--state-dir: "relative" is not an absolute path/],
    [{ socket: 'agent.sock' }, /--socket/],
    [{ reconcileInterval: '0' }, /--reconcile-interval/],
    [{ reconcileInterval: 'soon' }, /--reconcile-interval/],
    [{ retryFor: '60' }, /--retry-for/],
    [{ tlsCert: '/c.pem' }, /--tls-cert: goes with --tls-key/],
    [{ selinux: 'maybe' }, /--selinux/],
    [{ logFormat: 'xml' }, /--log-format/],
  ] as [Partial<AgentFlags>, RegExp][])('%j is refused', (over, message) =>
    expect(() => buildAgentConfig(flags(over), () => 'h')).toThrow(message),
  );
});
