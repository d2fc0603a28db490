/**
 * A Kinesis event of five 1 MB records packed with 2-byte malformed lines ("x\n"), 2.6 million in
 * all, through the handler with the log quarantine. Prints one JSON line: what the handler counted,
 * how many quarantine log lines it wrote, and the process's peak memory.
 */
import { createHandler, type InvocationLog } from '../../../src/handler/create-handler.js';
import { kinesisEvent, lambdaContext } from '../../helpers/events.js';

const RECORD = 'x\n'.repeat(500_000);
const logs: string[] = [];
const handler = createHandler({
  fields: ['timestamp', 'c-ip', 'sc-status'],
  sinks: [],
  quarantine: 'log',
  log: (line) => logs.push(line),
});
const response = await handler(kinesisEvent([RECORD, RECORD, RECORD, RECORD, RECORD]), lambdaContext());
const log = JSON.parse(logs.at(-1)!) as InvocationLog;
process.stdout.write(
  `${JSON.stringify({
    failures: response.batchItemFailures.length,
    malformed: log.malformed,
    logLines: logs.length,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
