/**
 * A child process for the flat-memory test: writes generated real-time log lines to stdout until
 * `--bytes` are out. A block of distinct lines is generated once and repeated with its timestamps
 * moved forward by the block's span each time, so event time keeps advancing (windows open and
 * close, as in a long capture) while the generator stays far faster than the CLI reading it.
 *
 *   node --import tsx test/cli/stream-lines.ts --fields a,b,c --bytes 300000000 [--block 4000] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { generateLines } from '../../fixtures/generator.js';

const { values } = parseArgs({
  options: {
    fields: { type: 'string' },
    bytes: { type: 'string' },
    block: { type: 'string', default: '4000' },
    seed: { type: 'string', default: '1' },
    rps: { type: 'string', default: '20' },
  },
});
const fields = (values.fields ?? '').split(',').filter((f) => f !== '');
const total = Number(values.bytes);
const tsIndex = fields.indexOf('timestamp');
if (tsIndex !== 0) throw new Error('stream-lines needs timestamp in the field list (first column)');

const block = generateLines({
  fields,
  count: Number(values.block),
  seed: Number(values.seed),
  requestsPerSecond: Number(values.rps),
}).map((g) => {
  const tab = g.line.indexOf('\t');
  return { ms: Math.round(Number(g.line.slice(0, tab)) * 1000), rest: g.line.slice(tab) };
});
const first = block[0]?.ms ?? 0;
const span = (block.at(-1)?.ms ?? first) - first + 1000;

let written = 0;
let lines = 0;
let round = 0;
async function main(): Promise<void> {
  while (written < total) {
    const shift = round * span;
    const parts: string[] = [];
    for (const { ms, rest } of block) parts.push(`${((ms + shift) / 1000).toFixed(3)}${rest}\n`);
    const chunk = parts.join('');
    written += Buffer.byteLength(chunk);
    lines += block.length;
    round++;
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
  }
  process.stdout.end();
  // What was written, for the test to compare with what the CLI counted.
  process.stderr.write(`${JSON.stringify({ lines, bytes: written })}\n`);
}
void main();
