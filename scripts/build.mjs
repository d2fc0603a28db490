#!/usr/bin/env node
/**
 * The build: `tsup` into a clean dist/, then a record of what it was built from, so that
 * `npm start` and `npm run replay` rebuild only when an input changed (a full build takes ~15-30 s;
 * checking takes ~50 ms).
 *
 *   node scripts/build.mjs               clean build (npm run build, prepack)
 *   node scripts/build.mjs --if-stale    build only when the inputs differ from the last build's
 *   node scripts/build.mjs --check       exit 1 when dist/ is stale or missing, 0 when fresh
 *   --silent                             no tsup output
 *
 * Inputs are compared by content (SHA-256 of every file under src/ plus the build's configuration
 * and the lockfile), not by mtime: a checkout, a stash or a copy that keeps old times still
 * rebuilds, and a touch without a change does not. The record lives in node_modules/.cache, so
 * `npm ci` (which empties node_modules) always leads to a fresh build, and it is never packed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const RECORD = join(root, 'node_modules/.cache/cloudfront-realtime-logs/build-inputs.json');
/** Files outside src/ that change what tsup writes. */
const CONFIG_FILES = ['tsup.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json'];
/** Outputs that must exist for a build to count as done (library, CLI, Lambda bundle). */
const OUTPUTS = [
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/cli/main.js',
  'dist/lambda/index.mjs',
  'dist/query-lambda/index.mjs',
  'dist/detect-lambda/index.mjs',
  'dist/respond-lambda/index.mjs',
];

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** One hash of every input's path and content. */
function inputsHash() {
  const hash = createHash('sha256');
  const files = [...filesUnder(join(root, 'src')), ...CONFIG_FILES.map((f) => join(root, f))]
    .filter((f) => existsSync(f))
    .map((f) => relative(root, f).split('\\').join('/'))
    .sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function isFresh(hash) {
  if (!OUTPUTS.every((f) => existsSync(join(root, f)))) return false;
  try {
    return JSON.parse(readFileSync(RECORD, 'utf8')).inputs === hash;
  } catch {
    return false;
  }
}

function build(silent) {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  rmSync(RECORD, { force: true });
  const hash = inputsHash();
  const require = createRequire(join(root, 'package.json'));
  const tsupPkg = require.resolve('tsup/package.json');
  const { bin } = JSON.parse(readFileSync(tsupPkg, 'utf8'));
  const tsup = join(dirname(tsupPkg), typeof bin === 'string' ? bin : bin.tsup);
  const run = spawnSync(process.execPath, [tsup, ...(silent ? ['--silent'] : [])], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) return run.status ?? 1;
  // Hashed before building: an input edited during the build leaves a record that no longer
  // matches, so the next --if-stale builds again.
  mkdirSync(dirname(RECORD), { recursive: true });
  writeFileSync(RECORD, `${JSON.stringify({ inputs: hash })}\n`);
  return 0;
}

const args = process.argv.slice(2);
const silent = args.includes('--silent');
if (args.includes('--check')) {
  const fresh = isFresh(inputsHash());
  if (!fresh) process.stderr.write('dist/ is missing or older than src/: run `npm run build`\n');
  process.exitCode = fresh ? 0 : 1;
} else if (args.includes('--if-stale') && isFresh(inputsHash())) {
  process.exitCode = 0;
} else {
  process.exitCode = build(silent);
}
