/**
 * `cfrt query`: the stored windows of a range, read from DynamoDB with Query calls, merged and
 * printed as the report `cfrt analyze` prints. The SDK client is an optional peer: it is loaded
 * here, on demand, with an error that says what to install.
 */
import { writeFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { queryReport } from '../report/query-report.js';
import { type QueryStats, queryWindows } from '../sinks/dynamodb-query.js';
import { QueryLimitError, QueryRangeError } from '../sinks/query-errors.js';
import { UsageError } from './errors.js';
import { formatCount, PROGRESS_INTERVAL_MS, type ProgressStream } from './progress.js';
import type { QueryOptions } from './query-args.js';
import { renderReport } from './render-report.js';
import { wantsColor } from './render-table.js';

async function createClient(options: QueryOptions): Promise<DynamoDBClient> {
  let sdk: typeof import('@aws-sdk/client-dynamodb');
  try {
    sdk = await import('@aws-sdk/client-dynamodb');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new UsageError(
        'cfrt query needs @aws-sdk/client-dynamodb: npm install @aws-sdk/client-dynamodb',
        { cause: err },
      );
    }
    throw err;
  }
  return new sdk.DynamoDBClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
}

/** The progress display of a query: `update` after every page, `done` before the report. */
export interface QueryProgress {
  update(stats: Readonly<QueryStats>): void;
  done(): void;
}

/**
 * A one-line display of Query calls, items and read units so far, redrawn at most every
 * `PROGRESS_INTERVAL_MS`; drawn only on a TTY and only when `enabled`.
 *
 * @example
 * const progress = createQueryProgress(process.stderr);
 * await queryWindows({ ...options, onProgress: (s) => progress.update(s) });
 * progress.done();
 */
export function createQueryProgress(
  stream: ProgressStream,
  options: { enabled?: boolean; clock?: () => number } = {},
): QueryProgress {
  if (options.enabled === false || stream.isTTY !== true) return { update() {}, done() {} };
  const clock = options.clock ?? Date.now;
  const started = clock();
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  const text = (s: Readonly<QueryStats>, now: number) =>
    `${formatCount(s.items)} items, ${formatCount(s.queries)} queries, ${s.readCapacityUnits.toFixed(1)} read units | ${((now - started) / 1000).toFixed(1)} s`;
  return {
    update(s) {
      const now = clock();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      drawn = true;
      // \r and erase-line, cut to the terminal's width (a pseudo-terminal may say 0: assume 80).
      stream.write(`\r\x1b[2K${text(s, now).slice(0, Math.max((stream.columns || 80) - 1, 20))}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

/**
 * Runs `cfrt query` and writes the report; resolves to the exit code (2 for a range or window
 * the stored cells cannot answer, or past `--max-items`).
 *
 * @example
 * process.exitCode = await runQuery(parseQueryArgs(['--table', 'cf-windows', '--from', '-1h']));
 */
export async function runQuery(options: QueryOptions): Promise<number> {
  const started = Date.now();
  const client = await createClient(options);
  const progress = createQueryProgress(process.stderr, { enabled: options.progress });
  let result: Awaited<ReturnType<typeof queryWindows>>;
  try {
    result = await queryWindows({
      client,
      table: options.table,
      from: options.from,
      to: options.to,
      dimensions: [[], ...options.dimensions],
      ...(options.windowSeconds === undefined ? {} : { window: options.windowSeconds }),
      consistentRead: options.consistentRead,
      maxItems: options.maxItems,
      onProgress: (s) => progress.update(s),
    });
  } catch (err) {
    if (err instanceof QueryRangeError || err instanceof QueryLimitError) {
      throw new UsageError(
        err instanceof QueryLimitError
          ? `${err.message.replace(/\.$/, '')} (--max-items ${err.limit}).`
          : `--window: ${err.message}`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    progress.done();
    client.destroy();
  }
  const report = queryReport(result, {
    top: options.top,
    table: options.table,
    windowSeconds: options.windowSeconds,
  });
  const color = options.out === undefined && wantsColor(process.stdout, process.env);
  const text = renderReport(report, options.format, process.stdout.columns ?? 100, { color });
  if (options.out !== undefined) {
    writeFileSync(options.out, text);
    process.stderr.write(`cfrt: wrote ${options.out}\n`);
  } else {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
    );
  }
  if (options.stats) {
    process.stderr.write(
      `${JSON.stringify({
        ...result.stats,
        readCapacityUnits: Math.round(result.stats.readCapacityUnits * 100) / 100,
        storedWindowSeconds: result.storedWindowSeconds,
        windowSeconds: result.windowSeconds,
        seconds: (Date.now() - started) / 1000,
      })}\n`,
    );
  }
  return 0;
}
