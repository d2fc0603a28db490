/**
 * The responder's state: which blocks of one IP set it manages, and until when. One item in the
 * window table, `pk = #respond#<ip set name>`, `sk = state`, read with GetItem and written with a
 * PutItem conditional on the version read (optimistic: two invocations never overwrite each
 * other's blocks; the loser re-reads and plans again). Nothing else: IAM can confine the function
 * to items whose key starts with `#respond#` (docs/response.md).
 *
 * The blocks are one text attribute, a line per block (`<cidr> <expiry, epoch ms>`, sorted), so an
 * operator can read the item in the console. The SDK is loaded on first use and the client is
 * injected, typed by the one method used.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_MAX_ITEM_BYTES } from '../sinks/aws-limits.js';
import { lazyModule } from '../sinks/lazy-module.js';
import { parseCidr } from './cidr.js';
import type { ManagedBlock } from './plan.js';

const sdk = lazyModule(() => import('@aws-sdk/client-dynamodb'));

/** The partition key prefix of every responder item (the IAM condition's `dynamodb:LeadingKeys`). */
export const STATE_KEY_PREFIX = '#respond#';
/** The sort key of the state item. */
export const STATE_SORT_KEY = 'state';
/**
 * Most bytes of block lines in the state item: DynamoDB's 400 KB item limit less room for the keys,
 * the other attributes and their names (under 1 KB with the longest IP set name).
 */
export const MAX_STATE_BYTES = DYNAMODB_MAX_ITEM_BYTES - 4_096;

/** The state as read: the blocks, and the version a write must find (0: no item yet). */
export interface StoredState {
  readonly version: number;
  readonly managed: readonly ManagedBlock[];
  /** Lines of the stored text that were not a block (a hand edit gone wrong), for the log. */
  readonly badLines: number;
}

/** Where the state lives. */
export interface StateLocation {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** The IP set's name (from its ARN). */
  readonly ipSetName: string;
}

const keyOf = (at: StateLocation): Record<string, AttributeValue> => ({
  pk: { S: `${STATE_KEY_PREFIX}${at.ipSetName}` },
  sk: { S: STATE_SORT_KEY },
});

/**
 * The blocks as the item stores them: one `<cidr> <expiry ms>` line each, sorted by CIDR.
 *
 * @example
 * encodeBlocks([{ cidr: '203.0.113.0/24', expiresAt: 1767229200000 }]); // '203.0.113.0/24 1767229200000\n'
 */
export function encodeBlocks(managed: readonly ManagedBlock[]): string {
  return [...managed]
    .sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0))
    .map((m) => `${m.cidr} ${m.expiresAt}\n`)
    .join('');
}

/**
 * Reads `encodeBlocks` text back. A line that is not a canonical CIDR and a whole-number expiry
 * is counted in `badLines` and skipped, never thrown: one bad line must not stop the sweep of
 * the others.
 *
 * @example
 * decodeBlocks('203.0.113.0/24 1767229200000\n'); // { managed: [{ cidr: '203.0.113.0/24', expiresAt: 1767229200000 }], badLines: 0 }
 */
export function decodeBlocks(text: string): { managed: ManagedBlock[]; badLines: number } {
  const managed: ManagedBlock[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^(\S+) (\d{1,15})$/.exec(line);
    const cidr = m === null ? null : parseCidr(m[1]);
    if (m === null || cidr === null || !cidr.ok || cidr.cidr.text !== m[1]) {
      badLines++;
      continue;
    }
    managed.push({ cidr: m[1]!, expiresAt: Number(m[2]) });
  }
  return { managed, badLines };
}

/**
 * Reads the state item (strongly consistent: the version must be the latest for the write to win).
 *
 * @example
 * const state = await readState({ client, tableName: 'cf-windows', ipSetName: 'cfrt-block-v4' });
 */
export async function readState(at: StateLocation): Promise<StoredState> {
  const { GetItemCommand } = await sdk();
  const out = await at.client.send(
    new GetItemCommand({ TableName: at.tableName, Key: keyOf(at), ConsistentRead: true }),
  );
  const item = out.Item;
  if (item === undefined) return { version: 0, managed: [], badLines: 0 };
  const version = Number(item.version?.N ?? '0');
  const { managed, badLines } = decodeBlocks(item.blocks?.S ?? '');
  return { version: Number.isSafeInteger(version) && version >= 0 ? version : 0, managed, badLines };
}

/**
 * Writes the blocks if the item still has `version` (0: if there is no item yet), as version + 1.
 * Returns `conflict` when another writer got there first (ConditionalCheckFailedException); every
 * other error is thrown.
 *
 * @example
 * const r = await writeState(at, state.version, plan.managed, Date.now()); // 'written' | 'conflict'
 */
export async function writeState(
  at: StateLocation,
  version: number,
  managed: readonly ManagedBlock[],
  now: number,
): Promise<'written' | 'conflict'> {
  const { PutItemCommand } = await sdk();
  const condition =
    version === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: '#v = :v',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':v': { N: String(version) } },
        };
  try {
    await at.client.send(
      new PutItemCommand({
        TableName: at.tableName,
        Item: {
          ...keyOf(at),
          version: { N: String(version + 1) },
          blocks: { S: encodeBlocks(managed) },
          count: { N: String(managed.length) },
          updatedAt: { S: new Date(now).toISOString() },
        },
        ...condition,
      }),
    );
    return 'written';
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') return 'conflict';
    throw error;
  }
}
