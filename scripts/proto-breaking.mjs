// Checks the .proto files of the working tree against those of a git ref with
// `buf breaking` (the rules in buf.yaml, "breaking"): a field renumbered or
// removed, a type changed, a method or message renamed fails the check.
//
//   node scripts/proto-breaking.mjs [REF]       (npm run proto:breaking [-- REF])
//
// Without REF it compares with the newest release tag (v*); while there is
// none, with the point where the current branch left main (`git merge-base
// HEAD main`, which is HEAD itself on main), so that what a branch changes
// is checked before it is merged. It says which ref it used. Runs in the git
// repository of the current directory, with this project's buf.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUF = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin', 'buf');

const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const gitOk = (...args) => spawnSync('git', args, { stdio: 'ignore' }).status === 0;

function defaultRef() {
  const tag = git('tag', '--list', 'v*', '--sort=-v:refname').split('\n').filter(Boolean)[0];
  if (tag) return { ref: tag, why: 'the newest release tag' };
  if (gitOk('rev-parse', '--verify', '--quiet', 'main^{commit}')) {
    return { ref: git('merge-base', 'HEAD', 'main'), why: 'no release tag yet: where this branch left main' };
  }
  return { ref: 'HEAD', why: 'no release tag and no main branch: the last commit' };
}

const top = git('rev-parse', '--show-toplevel');
process.chdir(top);
const asked = process.argv[2];
const { ref, why } = asked ? { ref: asked, why: 'as asked' } : defaultRef();
if (!gitOk('rev-parse', '--verify', '--quiet', `${ref}^{commit}`)) {
  console.error(`proto-breaking: ${ref} is not a commit of this repository`);
  process.exit(2);
}
const commit = git('rev-parse', '--short', `${ref}^{commit}`);
if (!gitOk('cat-file', '-e', `${ref}:proto`)) {
  console.error(`proto-breaking: ${ref} (${commit}) has no proto/ directory`);
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), 'mcs-proto-breaking-'));
try {
  // The ref's proto/ as a plain directory: works in clones and worktrees alike.
  const archive = execFileSync('git', ['archive', '--format=tar', ref, 'proto'], { maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', tmp], { input: archive });
  const against = join(tmp, 'proto');
  if (!existsSync(against)) throw new Error(`git archive of ${ref} gave no proto/`);
  // What buf.yaml leaves out of the module now is left out of the ref too:
  // excluding a directory is not a change of the API.
  const { parse } = await import('yaml');
  for (const mod of parse(readFileSync('buf.yaml', 'utf8')).modules ?? []) {
    for (const ex of mod.excludes ?? []) rmSync(join(tmp, ex), { recursive: true, force: true });
  }
  console.log(`comparing proto/ with ${ref} (${commit}; ${why})`);
  const r = spawnSync(BUF, ['breaking', '--against', against], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`proto-breaking: breaking changes against ${ref} (${commit})`);
    process.exit(r.status ?? 1);
  }
  console.log('no breaking changes');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
