/**
 * The archive tier's layout, as Firehose writes it from the processed stream (infra/template.yaml,
 * ArchiveDeliveryStream): records partitioned by their own event time, Hive style
 * (`records/dt=YYYY-MM-DD/hour=HH/`), by dynamic partitioning with `ARCHIVE_PARTITION_QUERY`; each
 * object the records of one buffer, concatenated as the Kinesis sink wrote them (one JSON object
 * a line) and GZIP-compressed; records whose partition cannot be computed (no numeric timestamp)
 * under the error prefix. `layOutArchive` builds those objects as values, so `cfrt replay --archive`
 * and the tests lay records out exactly as the deployed stack would.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** Where records land in the bucket (the Glue table's location). */
export const ARCHIVE_PREFIX = 'records/';
/** Where records Firehose could not partition land, by error type. */
export const ARCHIVE_ERROR_PREFIX = 'errors/';
/** The extension of every archived object (the template's FileExtension). */
export const ARCHIVE_FILE_EXTENSION = '.json.gz';
/** The error type of a record without a partition (`!{firehose:error-output-type}`). */
export const PARTITIONING_FAILED = 'partitioning-failed';

/**
 * The dynamic-partitioning query (jq 1.6, as Firehose runs it): the UTC day and hour of the
 * record's `timestamp` (epoch ms). A record without a numeric timestamp makes jq fail, and
 * Firehose sends it to the error prefix.
 */
export const ARCHIVE_PARTITION_QUERY =
  '{dt: (.timestamp / 1000 | strftime("%Y-%m-%d")), hour: (.timestamp / 1000 | strftime("%H"))}';

/**
 * The partition (`dt=YYYY-MM-DD/hour=HH/`) of an event time, or `null` for one that has none
 * (not a finite number, or outside the years 0000-9999 a partition's date can name).
 *
 * @example
 * archivePartition(1600299221087); // 'dt=2020-09-16/hour=23/'
 */
export function archivePartition(timestamp: unknown): string | null {
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return null;
  // jq's gmtime drops the fraction of the second, toward zero (-0.5 s is 1970-01-01 00:00:00).
  const time = new Date(Math.trunc(timestamp / 1000) * 1000);
  if (Number.isNaN(time.getTime())) return null;
  const iso = time.toISOString();
  if (!/^\d{4}-/.test(iso)) return null;
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
}

/** One object of the archive: its key under the bucket and its (gzip) body. */
export interface ArchiveObject {
  readonly key: string;
  readonly body: Uint8Array;
  /** Records in it. */
  readonly records: number;
}

/** Options of `layOutArchive`. */
export interface ArchiveLayoutOptions {
  /** The delivery stream's name, which starts every object name. Default `cfrt-archive`. */
  readonly deliveryStreamName?: string;
  /** When the buffer was delivered (names the object, never its partition). Default now. */
  readonly deliveredAt?: Date;
  /** The random part of an object's name. Default a UUID. */
  readonly randomId?: () => string;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Firehose's object-name time: `YYYY-MM-dd-HH-mm-ss`, UTC. */
function nameTime(d: Date): string {
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${two(d.getUTCHours())}-${two(d.getUTCMinutes())}-${two(d.getUTCSeconds())}`;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The event time of a record as the partition query reads it, or `undefined` when it is not JSON. */
function timestampOf(text: string): unknown {
  try {
    const record: unknown = JSON.parse(text);
    return typeof record === 'object' && record !== null
      ? (record as { timestamp?: unknown }).timestamp
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lays out one buffer of processed records (each as the Kinesis sink serialized it: a JSON object
 * and a newline) the way the archive's Firehose stream writes it: one gzip object per partition,
 * records in arrival order; records without a partition in one object under
 * `errors/partitioning-failed/`, each wrapped in Firehose's error document (`rawData` base64).
 *
 * @example
 * const objects = layOutArchive(['{"timestamp":1600299221087}\n']);
 * objects[0].key; // 'records/dt=2020-09-16/hour=23/cfrt-archive-1-2026-...-<uuid>.json.gz'
 */
export function layOutArchive(
  records: readonly (string | Uint8Array)[],
  options: ArchiveLayoutOptions = {},
): ArchiveObject[] {
  const stream = options.deliveryStreamName ?? 'cfrt-archive';
  const at = options.deliveredAt ?? new Date();
  const id = options.randomId ?? randomUUID;
  const partitions = new Map<string, string[]>();
  const failed: string[] = [];
  for (const record of records) {
    const text = typeof record === 'string' ? record : decoder.decode(record);
    const partition = archivePartition(timestampOf(text));
    if (partition === null) {
      failed.push(
        `${JSON.stringify({
          attemptsMade: 1,
          arrivalTimestamp: at.getTime(),
          errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
          errorMessage: 'the partition query found no numeric timestamp',
          attemptEndingTimestamp: at.getTime(),
          rawData: Buffer.from(text).toString('base64'),
        })}\n`,
      );
      continue;
    }
    const texts = partitions.get(partition);
    if (texts === undefined) partitions.set(partition, [text]);
    else texts.push(text);
  }
  const name = () => `${stream}-1-${nameTime(at)}-${id()}${ARCHIVE_FILE_EXTENSION}`;
  const objects: ArchiveObject[] = [...partitions].map(([partition, texts]) => ({
    key: `${ARCHIVE_PREFIX}${partition}${name()}`,
    body: gzipSync(encoder.encode(texts.join(''))),
    records: texts.length,
  }));
  if (failed.length > 0) {
    const day = at.toISOString().slice(0, 10);
    objects.push({
      key: `${ARCHIVE_ERROR_PREFIX}${PARTITIONING_FAILED}/dt=${day}/${name()}`,
      body: gzipSync(encoder.encode(failed.join(''))),
      records: failed.length,
    });
  }
  return objects;
}
