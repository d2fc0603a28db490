/**
 * `cfrt query`: the stored windows of a range, read from DynamoDB with Query calls, merged and
 * printed as the report `cfrt analyze` prints. The SDK client is an optional peer: it is loaded
 * here, on demand, with an error that says what to install.
 */
import { writeFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type QueryStats, queryWindows } from '../sinks/dynamodb-query.js';
import { QueryLimitError, QueryRangeError } from '../sinks/query-errors.js';
import { UsageError } from './errors.js';
import { formatCount } from './progress.js';
import type { QueryOptions } from './query-args.js';
import { queryReport } from './query-report.js';
import { renderReport } from './render-report.js';

/** Redraws of the progress line at most this often. */
const PROGRESS_INTERVAL_MS = 200;

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

/** A one-line display on a TTY stderr: Query calls, items and read units so far. */
function progressLine(enabled: boolean): { update(stats: QueryStats): void; done(): void } {
  const stream = process.stderr;
  if (!enabled || stream.isTTY !== true) return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  const text = (s: QueryStats) =>
    `${formatCount(s.items)} items, ${formatCount(s.queries)} queries, ${s.readCapacityUnits.toFixed(1)} read units | ${((Date.now() - started) / 1000).toFixed(1)} s`;
  return {
    update(s) {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      drawn = true;
      stream.write(`\r\x1b[2K${text(s).slice(0, Math.max((stream.columns || 80) - 1, 20))}`);
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
  const progress = progressLine(options.progress);
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
  const text = renderReport(report, options.format, process.stdout.columns ?? 100);
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
