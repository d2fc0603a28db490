/**
 * The package as users install it: the exports map matches the build entries, every subpath loads
 * from ESM and CJS, and the pure core never loads an AWS SDK.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LIBRARY_ENTRIES } from '../tsup.config.js';

const root = fileURLToPath(new URL('../', import.meta.url));
interface Conditions {
  import: { types: string; default: string };
  require: { types: string; default: string };
}
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  exports: Record<string, Conditions | string>;
  sideEffects: boolean;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const subpaths = Object.entries(pkg.exports).filter(
  (e): e is [string, Conditions] => typeof e[1] !== 'string',
);

describe('package.json', () => {
  it('exports exactly the library entries tsup builds, with types for import and require', () => {
    const built = Object.keys(LIBRARY_ENTRIES).sort();
    const exported = subpaths
      .map(([, c]) => c.import.default.replace(/^\.\/dist\//, '').replace(/\.js$/, ''))
      .sort();
    expect(exported).toEqual(built);
    for (const [, c] of subpaths) {
      expect(c.import.types).toBe(c.import.default.replace(/\.js$/, '.d.ts'));
      expect(c.require.default).toBe(c.import.default.replace(/\.js$/, '.cjs'));
      expect(c.require.types).toBe(c.import.default.replace(/\.js$/, '.d.cts'));
    }
  });

  it('is side-effect free, ships the cfrt bin, and keeps AWS SDKs out of its dependencies', () => {
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.bin.cfrt).toBe('./dist/cli/main.js');
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@aws-sdk/'))).toEqual([]);
    expect(Object.keys(pkg.peerDependencies)).toEqual(
      expect.arrayContaining(['@aws-sdk/client-kinesis', 'geoip-lite']),
    );
  });
});

describe('the built package', () => {
  it('has every file the exports map names', () => {
    for (const [, c] of subpaths) {
      for (const file of [c.import.default, c.import.types, c.require.default, c.require.types]) {
        expect(existsSync(`${root}${file}`), file).toBe(true);
      }
    }
  });

  it('loads every subpath from ESM and from CJS', () => {
    for (const [subpath] of subpaths) {
      const specifier = `cloudfront-realtime-logs${subpath.slice(1)}`;
      const esm = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import * as m from '${specifier}'; console.log(Object.keys(m).length)`,
        ],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      const cjs = execFileSync(
        process.execPath,
        ['-e', `console.log(Object.keys(require('${specifier}')).length)`],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      expect(Number(esm), subpath).toBeGreaterThan(0);
      expect(Number(cjs), subpath).toBe(Number(esm));
    }
  });

  it('never loads an AWS SDK or geoip-lite when the core is imported', () => {
    const script = `
      const { createRequire } = require('node:module');
      require('cloudfront-realtime-logs');
      require('cloudfront-realtime-logs/parser');
      require('cloudfront-realtime-logs/enrich');
      require('cloudfront-realtime-logs/aggregate');
      const loaded = Object.keys(require.cache).filter((p) => /@aws-sdk|@smithy|geoip-lite/.test(p));
      console.log(JSON.stringify(loaded));`;
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
    ) as string[];
    expect(loaded).toEqual([]);
  });
});

describe('the deployable Lambda bundle (dist/lambda/index.mjs)', () => {
  const bundle = readFileSync(`${root}dist/lambda/index.mjs`, 'utf8');

  it('is one self-contained file: SAM copies it alone, so it imports no sibling chunk', () => {
    expect(bundle.match(/from\s*"\.{1,2}\/[^"]*"/g) ?? []).toEqual([]);
    expect(bundle.match(/import\("\.{1,2}\/[^"]*"\)/g) ?? []).toEqual([]);
  });

  it('leaves the AWS SDK to the Lambda runtime, loaded only when a sink needs it', () => {
    const staticSdk = bundle.match(/from\s*"@aws-sdk\/[^"]*"/g) ?? [];
    expect(staticSdk).toEqual([]);
    expect(bundle).toContain('import("@aws-sdk/client-dynamodb")');
    expect(bundle).not.toContain('AwsJson1_0Protocol');
  });
});
