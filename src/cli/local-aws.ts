/**
 * Local AWS for `cfrt replay`: kinesalite and dynalite in this process, on loopback, port 0, and
 * SDK clients pointed at them. They are devDependencies (and the SDK clients optional peers), so
 * they are loaded only here, on demand, with an error that says what to install.
 */

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { UsageError } from './errors.js';
import { REPLAY_PACKAGES } from './replay-help.js';

const require = createRequire(import.meta.url);

/** Credentials and region for local servers (they accept any). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' } as const;
export const LOCAL_REGION = 'us-east-1';

/**
 * Loads an optional package, or throws a `UsageError` naming every missing one.
 *
 * @example
 * const kinesalite = loadOptional<KinesaliteFactory>('kinesalite');
 */
export function loadOptional<T>(name: (typeof REPLAY_PACKAGES)[number]): T {
  try {
    return require(name) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      const missing = REPLAY_PACKAGES.filter((p) => {
        try {
          require.resolve(p);
          return false;
        } catch {
          return true;
        }
      });
      throw new UsageError(
        `cfrt replay runs local Kinesis and DynamoDB servers and needs ${missing.join(', ')}: ` +
          `npm install --save-dev ${missing.join(' ')}`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** What `listen` needs of a server: node:http servers, dynalite and kinesalite all fit. */
export interface Listenable {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): AddressInfo | string | null;
  close(cb?: (err?: Error) => void): unknown;
  closeAllConnections?(): void;
}

/** A server listening on 127.0.0.1. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0 (a free port). */
export async function listen(server: Listenable): Promise<LocalServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets from the SDK would hold close() open.
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts kinesalite in memory; streams become ACTIVE at once.
 *
 * @example
 * const kinesis = await startKinesalite();
 */
export async function startKinesalite(): Promise<LocalServer> {
  const kinesalite = loadOptional<(options: object) => Listenable>('kinesalite');
  return listen(kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }));
}

/**
 * Starts dynalite in memory; tables become ACTIVE at once.
 *
 * @example
 * const ddb = await startDynalite();
 */
export async function startDynalite(): Promise<LocalServer> {
  const dynalite = loadOptional<(options: object) => Listenable>('dynalite');
  return listen(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
}
