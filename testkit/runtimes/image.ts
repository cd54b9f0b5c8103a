/**
 * A container image without a registry: a root filesystem holding Debian's
 * busybox-static and its applet links, as a plain tar (for `podman import`)
 * and as an OCI image layout tar (for `ctr images import`, which CRI then
 * sees).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execTool } from './exec.js';

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];
const APPLETS = ['sh', 'sleep', 'true', 'false', 'echo', 'cat', 'id', 'kill', 'ls', 'ps'];

export function busyboxPath(): string {
  const found = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('busybox is not installed (apt-get install busybox-static)');
  return found;
}

/** Writes the root filesystem into `dir` and returns it. */
export function writeRootfs(dir: string): string {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busyboxPath(), join(dir, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  return dir;
}

/** The root filesystem as one tar file (also the single layer of the OCI image). */
export async function writeRootfsTar(rootfs: string, tarPath: string): Promise<string> {
  await execTool('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', rootfs, '-cf', tarPath, '.']);
  return tarPath;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * An OCI image layout (one uncompressed layer) packed as a tar, named
 * `name` for containerd (io.containerd.image.name). The image's command is
 * `sleep infinity`, so it also serves as the CRI sandbox (pause) image.
 */
export async function writeOciArchive(rootfs: string, workDir: string, name: string): Promise<string> {
  const layout = join(workDir, 'oci-layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const addBlob = (path: string): { digest: string; size: number } => {
    const hex = sha256File(path);
    const size = statSync(path).size;
    renameSync(path, join(blobs, hex));
    return { digest: `sha256:${hex}`, size };
  };
  const writeJsonBlob = (value: unknown): { digest: string; size: number } => {
    const tmp = join(layout, 'blob.tmp');
    writeFileSync(tmp, JSON.stringify(value));
    return addBlob(tmp);
  };

  const layerTar = await writeRootfsTar(rootfs, join(layout, 'layer.tar'));
  const layer = addBlob(layerTar);
  const config = writeJsonBlob({
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sleep', 'infinity'], Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  });
  const manifest = writeJsonBlob({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  });
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() ?? 'latest' },
        },
      ],
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const archive = join(workDir, 'image.oci.tar');
  await execTool('tar', ['-C', layout, '-cf', archive, 'index.json', 'oci-layout', 'blobs']);
  return archive;
}
