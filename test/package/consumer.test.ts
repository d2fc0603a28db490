/**
 * The package as a consumer gets it: `npm pack`, installed into fresh projects outside the
 * repository, then type-checked with `tsc --strict` (no skipLibCheck) under every module
 * resolution a consumer may use, with and without the optional AWS SDK clients; run from ESM and
 * from CJS; bundled with esbuild as a consumer's Lambda would be.
 *
 * Offline and deterministic: the tarball is unpacked into `node_modules/cloudfront-realtime-logs`
 * and each dependency it declares is linked from this repository's node_modules (so a dependency
 * missing from package.json fails to resolve). `npm install --offline <tarball>` was measured and
 * fails here (ENOTCACHED: `npm ci` does not leave the dependencies' metadata in the cache), and an
 * online install makes the test depend on the registry; set CFRT_PACKAGE_NPM_INSTALL=1 to install
 * the tarball with npm instead (before a release).
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECOMMENDED_FIELDS } from '../../src/parser/fields.js';
import { createParser } from '../../src/parser/parser.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./consumer/', import.meta.url));
const requireFromRoot = createRequire(join(root, 'package.json'));

/**
 * The tarball `npm pack` writes: the budget README.md states (measured: 527 kB; 454 kB before the
 * findings work (the detect and EventBridge subpaths, the crawler ranges, their docs), 355 kB
 * before the query, attach/status, archive-schema and report work; 38 kB of it was @smithy code
 * bundled by accident into the CLI, which this budget caught).
 */
const PACKED_BUDGET_BYTES = 575_000;
/** Its unpacked size, the package's own share of a consumer's node_modules (measured: 1.81 MB). */
const UNPACKED_BUDGET_BYTES = 2_000_000;
/**
 * A consumer's esbuild bundle of a handler with the EMF sink, minified (measured: 200 kB; 154 kB
 * with the settings on zod/mini, before the query, configuration and findings work (the crawler
 * ranges and their check, about 13 kB, are the largest part of the last); 577 kB on zod's chained
 * API).
 */
const CONSUMER_BUNDLE_BUDGET_BYTES = 225_000;

/** The optional AWS SDK peers (each is also a devDependency, so the SDK project can link it). */
const SDK_CLIENTS = Object.keys(
  (requireFromRoot('./package.json') as { peerDependencies: Record<string, string> }).peerDependencies,
).filter((name) => name.startsWith('@aws-sdk/'));

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

let work: string;
let pack: PackResult;
/** Type checks, started as soon as their project exists and awaited by their tests. */
const checks: { bare?: Promise<string[]>; sdk?: Promise<string[]> } = {};
/** The project without any AWS SDK. */
let bare: string;

function packageDir(name: string): string {
  return dirname(requireFromRoot.resolve(`${name}/package.json`));
}

function link(project: string, name: string): void {
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(packageDir(name), target, 'junction');
}

/** A fresh project with the tarball installed and, optionally, more packages linked. */
async function project(name: string, extra: readonly string[]): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }),
  );
  const tarball = join(work, pack.filename);
  if (process.env.CFRT_PACKAGE_NPM_INSTALL === '1') {
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...extra], {
      cwd: dir,
    });
    return dir;
  }
  const installed = join(dir, 'node_modules/cloudfront-realtime-logs');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies)) link(dir, dep);
  for (const dep of extra) link(dir, dep);
  return dir;
}

const TS_OPTIONS = {
  strict: true,
  // Every declaration file is checked (ours, the SDK's, @types/node), except TypeScript's own lib.
  skipLibCheck: false,
  skipDefaultLibCheck: true,
  noEmit: true,
  target: 'ES2022',
  lib: ['ES2023'],
};

/** `tsc -p` on a config written for one module resolution; resolves to tsc's output. */
async function tsc(
  dir: string,
  name: string,
  options: Record<string, unknown>,
  files: readonly string[],
): Promise<string> {
  const config = join(dir, `tsconfig.${name}.json`);
  writeFileSync(config, JSON.stringify({ compilerOptions: { ...TS_OPTIONS, ...options }, files }));
  const bin = join(packageDir('typescript'), 'bin/tsc');
  try {
    await run(process.execPath, [bin, '-p', config], { cwd: dir });
    return '';
  } catch (err) {
    return `${(err as { stdout?: string }).stdout ?? ''}${(err as Error).message}`;
  }
}

function copyConsumer(dir: string, file: string, as = file): void {
  copyFileSync(join(here, file), join(dir, as));
}

