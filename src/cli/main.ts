/**
 * `cfrt`: the command line. Thin: argument parsing, wiring, and the mapping of failures to exit
 * codes (0 ok, 1 malformed input under --strict or data that does not flow (status), 2 usage or
 * configuration error, or an AWS call refused for a reason the message names).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RealtimeLogError } from '../parser/errors.js';
import { splitFieldList } from '../parser/layout.js';
import { runAnalyze } from './analyze.js';
import { ANALYZE_HELP, parseAnalyzeArgs } from './analyze-args.js';
import { ATTACH_HELP, parseAttachArgs } from './attach.js';
import { UsageError } from './errors.js';
import { escapeControl } from './escape-control.js';
import { fieldListFromArgs } from './field-list.js';
import { resolveInputs } from './glob.js';
import { NoRecordsError } from './no-records.js';
import { runParse } from './parse.js';
import { parseQueryArgs, QUERY_HELP } from './query-args.js';
import { REPLAY_HELP, REPLAY_PACKAGES } from './replay-help.js';
import { parseStatusArgs, STATUS_HELP } from './status.js';

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

const HELP = `cfrt: CloudFront real-time logs from the command line

Usage:
  cfrt parse --fields <list> [--previous-fields <list>] [--strict] [--delivery-order] [FILE ...]
      Parse real-time log lines (files, gzip or not; stdin when no file) into NDJSON.
      <list>: the config's field list, comma- or space-separated, any order.
      --previous-fields: the list before a config change, for lines written with it (it must
      have another number of fields).
      Malformed lines go to stderr as "line N: <reason>" (a line over 1 MiB as "line too long:
      N bytes"); --strict stops at the first (exit 1).
      --delivery-order: the list is the column order (GetRealtimeLogConfig's Fields);
      unknown field names are then kept as raw text.
${indent(ANALYZE_HELP)}${indent(QUERY_HELP)}${indent(REPLAY_HELP)}${indent(ATTACH_HELP)}${indent(STATUS_HELP)}
Options:
  --fields-file <path>   read the field list from a file instead of --fields: names, a JSON
                         array of names, or the JSON of aws cloudfront get-realtime-log-config
  -h, --help             this text
  -v, --version          the version
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (command === 'analyze') {
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(ANALYZE_HELP);
      return 0;
    }
    return runAnalyze(parseAnalyzeArgs(rest));
  }
  if (command === 'query') {
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(QUERY_HELP);
      return 0;
    }
    const options = parseQueryArgs(rest);
    // Loaded on use: the SDK it reaches for is an optional peer.
    const { runQuery } = await import('./query.js');
    return runQuery(options);
  }
  if (command === 'attach' || command === 'detach') {
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(ATTACH_HELP);
      return 0;
    }
    const options = parseAttachArgs(command, rest);
    // Loaded on use: the SDK clients they reach for are optional peers.
    const [{ runAttach }, { sdkClients }] = await Promise.all([
      import('./attach.js'),
      import('./deploy-aws.js'),
    ]);
    const clients = sdkClients(command, { region: options.region });
    try {
      return await runAttach(options, clients);
    } finally {
      clients.destroy();
    }
  }
  if (command === 'status') {
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(STATUS_HELP);
      return 0;
    }
    const options = parseStatusArgs(rest);
    const [{ runStatus }, { sdkClients }] = await Promise.all([
      import('./status.js'),
      import('./deploy-aws.js'),
    ]);
    const clients = sdkClients(command, { region: options.region });
    try {
      return await runStatus(options, clients);
    } finally {
      clients.destroy();
    }
  }
  if (command === 'replay') {
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(REPLAY_HELP);
      return 0;
    }
    let replay: typeof import('./replay.js');
    try {
      replay = await import('./replay.js');
    } catch (err) {
      // The SDK clients are optional peers: say what to install rather than print a stack.
      if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
        throw new UsageError(
          `cfrt replay needs ${REPLAY_PACKAGES.join(', ')}: npm install --save-dev ${REPLAY_PACKAGES.join(' ')}`,
          { cause: err },
        );
      }
      throw err;
    }
    return replay.runReplay(replay.parseReplayArgs(rest));
  }
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      fields: { type: 'string' },
      'fields-file': { type: 'string' },
      'previous-fields': { type: 'string' },
      strict: { type: 'boolean', default: false },
      'delivery-order': { type: 'boolean', default: false },
    },
  });
  switch (command) {
    case 'parse': {
      const fields = fieldListFromArgs(values);
      if (fields === undefined)
        throw new UsageError('cfrt parse needs --fields <list> (or --fields-file <path>).');
      return runParse({
        fields,
        previousFields: splitFieldList(values['previous-fields'] ?? ''),
        // Directories and patterns as analyze reads them (a directory is every file under it).
        files: resolveInputs(positionals),
        strict: values.strict === true,
        order: values['delivery-order'] === true ? 'delivery' : 'canonical',
      });
    }
    default:
      throw new UsageError(`Unknown command "${command}". Run "cfrt --help" for the commands.`);
  }
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `cfrt parse ... | head` closes the pipe early: that is not an error.
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof NoRecordsError) {
      process.stderr.write(`cfrt: ${escapeControl(err.message, { keepNewlines: true })}\n`);
      process.exitCode = 1;
      return;
    }
    if (err instanceof RealtimeLogError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`cfrt: ${escapeControl(err.message, { keepNewlines: true })}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof Error && 'code' in err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`cfrt: ${escapeControl(err.message, { keepNewlines: true })}\n`);
      process.exitCode = 2;
      return;
    }
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`cfrt: unexpected error: ${escapeControl(text, { keepNewlines: true })}\n`);
    process.exitCode = 70;
  },
);
