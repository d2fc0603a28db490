/**
 * `cfrt parse --fields <list> [FILE ...]`: NDJSON of the parsed records on stdout; malformed lines
 * reported on stderr as `line N: <reason>`, a closing summary on stderr.
 */
import { createParser } from '../parser/parser.js';
import { OutputBuffer, readLines } from './input.js';

export interface ParseCommandOptions {
  fields: readonly string[];
  files: readonly string[];
  strict: boolean;
  order: 'canonical' | 'delivery';
}

/** Runs the command; resolves to the exit code. */
export async function runParse(options: ParseCommandOptions): Promise<number> {
  const parser =
    options.order === 'delivery'
      ? createParser(options.fields, { order: 'delivery' })
      : createParser(options.fields);
  const out = new OutputBuffer(process.stdout);
  const err = new OutputBuffer(process.stderr);
  let lineNo = 0;
  let records = 0;
  let malformed = 0;
  let code = 0;
  try {
    for await (const line of readLines(options.files)) {
      lineNo++;
      if (line === '' || line === '\r') continue;
      const result = parser.parseLine(line);
      if (result.ok) {
        records++;
        await out.write(`${JSON.stringify(result.record)}\n`);
        continue;
      }
      malformed++;
      await err.write(`line ${lineNo}: ${result.reason}\n`);
      if (options.strict) {
        code = 1;
        break;
      }
    }
  } finally {
    // Also when the input breaks off (a truncated gzip file): what was parsed is written.
    await out.flush();
    await err.write(`records: ${records}, malformed: ${malformed}\n`);
    await err.flush();
  }
  return code;
}
