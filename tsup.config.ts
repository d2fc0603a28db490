import { defineConfig } from 'tsup';

/**
 * Library entries: one per package subpath, so importing the parser never loads an AWS SDK.
 * Keep in step with `exports` in package.json (test/package.test.ts checks both ways).
 */
export const LIBRARY_ENTRIES = {
  index: 'src/index.ts',
  'parser/index': 'src/parser/index.ts',
  'enrich/index': 'src/enrich/index.ts',
  'aggregate/index': 'src/aggregate/index.ts',
  'sinks/index': 'src/sinks/index.ts',
  'sinks/cloudwatch': 'src/sinks/cloudwatch.ts',
  'sinks/emf': 'src/sinks/emf.ts',
  'sinks/dynamodb': 'src/sinks/dynamodb.ts',
  'sinks/kinesis': 'src/sinks/kinesis.ts',
  handler: 'src/handler.ts',
} as const;

export default defineConfig([
  {
    entry: LIBRARY_ENTRIES,
    format: ['esm', 'cjs'],
    dts: true,
    splitting: true,
    sourcemap: true,
    treeshake: true,
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
  },
  {
    // The CLI: ESM only, with a shebang; dev-only peers (dynalite, kinesalite) stay external.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
    external: ['dynalite', 'kinesalite', 'playwright-core'],
  },
]);
