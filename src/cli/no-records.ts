/**
 * When no line of a non-empty input parses, the field list and the input do not belong together:
 * a standard (access) log, a binary or otherwise compressed file, or the wrong field list. Exit 0
 * with "0 records" would pass that off as an empty log, so the commands fail and say which it
 * looks like. Looks at the first malformed lines only; the rest are counted.
 */
import { RealtimeLogError } from '../parser/errors.js';

/** Malformed lines whose shape is looked at; after these, lines are only counted. */
export const MAX_SAMPLED_LINES = 100;

/** No line of a non-empty input matched the field list: `cfrt` exits 1 with the message. */
export class NoRecordsError extends RealtimeLogError {
  override name = 'NoRecordsError';
}

/** The parser's part the check reads: each layout's field list (one layout per field list). */
export interface LayoutsOf {
  readonly layouts: readonly { readonly fields: readonly string[] }[];
}

/** Collects what the malformed lines look like, to explain a run where none parsed. */
export interface MatchCheck {
  /** Notes a line that did not parse, with the parser's reason. */
  malformed(line: string, reason?: string): void;
  /** Why nothing parsed, when `records` is 0 and a line was malformed; otherwise null. */
  problem(records: number): string | null;
  /** Throws `NoRecordsError` with `problem(records)` when there is one. */
  assertParsed(records: number): void;
}

/** U+FFFD: what the UTF-8 decoder makes of bytes that are not UTF-8. */
const REPLACEMENT = '\uFFFD';

function columnsOf(line: string): number {
  let n = 1;
  for (let i = line.indexOf('\t'); i !== -1; i = line.indexOf('\t', i + 1)) n++;
  return n;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "29", "29 or 27", "29, 27 or 25". */
function orList(values: readonly number[]): string {
  return values.length <= 1
    ? values.join('')
    : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/**
 * A check for one run of a command over its whole input.
 *
 * @example
 * const check = createMatchCheck(parser);
 * for await (const line of readLines(files)) {
 *   const result = parser.parseLine(line);
 *   if (result.ok) records++;
 *   else check.malformed(line, result.reason);
 * }
 * check.assertParsed(records); // throws NoRecordsError: 'no line matched the field list: ...'
 */
export function createMatchCheck(parser: LayoutsOf): MatchCheck {
  const expected = [...new Set(parser.layouts.map((l) => l.fields.length))];
  let malformed = 0;
  let sampled = 0;
  let header = false;
  let binary = false;
  let firstReason: string | undefined;
  const columns = new Map<number, number>();

  function problem(records: number): string | null {
    if (records > 0 || malformed === 0) return null;
    const lead = `no line matched the field list (${plural(malformed, 'line')} read, none parsed)`;
    if (header) {
      return `${lead}: the input has a "#Version" or "#Fields" header, so it is a CloudFront standard (access) log, which has its own format. cfrt reads real-time logs: the lines Kinesis carries, or the files Firehose writes from them.`;
    }
    if (binary) {
      return `${lead}: the input is not text (NUL bytes or bytes that are not UTF-8). gzip is recognized and read; other compression (zip, Snappy, ZSTD) is not: decompress it first.`;
    }
    let seen = 0;
    let most = 0;
    for (const [n, count] of columns) {
      if (count > most) {
        most = count;
        seen = n;
      }
    }
    const expectedText = `${orList(expected)} field${expected.length === 1 && expected[0] === 1 ? '' : 's'}`;
    const fix =
      'Give the field list the logs were written with: `aws cloudfront get-realtime-log-config --name <config>` prints it, and --fields-file reads that JSON as it is.';
    if (seen === 1) {
      return `${lead}: the lines have no tab, but real-time log lines are tab-separated (the field list has ${expectedText}). ${fix}`;
    }
    if (!expected.includes(seen)) {
      return `${lead}: the lines have ${seen} tab-separated columns, the field list has ${expectedText}. ${fix}`;
    }
    return `${lead}: the lines have the ${seen} columns the field list has, but values do not decode${
      firstReason === undefined ? '' : ` (first: ${firstReason})`
    }: the logs were written with another list of ${seen} fields, or the columns are in another order than CloudFront's (--delivery-order takes the list as the column order). ${fix}`;
  }

  return {
    malformed(line, reason) {
      malformed++;
      if (sampled >= MAX_SAMPLED_LINES) return;
      sampled++;
      firstReason ??= reason;
      if (line.startsWith('#Version') || line.startsWith('#Fields')) header = true;
      if (line.includes('\0') || line.includes(REPLACEMENT)) binary = true;
      const n = columnsOf(line);
      columns.set(n, (columns.get(n) ?? 0) + 1);
    },
    problem,
    assertParsed(records) {
      const text = problem(records);
      if (text !== null) throw new NoRecordsError(text);
    },
  };
}
