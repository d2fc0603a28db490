import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

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
  'sinks/eventbridge': 'src/sinks/eventbridge.ts',
  'detect/index': 'src/detect/index.ts',
  handler: 'src/handler.ts',
} as const;

export default defineConfig([
  {
    entry: LIBRARY_ENTRIES,
    format: ['esm', 'cjs'],
    dts: true,
    splitting: true,
    // No source maps for library consumers: they were 3.7 MB of the 5.4 MB package, and a
    // consumer's bundler or stack traces read this readable, unminified ESM/CJS as it is.
    sourcemap: false,
    treeshake: true,
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
  },
  {
    // The CLI: ESM only, with a shebang; dev-only peers (dynalite, kinesalite) stay external.
    // `cfrt analyze --threads` starts dist/cli/analyze-worker.js as a worker thread; what it shares
    // with main.js (parser, enricher, aggregator) goes into shared chunks, not a second copy.
    entry: { 'cli/main': 'src/cli/main.ts', 'cli/analyze-worker': 'src/cli/analyze-worker.ts' },
    format: ['esm'],
    dts: false,
    // Unminified and shipped in the package: readable stack traces without maps.
    sourcemap: false,
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
    // The SDK's own packages (@smithy/*, which replay's local clients use) come with the
    // @aws-sdk/* peers a command needs; bundled, they were a third of the packed size.
    external: ['dynalite', 'kinesalite', 'playwright-core', /^@aws-sdk\//, /^@smithy\//],
  },
  {
    // The Lambda artifact the SAM app deploys: one self-contained ESM file. The AWS SDK v3 is
    // provided by the nodejs22.x/24.x runtime, so it stays out; geoip-lite (city-level geography)
    // ships ~150 MB of data and is not part of the default deployment.
    // The query API's function (src/query-lambda.ts), the findings detector (src/detect-lambda.ts)
    // and the WAF responder (src/respond-lambda.ts) are built the same way, each as its own file.
    entry: {
      'lambda/index': 'src/lambda.ts',
      'query-lambda/index': 'src/query-lambda.ts',
      'detect-lambda/index': 'src/detect-lambda.ts',
      'respond-lambda/index': 'src/respond-lambda.ts',
    },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    dts: false,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    outDir: 'dist',
    // One file: SAM copies dist/lambda/index.mjs alone, so no shared chunks may sit beside it.
    splitting: false,
    // Smaller code to read at cold start. The source map is built beside it and copied into the
    // artifact, but Node reads it only with --enable-source-maps, off by default in the SAM app
    // (about 1.5x the import's CPU time, bench/cases/cold-start.ts; docs/deploy.md has the switch).
    minify: true,
    // Bundle the runtime dependencies; the AWS SDK (peer dependencies) stays external, and tsup's
    // noExternal would override `external`, so it names the packages rather than matching all.
    noExternal: Object.keys(pkg.dependencies),
    external: [/^@aws-sdk\//, /^@smithy\//, 'geoip-lite'],
    // Bundled CJS dependencies call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __cfrtCreateRequire } from 'node:module'; const require = __cfrtCreateRequire(import.meta.url);",
    },
  },
]);
