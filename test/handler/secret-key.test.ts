/**
 * The client-address key from Secrets Manager, read at cold start through the real
 * `@aws-sdk/client-secrets-manager` client pointed at a loopback server that speaks the service's
 * JSON protocol (AWS JSON 1.1: POST /, `X-Amz-Target: secretsmanager.GetSecretValue`, a JSON body
 * with `SecretId`; the answer carries `SecretString`), as decoded from what the client sends.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientHasher } from '../../src/aggregate/client-key.js';
import {
  deserializeCell,
  mergeCells,
  serializeCell,
  summarize,
  type WindowCell,
} from '../../src/aggregate/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalServer, listen } from '../../src/cli/local-aws.js';
import { HandlerConfigError } from '../../src/handler/config.js';
import { createHandler } from '../../src/handler/create-handler.js';
import { fetchSecretKey } from '../../src/handler/secret-key.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';

const SECRETS: Record<string, string> = {
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:cfrt-key-AbCdEf':
    'generated-64-characters-0123456789abcdefghijklmnopqrstuvwxyzABCDE',
  'other-key': 'another-generated-key-0123456789abcdefghij',
  short: 'too-short',
};

interface Seen {
  target: string;
  contentType: string;
  body: { SecretId?: string };
}

const seen: Seen[] = [];
let server: LocalServer;

/** Secrets Manager's JSON protocol, as much as GetSecretValue needs. */
async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Seen['body'];
  const target = String(req.headers['x-amz-target'] ?? '');
  seen.push({ target, contentType: String(req.headers['content-type'] ?? ''), body });
  const reply = (status: number, json: object) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(json));
  };
  if (target !== 'secretsmanager.GetSecretValue') {
    reply(400, { __type: 'UnknownOperationException', message: target });
    return;
  }
  const value = body.SecretId === undefined ? undefined : SECRETS[body.SecretId];
  if (value === undefined) {
    reply(400, {
      __type: 'ResourceNotFoundException',
      Message: "Secrets Manager can't find the specified secret.",
    });
    return;
  }
  reply(200, {
    ARN: body.SecretId,
    Name: body.SecretId,
    SecretString: value,
    VersionId: '00000000-0000-0000-0000-000000000001',
    VersionStages: ['AWSCURRENT'],
    CreatedDate: 1_700_000_000,
  });
}

beforeAll(async () => {
  server = await listen(createServer((req, res) => void answer(req, res)));
});

afterAll(async () => {
  await server?.close();
});

const client = () =>
  new SecretsManagerClient({
    endpoint: server.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });

const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:cfrt-key-AbCdEf';
const BASE = Date.UTC(2025, 2, 1, 12, 0, 0);
const FIELDS = 'timestamp,c-ip,sc-status';
const line = (ip: string, i: number) => `${(BASE + i) / 1000}\t${ip}\t200`;

/** One cold start and one batch: the state cells it writes. */
async function coldStart(secretId: string, ips: readonly string[]): Promise<WindowCell[]> {
  const state = createMemorySink<WindowCell>();
  const handler = createHandler({
    fields: FIELDS,
    sinks: [],
    stateSinks: [state],
    hmacKeySecret: secretId,
    clients: { secretsManager: client() },
    log: () => {},
    now: () => BASE + 60_000,
  });
  await handler.ready;
  await handler(kinesisEvent(ips.map(line)), lambdaContext());
  return state.items.map((c) => deserializeCell(serializeCell(c)));
}

const keyIdOf = (cell: WindowCell) => (JSON.parse(serializeCell(cell)) as { h: { k: string } }).h.k;

describe('the client-address key from Secrets Manager', () => {
  it('is read once at cold start with GetSecretValue, by the name the settings give', async () => {
    seen.length = 0;
    expect(await fetchSecretKey(client(), ARN)).toBe(SECRETS[ARN]);
    expect(seen).toEqual([
      {
        target: 'secretsmanager.GetSecretValue',
        contentType: 'application/x-amz-json-1.1',
        body: { SecretId: ARN },
      },
    ]);
  });

  it('keys the distinct-client hashes: two cold starts merge, and the key id is the secret value’s', async () => {
    seen.length = 0;
    const a = await coldStart(ARN, ['203.0.113.7', '198.51.100.4']);
    const b = await coldStart(ARN, ['198.51.100.4', '192.0.2.9']);
    expect(seen).toHaveLength(2);
    expect(keyIdOf(a[0]!)).toBe(createClientHasher(SECRETS[ARN]!).keyId);
    expect(summarize(mergeCells(a[0]!, b[0]!)).uniqueClients).toBe(3);
  });

  it('state written under another key merges as a lower bound, never counting a client twice', async () => {
    const a = await coldStart(ARN, ['203.0.113.7']);
    const other = await coldStart('other-key', ['203.0.113.7', '198.51.100.1']);
    // The same client under two keys: a union would count 3; the larger per-key count is 2.
    expect(summarize(mergeCells(a[0]!, other[0]!)).uniqueClients).toBe(2);
    expect(summarize(mergeCells(other[0]!, a[0]!)).uniqueClients).toBe(2);
  });

  it('a secret that cannot be read or is too short fails the cold start, naming the variable, never the value', async () => {
    await expect(fetchSecretKey(client(), 'missing')).rejects.toThrow(
      /CFRT_HMAC_KEY_SECRET: the secret "missing" could not be read: ResourceNotFoundException/,
    );
    const short = fetchSecretKey(client(), 'short');
    await expect(short).rejects.toBeInstanceOf(HandlerConfigError);
    await expect(short).rejects.toThrow(
      /CFRT_HMAC_KEY_SECRET: the secret "short" must hold at least 16 bytes \(it has 9\)/,
    );
    await expect(short).rejects.not.toThrow(/too-short/);
    const handler = createHandler({
      fields: FIELDS,
      sinks: [],
      hmacKeySecret: 'missing',
      clients: { secretsManager: client() },
      log: () => {},
    });
    await expect(handler.ready).rejects.toThrow(/CFRT_HMAC_KEY_SECRET/);
  });

  it('needs a Secrets Manager client when a secret is named, and one key source, not two', () => {
    expect(() => createHandler({ fields: FIELDS, sinks: [], hmacKeySecret: ARN })).toThrow(
      /clients.secretsManager: is required with hmacKeySecret/,
    );
    expect(() =>
      createHandler({ fields: FIELDS, sinks: [], hmacKeySecret: ARN, hmacKey: 'k'.repeat(32) }),
    ).toThrow(/hmacKeySecret: and hmacKey are two sources of one key/);
  });

  it('the dynamodb sink needs a stable key (a random one per cold start could not be merged)', () => {
    expect(() =>
      createHandler({
        fields: FIELDS,
        sinks: ['dynamodb'],
        tableName: 'windows',
        clients: { dynamodb: { send: async () => ({}) } },
      }),
    ).toThrow(/hmacKeySecret: is required with the dynamodb sink/);
  });
});
