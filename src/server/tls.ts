import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { TlsFiles } from '../config/serve-config.js';

type CertificateProvider = grpc.experimental.CertificateProvider;
type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

export type { TlsFiles };

/**
 * Server certificate, key and client CA, read from files and read again on
 * SIGHUP or when a file changes, without a restart. A set that does not
 * load (unreadable, not PEM, key not matching the certificate) is refused
 * with a log line and the previous one stays in use.
 */
export class ReloadingCertificates implements CertificateProvider {
  private identity: { certificate: Buffer; privateKey: Buffer } | undefined;
  private ca: { caCertificate: Buffer } | undefined;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly onHup = () => this.reload('SIGHUP');
  /** How many times a new set was loaded (the first load included). */
  loads = 0;

  constructor(
    private readonly files: TlsFiles,
    private readonly log: Logger,
  ) {
    this.load();
    process.on('SIGHUP', this.onHup);
    for (const f of this.paths()) watchFile(f, { interval: 1000 }, () => this.reload(`${f} changed`));
  }

  private paths(): string[] {
    return [this.files.cert, this.files.key, ...(this.files.clientCa ? [this.files.clientCa] : [])];
  }

  /** Reads and checks the files; throws when they do not make a usable set. */
  private load(): void {
    const certificate = readFileSync(this.files.cert);
    const privateKey = readFileSync(this.files.key);
    const cert = new X509Certificate(certificate);
    if (!cert.checkPrivateKey(createPrivateKey(privateKey))) {
      throw new Error(`${this.files.key} is not the key of the certificate in ${this.files.cert}`);
    }
    let ca: Buffer | undefined;
    if (this.files.clientCa) {
      ca = readFileSync(this.files.clientCa);
      new X509Certificate(ca);
    }
    this.identity = { certificate, privateKey };
    this.ca = ca ? { caCertificate: ca } : undefined;
    this.loads += 1;
    this.log.info({ subject: cert.subject.replace(/\n/g, ', '), validTo: cert.validTo, mutual: !!ca }, 'TLS certificates loaded');
  }

  reload(why: string): void {
    try {
      this.load();
    } catch (err) {
      this.log.error({ why, err: (err as Error).message }, 'TLS certificates not reloaded; the previous ones stay in use');
      return;
    }
    for (const l of this.identityListeners) l(this.identity!);
    if (this.ca) for (const l of this.caListeners) l(this.ca);
  }

  // Listeners hear the current set on the next tick, as grpc-js expects:
  // it registers its own watcher only after adding these listeners.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    const ca = this.ca;
    if (ca) queueMicrotask(() => listener(ca));
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    const identity = this.identity;
    if (identity) queueMicrotask(() => listener(identity));
  }
  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  /**
   * grpc-js server credentials over this provider. Note the argument order:
   * grpc-js hands its first argument to the identity slot (see
   * CertificateProviderServerCredentials), so this provider goes first and
   * again as the CA provider when clients must present certificates.
   */
  credentials(): grpc.ServerCredentials {
    const mutual = !!this.files.clientCa;
    return grpc.experimental.createCertificateProviderServerCredentials(this, mutual ? this : null, mutual);
  }

  close(): void {
    process.off('SIGHUP', this.onHup);
    for (const f of this.paths()) unwatchFile(f);
  }
}
