/**
 * The findings detector the SAM app runs every minute: it reads each window that has closed since
 * its last run from the window table (`queryWindows`: every shard and batch merged), judges it
 * against the baseline of the windows before (`detectFindings`), publishes the findings, and then
 * remembers where it stopped and the baseline facts in one item of the same table.
 *
 * Delivery is at least once: a run that fails after publishing publishes the same findings again
 * next time, with the same ids (consumers drop duplicates; the WAF responder's changes are
 * idempotent). Two runs at once both judge; the state item is written with a condition, so the
 * loser's write is dropped and logged, never merged into a wrong baseline.
 *
 * Cost: one Query per series (the stream and each cache behavior) per run over the new windows
 * only; the baseline is never read again (about 1 KB of facts per window, kept gzipped in the
 * state item).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { summarize, type WindowCell, type WindowSummary } from '../aggregate/index.js';
import { type BaselineWindow, baselineOf, detectFindings } from '../detect/detect.js';
import { type DetectOptions, resolveDetectOptions } from '../detect/options.js';
import type { Finding } from '../detect/types.js';
import { queryWindows } from '../sinks/dynamodb-query.js';
import { lazyModule } from '../sinks/lazy-module.js';

const sdk = lazyModule(() => import('@aws-sdk/client-dynamodb'));

/** The state item's partition key (the window table's cells and series index never start so). */
export const DETECTOR_STATE_PK = '#detect#state';
const STATE_SK = 'state';
/** Windows one run judges at most (a detector that was off catches up this many, the latest). */
export const MAX_WINDOWS_PER_RUN = 10;
/** Stored state (gzipped baseline) at most: well under DynamoDB's 400 KB item. */
const MAX_STATE_BYTES = 300 * 1024;
/** Entries per top-N list read into a summary: every counter a stored cell can keep. */
const ALL_ENTRIES = 1_000;

/** Options of `createDetector`. */
export interface DetectorOptions {
  /** A DynamoDB client that may Query the table and GetItem/PutItem the state item. */
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  /** The window table (the DynamoDB sink's). */
  readonly table: string;
  /** Publishes findings (the EventBridge sink's `publish`); rejects when they were not delivered. */
  readonly publish: (findings: readonly Finding[]) => Promise<unknown>;
  /** The stored window in seconds (the processor's `CFRT_WINDOW_SECONDS`). */
  readonly windowSeconds: number;
  /**
   * Whether the processor stores a `behavior` dimension set: then bursts and floods are judged per
   * cache behavior too. Default false.
   */
  readonly behaviors?: boolean;
  /** Seconds after a window ends before it is judged (late records). Default 60. */
  readonly delaySeconds?: number;
  /** Earlier windows the baseline keeps. Default 30. */
  readonly baselineWindows?: number;
  /** Thresholds. */
  readonly detect?: DetectOptions;
  /** Epoch ms now; `Date.now`. */
  readonly now?: () => number;
  /** One JSON line per run; `console.log`. */
  readonly log?: (line: string) => void;
}

/** What one run did. */
export interface DetectorRun {
  /** Starts (epoch ms) of the windows judged. */
  readonly windows: readonly number[];
  readonly findings: readonly Finding[];
  /** Items read from the table. */
  readonly items: number;
  /** False when another run wrote the state first (this run's findings were still published). */
  readonly stateWritten: boolean;
}

interface State {
  readonly last: number | null;
  readonly version: number;
  readonly baseline: BaselineWindow[];
}

/**
 * A detector over a window table.
 *
 * @example
 * const sink = createEventBridgeSink({ client: new EventBridgeClient({}) });
 * const detector = createDetector({ dynamodb, table, windowSeconds: 60, publish: (f) => sink.publish(f) });
 * await detector.run();
 */