beforeAll(async () => {
  // The test packs what `npm test` just built; it never rebuilds, as other test files read dist/.
  const check = await run(process.execPath, [join(root, 'scripts/build.mjs'), '--check']).then(
    () => '',
    (err: Error & { stderr?: string }) => err.stderr ?? err.message,
  );
  if (check !== '') throw new Error(check);
  work = mkdtempSync(join(tmpdir(), 'cfrt-consumer-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: root,
  });
  pack = (JSON.parse(stdout) as PackResult[])[0] as PackResult;

  // Both projects first, and every type check started at once (awaited by the tests below), so
  // they run beside each other and beside the runtime tests.
  bare = await project('bare', ['@types/node']);
  copyConsumer(bare, 'core.ts');
  copyConsumer(bare, 'core.ts', 'core-cjs.cts');
  for (const f of ['run.mjs', 'run.cjs', 'lambda-entry.mjs']) copyConsumer(bare, f);
  copyFileSync(join(root, 'fixtures/sample/quick-start.tsv'), join(bare, 'lines.tsv'));
  const sdk = await project('sdk', [...SDK_CLIENTS, '@types/node']);
  copyConsumer(sdk, 'sdk.ts');
  copyConsumer(sdk, 'sdk.ts', 'sdk-cjs.cts');
  // With @types/node, as any Node.js project has (the declarations name AbortSignal).
  checks.bare = Promise.all([
    tsc(bare, 'node16', { module: 'node16', moduleResolution: 'node16' }, ['core.ts', 'core-cjs.cts']),
    tsc(bare, 'bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['core.ts']),
    tsc(bare, 'node10', { module: 'commonjs', moduleResolution: 'node10' }, ['core.ts']),
  ]);
  // node16 reads both conditions (import and require). Bundler resolution reads the same `import`
  // conditions as node16's ESM, and node10 the same typesVersions map, both checked on `bare`.
  checks.sdk = Promise.all([
    tsc(sdk, 'node16', { module: 'node16', moduleResolution: 'node16' }, ['sdk.ts', 'sdk-cjs.cts']),
  ]);
}, 120_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('stays within the size budget in README.md', () => {
    console.log(
      `npm pack: ${pack.size} B packed, ${pack.unpackedSize} B unpacked, ${pack.files.length} files`,
    );
    expect(pack.size).toBeLessThanOrEqual(PACKED_BUDGET_BYTES);
    expect(pack.unpackedSize).toBeLessThanOrEqual(UNPACKED_BUDGET_BYTES);
  });

  it('ships the license, the built library and the CLI, but no source maps and no SAM bundle', () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/cli/main.js']),
    );
    expect(
      paths.filter(
        (p) =>
          p.endsWith('.map') ||
          ['dist/lambda/', 'dist/query-lambda/', 'dist/detect-lambda/', 'dist/respond-lambda/'].some((dir) =>
            p.startsWith(dir),
          ),
      ),
    ).toEqual([]);
    const manifest = requireFromRoot('./package.json') as Record<string, unknown>;
    expect(Object.keys(manifest)).toEqual(
      expect.arrayContaining(['repository', 'homepage', 'bugs', 'typesVersions']),
    );
  });
});

describe('a consumer without the AWS SDK', () => {
  it('has no SDK to find (the type check would otherwise prove nothing)', () => {
    const fromProject = createRequire(join(bare, 'package.json'));
    for (const sdk of SDK_CLIENTS) expect(() => fromProject.resolve(sdk)).toThrow();
  });

  it('runs the same program from ESM and from CJS: parse, aggregate, the handler with memory sinks', async () => {
    const lines = join(bare, 'lines.tsv');
    const [esm, cjs] = await Promise.all([
      run(process.execPath, ['run.mjs', lines], { cwd: bare }),
      run(process.execPath, ['run.cjs', lines], { cwd: bare }),
    ]);
    const parser = createParser(RECOMMENDED_FIELDS);
    const results = [...parser.parseLines(readFileSync(lines, 'utf8'))];
    const parsed = results.filter((r) => r.ok).length;
    const expected = {
      malformed: results.length - parsed,
      requests: parsed,
      handler: {
        failures: 0,
        parsed,
        malformed: results.length - parsed,
        stateWritten: true,
        metricsWritten: true,
        emfLines: true,
      },
    };
    expect(JSON.parse(esm.stdout)).toMatchObject({ module: 'esm', ...expected });
    expect(JSON.parse(cjs.stdout)).toMatchObject({ module: 'cjs', ...expected });
    const { module: _esm, ...fromEsm } = JSON.parse(esm.stdout) as Record<string, unknown>;
    const { module: _cjs, ...fromCjs } = JSON.parse(cjs.stdout) as Record<string, unknown>;
    expect(fromCjs).toEqual(fromEsm);
  });

  it('bundles a handler with esbuild that loads without any SDK installed', async () => {
    const esbuild = createRequire(packageDir('tsup'))('esbuild') as typeof import('esbuild');
    const outfile = join(bare, 'out/index.mjs');
    await esbuild.build({
      entryPoints: [join(bare, 'lambda-entry.mjs')],
      absWorkingDir: bare,
      outfile,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@aws-sdk/*'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const size = statSync(outfile).size;
    console.log(`consumer handler bundle (esbuild, minified, EMF sink): ${size} B`);
    expect(size).toBeLessThanOrEqual(CONSUMER_BUNDLE_BUDGET_BYTES);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(outfile)}); await m.handler.ready; console.log(typeof m.handler)`,
      ],
      { cwd: bare },
    );
    expect(stdout.trim()).toBe('function');
  });

  it('type-checks under node16 (ESM and CJS), bundler and node10 with strict and no skipLibCheck', async () => {
    expect(await checks.bare).toEqual(['', '', '']);
  }, 120_000);
});

describe('a consumer with the AWS SDK clients', () => {
  it('type-checks the AWS sinks and the handler given SDK clients, under node16 (ESM and CJS)', async () => {
    expect(await checks.sdk).toEqual(['']);
  }, 120_000);
});
