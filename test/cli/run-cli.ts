/** Spawns the built CLI (`npm test` builds first; locally `npm run build -- --silent`). */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** `CFRT_CLI` points the tests at another build of the same CLI. */
export const CLI = process.env.CFRT_CLI ?? resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes for stdin. */
  input?: string | Buffer;
  /** A child whose stdout is piped into the CLI's stdin. */
  pipeFrom?: ChildProcess;
  /** Node flags before the script. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first.`);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  // A CLI that exits before reading all its input (a crash, an early error) closes its stdin:
  // writes then fail with EPIPE, which is the CLI's outcome to report, not the test process's to
  // die of; and a piped producer is stopped, or it would block on a pipe nobody reads.
  child.stdin.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') stderr += `\n[run-cli] stdin: ${error.message}`;
  });
  const from = options.pipeFrom;
  if (from?.stdout) from.stdout.pipe(child.stdin);
  else child.stdin.end(options.input ?? '');
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      if (from !== undefined && from.exitCode === null) from.kill();
      done({ code, stdout, stderr });
    });
  });
}
