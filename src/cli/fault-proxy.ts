/**
 * A loopback proxy that forwards to a local AWS server and answers a share of requests with the
 * errors AWS really sends under load (throttling, an internal error) instead, so `cfrt replay
 * --fault-rate` shows the handler's retries and the event source mapping's partial-batch retries
 * leaving the stored totals exact.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalServer } from './local-aws.js';

/** A proxy that also tells how many faults it injected. */
export interface FaultProxy extends LocalServer {
  faults(): number;
}

const FAULTS = [
  { status: 400, type: 'ThrottlingException', message: 'Rate exceeded (injected by cfrt replay)' },
  { status: 500, type: 'InternalFailure', message: 'Internal error (injected by cfrt replay)' },
] as const;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function sendFault(res: ServerResponse, n: number): void {
  const fault = FAULTS[n % FAULTS.length]!;
  const payload = JSON.stringify({ __type: fault.type, message: fault.message });
  res.writeHead(fault.status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-errortype': fault.type,
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/**
 * Starts the proxy on 127.0.0.1, port 0. `rate` 0 forwards everything.
 *
 * @example
 * const proxy = await startFaultProxy(dynalite.endpoint, 0.2);
 */
export async function startFaultProxy(
  target: string,
  rate: number,
  random: () => number = Math.random,
): Promise<FaultProxy> {
  const to = new URL(target);
  let injected = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (rate > 0 && random() < rate) {
        sendFault(res, injected++);
        return;
      }
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    faults: () => injected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
