/**
 * `cfrt parse --fields <list> [--previous-fields <list>] [FILE ...]`: NDJSON of the parsed records
 * on stdout; malformed lines (a line over MAX_LINE_BYTES included, by its length) reported on
 * stderr as `line N: <reason>`, a closing summary on stderr.
 */
import { createParser } from '../parser/parser.js';
import { escapeControl } from './escape-control.js';
import { isTooLong, OutputBuffer, readLineItems } from './input.js';
import { createMatchCheck } from './no-records.js';

export interface ParseCommandOptions {
  fields: readonly string[];
  /** The list before a config change, read beside `fields` (empty: none). */
  previousFields?: readonly string[];
  files: readonly string[];
  strict: boolean;
  order: 'canonical' | 'delivery';
}

/**
 * Runs the command; resolves to the exit code. Throws `NoRecordsError` (exit 1, after the
 * summary) when lines were read and none parsed.
 */
export async function runParse(options: ParseCommandOptions): Promise<number> {
  const previous = options.previousFields ?? [];
  const layouts = previous.length > 0 ? [options.fields, previous] : [options.fields];
  const parser = createParser({ layouts: layouts as string[][] }, { order: options.order });
  const check = createMatchCheck(parser);
  const out = new OutputBuffer(process.stdout);
  const err = new OutputBuffer(process.stderr);
  let lineNo = 0;
  let records = 0;
  let malformed = 0;
  let code = 0;
  try {
    for await (const line of readLineItems(options.files)) {
      lineNo++;
      if (line === '' || line === '\r') continue;
      const result = isTooLong(line) ? ({ ok: false, reason: line.reason } as const) : parser.parseLine(line);
      if (result.ok) {
        records++;
        await out.write(`${JSON.stringify(result.record)}\n`);
        continue;
      }
      malformed++;
      if (typeof line === 'string') check.malformed(line, result.reason);
      // The reason quotes the value: escaped, as everything from the data that reaches a terminal.
      await err.write(`line ${lineNo}: ${escapeControl(result.reason)}\n`);
      if (options.strict) {
        code = 1;
        break;
      }
    }
    // A non-empty input of which no line parsed: the wrong list or not a real-time log (exit 1).
    if (code === 0) check.assertParsed(records);
  } finally {
    // Also when the input breaks off (a truncated gzip file): what was parsed is written.
    await out.flush();
    await err.write(`records: ${records}, malformed: ${malformed}\n`);
    await err.flush();
  }
  return code;
}
