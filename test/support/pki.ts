import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PKI made with the openssl command: CAs, and server and client
 * certificates signed by them (also expired ones), as PEM files in a temp
 * directory.
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'mcs-pki-'));
  private serial = 1;

  private ssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  /** A self-signed CA: <name>.crt, <name>.key. */
  ca(name: string): this {
    this.ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    return this;
  }

  /**
   * A leaf certificate <name>.crt/.key signed by `ca`, for a server or a
   * client. `expired` gives it a validity that ended yesterday.
   */
  leaf(
    name: string,
    ca: string,
    opts: { cn: string; dns?: string[]; ip?: string[]; uri?: string[]; server?: boolean; expired?: boolean },
  ): this {
    this.ssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${opts.cn}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    const san = [
      ...(opts.dns ?? []).map((d) => `DNS:${d}`),
      ...(opts.ip ?? []).map((i) => `IP:${i}`),
      ...(opts.uri ?? []).map((u) => `URI:${u}`),
    ];
    const ext = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      `extendedKeyUsage=${opts.server ? 'serverAuth' : 'clientAuth'}`,
      ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
    ].join('\n');
    writeFileSync(this.path(`${name}.ext`), `${ext}\n`);
    const serial = String(this.serial++);
    if (!opts.expired) {
      this.ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.crt`,
        '-CAkey',
        `${ca}.key`,
        '-set_serial',
        serial,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      );
      return this;
    }
    // `openssl x509` cannot backdate; `openssl ca` can, with a minimal database.
    writeFileSync(this.path('index.txt'), '');
    writeFileSync(
      this.path('ca.cnf'),
      [
        '[ca]',
        'default_ca = tmp',
        '[tmp]',
        `dir = ${this.dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir',
        'serial = $dir/serial',
        'default_md = sha256',
        'policy = any',
        'unique_subject = no',
        '[any]',
        'commonName = supplied',
      ].join('\n'),
    );
    writeFileSync(this.path('serial'), `${serial.padStart(2, '0')}\n`);
    const day = 24 * 3600 * 1000;
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    this.ssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      `${ca}.crt`,
      '-keyfile',
      `${ca}.key`,
      '-in',
      `${name}.csr`,
      '-startdate',
      stamp(Date.now() - 3 * day),
      '-enddate',
      stamp(Date.now() - day),
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
      '-notext',
    );
    return this;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
