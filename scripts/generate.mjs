// npm run generate: the TypeScript types of the .proto files
// (proto-loader-gen-types, into src/generated) and the descriptors that
// reflection serves (scripts/generate-descriptors.mjs). The loader options
// come from src/proto-options.json, the file src/proto.ts loads with, so the
// types describe the objects the service really handles.
//
//   node scripts/generate.mjs           write src/generated
//   node scripts/generate.mjs --check   exit 1 if src/generated is not what this makes now
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'src', 'generated');
const PROTOS = ['mcs/v1/allocator.proto', 'google/rpc/status.proto', 'google/rpc/error_details.proto'];
/**
 * Files in src/generated that proto-loader-gen-types does not write: generate-descriptors.mjs's
 * (checked by its own --check), and the package.json that keeps the generated modules CommonJS.
 */
const NOT_FROM_GEN_TYPES = ['descriptors.ts', 'package.json'];
const options = JSON.parse(readFileSync(join(root, 'src', 'proto-options.json'), 'utf8'));

/** proto-loader-gen-types flags for the loader options: booleans as --name, the rest as --name=value. */
function flags() {
  return Object.entries(options).flatMap(([name, value]) =>
    value === true ? [`--${name}`] : value === false ? [] : [`--${name}=${value}`],
  );
}

function generateTypes(outDir) {
  const bin = join(root, 'node_modules', '.bin', 'proto-loader-gen-types');
  execFileSync(bin, [...PROTOS, ...flags(), '--includeComments', '--grpcLib=@grpc/grpc-js', `--outDir=${outDir}`, '-I', 'proto'], {
    cwd: root,
    stdio: 'inherit',
  });
  for (const f of files(outDir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(outDir, f), 'utf8');
    const trimmed = dropUnusedPreamble(text);
    if (trimmed !== text) writeFileSync(join(outDir, f), trimmed);
  }
}

/**
 * The generator writes the same preamble into every package's root file: a
 * grpc import and a SubtypeConstructor type that only files with services
 * use. Unused, they fail tsc's noUnusedLocals; they are dropped where unused.
 */
function dropUnusedPreamble(text) {
  const SUBTYPE = /^type SubtypeConstructor<[^\n]*\n(?:[^\n]*\n)*?};\n\n/m;
  let out = text;
  if (SUBTYPE.test(out) && out.split('SubtypeConstructor<').length === 2) out = out.replace(SUBTYPE, '');
  if (!/\bgrpc\./.test(out)) out = out.replace(/^import type \* as grpc from '@grpc\/grpc-js';\n/m, '');
  return out;
}

function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

if (process.argv.includes('--check')) {
  const tmp = mkdtempSync(join(tmpdir(), 'mcs-generate-'));
  try {
    generateTypes(tmp);
    const made = files(tmp);
    const have = files(OUT).filter((f) => !NOT_FROM_GEN_TYPES.includes(f));
    const stale = [
      ...made.filter((f) => !have.includes(f)).map((f) => `missing ${f}`),
      ...have.filter((f) => !made.includes(f)).map((f) => `not generated any more: ${f}`),
      ...made
        .filter((f) => have.includes(f) && readFileSync(join(tmp, f), 'utf8') !== readFileSync(join(OUT, f), 'utf8'))
        .map((f) => `differs: ${f}`),
    ];
    if (stale.length > 0) {
      console.error(
        `${relative(root, OUT)} is not what npm run generate makes now (run it and commit the result):\n  ${stale.join('\n  ')}`,
      );
      process.exit(1);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  execFileSync(process.execPath, [join(root, 'scripts', 'generate-descriptors.mjs'), '--check'], { stdio: 'inherit' });
  console.log(`${relative(root, OUT)} is up to date`);
} else {
  generateTypes(OUT);
  execFileSync(process.execPath, [join(root, 'scripts', 'generate-descriptors.mjs')], { stdio: 'inherit' });
}
