/**
 * Runs a built Lambda bundle (dist/<name>/index.mjs) as Lambda would: imported in a fresh Node
 * process with only the environment given (PATH kept), its `handler` called once with `event` and a
 * context that has 30 s left. The tests of the deployed artifacts (the query API, the detector, the
 * WAF responder) use it; the SDK inside is pointed at local servers by the service-specific
 * endpoint variables (`AWS_ENDPOINT_URL_DYNAMODB`, ...) in `env`.
 */
import { spawn } from 'node:child_process';

/** What the process did: its exit code, stdout (the handler's result after `RESULT `) and stderr. */
export interface BundleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The handler's result, parsed; undefined when the process printed none. */
  readonly result: unknown;
}

/** Imports `bundle` in a fresh process with `env` and calls its handler with `event`. */
export function runBundle(bundle: URL, env: Record<string, string>, event: unknown): Promise<BundleRun> {
  return new Promise((done) => {
    const p = spawn(
      process.execPath,
      [
        '--no-warnings',
        '--input-type=module',
        '-e',
        `const { handler } = await import(process.env.TEST_BUNDLE);
         const r = await handler(JSON.parse(process.env.TEST_EVENT), { getRemainingTimeInMillis: () => 30000 });
         process.stdout.write('\\nRESULT ' + JSON.stringify(r) + '\\n');`,
      ],
      {
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '',
          ...env,
          TEST_BUNDLE: bundle.href,
          TEST_EVENT: JSON.stringify(event ?? null),
        },
      },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('close', (code) => {
      const at = stdout.lastIndexOf('\nRESULT ');
      const result = at < 0 ? undefined : (JSON.parse(stdout.slice(at + 8)) as unknown);
      done({ code, stdout, stderr, result });
    });
  });
}