export function createDetector(options: DetectorOptions): { run(): Promise<DetectorRun> } {
  const W = options.windowSeconds * 1000;
  if (!Number.isInteger(options.windowSeconds) || options.windowSeconds < 1) {
    throw new RangeError(`windowSeconds must be a whole number of seconds; got ${options.windowSeconds}`);
  }
  const delay = (options.delaySeconds ?? 60) * 1000;
  const keep = options.baselineWindows ?? 30;
  const detect = options.detect ?? {};
  resolveDetectOptions(detect); // refused at construction, not on the first run
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const { dynamodb, table } = options;
  const sets: string[][] = options.behaviors === true ? [[], ['behavior']] : [[]];

  async function readState(): Promise<State> {
    const { GetItemCommand } = await sdk();
    const got = await dynamodb.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: DETECTOR_STATE_PK }, sk: { S: STATE_SK } },
        ConsistentRead: true,
      }),
    );
    return stateOf(got.Item, W);
  }

  async function writeState(previous: State, next: State): Promise<boolean> {
    const { PutItemCommand } = await sdk();
    const item: Record<string, AttributeValue> = {
      pk: { S: DETECTOR_STATE_PK },
      sk: { S: STATE_SK },
      last: { N: String(next.last) },
      window: { N: String(W) },
      version: { N: String(next.version) },
      baseline: { B: packBaseline(next.baseline) },
    };
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
          ExpressionAttributeValues: { ':v': { N: String(previous.version) } },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  return {
    async run(): Promise<DetectorRun> {
      const t = now();
      // The latest window [s, s + W) with s + W + delay <= now.
      const latest = Math.floor((t - delay - W) / W) * W;
      const state = await readState();
      let first = state.last === null ? latest : state.last + W;
      first = Math.max(first, latest - (MAX_WINDOWS_PER_RUN - 1) * W);
      if (first > latest) {
        log(JSON.stringify({ detector: 'idle', next: new Date(first + W + delay).toISOString() }));
        return { windows: [], findings: [], items: 0, stateWritten: false };
      }
      const read = await queryWindows({
        client: dynamodb,
        table,
        from: first,
        to: latest + W,
        dimensions: sets,
        now: () => t,
      });
      const byStart = new Map<number, WindowSummary[]>();
      for (const cell of read.windows as WindowCell[]) {
        const list = byStart.get(cell.start) ?? [];
        list.push(summarize(cell, { top: ALL_ENTRIES }));
        byStart.set(cell.start, list);
      }
      const baseline = state.baseline.filter((b) => b.start < first);
      const findings: Finding[] = [];
      const judged: number[] = [];
      for (let s = first; s <= latest; s += W) {
        judged.push(s);
        const window = byStart.get(s) ?? [];
        const recent = baseline.filter((b) => b.start >= s - keep * W && b.start < s);
        findings.push(...detectFindings({ window, baseline: recent }, detect));
        const facts = baselineOf(window);
        if (facts !== null) baseline.push(facts);
      }
      if (findings.length > 0) await options.publish(findings);
      const kept = baseline.filter((b) => b.start >= latest + W - keep * W);
      const written = await writeState(state, { last: latest, version: state.version + 1, baseline: kept });
      log(
        JSON.stringify({
          detector: 'run',
          windows: judged.map((s) => new Date(s).toISOString()),
          items: read.stats.items,
          findings: findings.length,
          byKind: countBy(findings),
          stateWritten: written,
        }),
      );
      return { windows: judged, findings, items: read.stats.items, stateWritten: written };
    },
  };
}

function countBy(findings: readonly Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.kind] = (out[f.kind] ?? 0) + 1;
  return out;
}

/** The state of a stored item; a missing item, or one of another window size, starts afresh. */
function stateOf(item: Record<string, AttributeValue> | undefined, W: number): State {
  if (item === undefined) return { last: null, version: 0, baseline: [] };
  const version = Number(item.version?.N ?? 0);
  if (Number(item.window?.N) !== W) return { last: null, version, baseline: [] };
  const last = Number(item.last?.N);
  let baseline: BaselineWindow[] = [];
  try {
    const bytes = item.baseline?.B;
    if (bytes !== undefined) baseline = JSON.parse(gunzipSync(bytes).toString('utf8')) as BaselineWindow[];
  } catch {
    baseline = []; // unreadable facts: start the baseline again rather than fail every run
  }
  return {
    last: Number.isFinite(last) ? last : null,
    version,
    baseline: Array.isArray(baseline) ? baseline : [],
  };
}

/** The baseline gzipped; the oldest windows dropped until it fits `MAX_STATE_BYTES`. */
function packBaseline(baseline: readonly BaselineWindow[]): Uint8Array {
  let kept = [...baseline].sort((a, b) => a.start - b.start);
  for (;;) {
    const packed = gzipSync(JSON.stringify(kept));
    if (packed.length <= MAX_STATE_BYTES || kept.length === 0) return packed;
    kept = kept.slice(Math.ceil(kept.length / 4));
  }
}
