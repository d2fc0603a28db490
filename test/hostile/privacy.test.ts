/**
 * Hostile input never costs privacy (issue 13, "Privacy"). Each test is named after what it defends:
 * - stored distinct-client state tests no address without the deployment's key (brute force over a
 *   candidate set recovers none; with the key it recovers every planted one: the test can fail);
 * - secrets in `cs-referer` reach no top list, summary, state, metric or report;
 * - redaction follows the documented policy on a table of real header and parameter names;
 * - a canary planted in every personal field reaches no output (records sink, state, metrics,
 *   summaries, analyze JSON/table/HTML, quarantine, logs);
 * - a quarantine reason never quotes a personal value;
 * - no regular expression (or scanner) applied to log data is super-linear: 100 KB adversarial
 *   inputs run in the test's default timeout (a quadratic one would not).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientHasher } from '../../src/aggregate/client-key.js';
import { hash64 } from '../../src/aggregate/hash.js';
import {
  createAggregator,
  createLineAggregator,
  deserializeCell,
  mergeCells,
  serializeCell,
  summarize,
  type WindowCell,
} from '../../src/aggregate/index.js';
import { analyze } from '../../src/cli/analyze.js';
import { renderHtml } from '../../src/cli/render-html.js';
import { renderTable } from '../../src/cli/render-table.js';
import { botName, tokenAround } from '../../src/enrich/bot-names.js';
import { createEnricher, REDACTED } from '../../src/enrich/index.js';
import {
  createNameMatcher,
  MAX_NAME_LENGTH,
  redactParams,
  redactUrlQuery,
  wordsOf,
} from '../../src/enrich/redact.js';
import { contentCategory, urlInfo } from '../../src/enrich/url.js';
import { createUserAgentClassifier } from '../../src/enrich/user-agent.js';
import { createHandler } from '../../src/handler/create-handler.js';
import { createParser } from '../../src/parser/parser.js';
import { toJson } from '../../src/report/report.js';
import { windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';
import { dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';
import { HEADER_NAMES, PLAIN_QUERY_NAMES, SECRET_QUERY_NAMES } from './fixtures/header-names.js';

const KEY = 'a-deployment-secret-of-48-characters-0123456789ab';
const BASE = Date.UTC(2025, 2, 1, 12, 0, 0);

/** The columns of the test lines, in delivery order (`fieldOrder: 'delivery'`). */
const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'cs-uri-query',
  'cs-referer',
  'cs-user-agent',
  'cs-headers',
  'cs-cookie',
  'x-forwarded-for',
  'x-edge-location',
  'x-edge-result-type',
  'time-taken',
  'c-country',
] as const;

/** A deterministic pseudo-random sequence (mulberry32), so the planted set is the same every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(13);
const octet = () => Math.floor(rnd() * 256);
/** Public-looking IPv4 addresses with host bits set (their /24 differs from them). */
const ipv4 = () => `${11 + Math.floor(rnd() * 180)}.${octet()}.${octet()}.${1 + Math.floor(rnd() * 254)}`;
const ipv6 = () =>
  `2001:db8:${Math.floor(rnd() * 0xffff).toString(16)}:${Math.floor(rnd() * 0xffff).toString(16)}::${(1 + Math.floor(rnd() * 0xfffe)).toString(16)}`;

const PLANTED: readonly string[] = [
  ...new Set([...Array.from({ length: 40 }, ipv4), ...Array.from({ length: 8 }, ipv6)]),
];
/** The attacker's candidates: the planted addresses among a few thousand others. */
const CANDIDATES: readonly string[] = [
  ...new Set([...Array.from({ length: 3_000 }, ipv4), ...Array.from({ length: 200 }, ipv6), ...PLANTED]),
];

/** Secret values planted in personal fields: finding one in any output can only mean it leaked. */
const canary = (what: string, i: number) => `C4NARY${what}${i}x${Math.floor(rnd() * 1e9)}`;

interface Planted {
  readonly lines: string[];
  /** Values that must appear in no output. */
  readonly secrets: string[];
}

const enc = (v: string) => encodeURIComponent(v);

/** Lines with a planted address as c-ip, and secrets and addresses in every personal field. */
function plantedLines(): Planted {
  const secrets: string[] = [];
  const lines = PLANTED.map((ip, i) => {
    const s = (w: string) => {
      const v = canary(w, i);
      secrets.push(v);
      return v;
    };
    const other = PLANTED[(i + 1) % PLANTED.length]!;
    const headers: [string, string][] = [
      ['Host', 'www.example.com'],
      ['X-Original-Forwarded-For', other],
      ['Client-IP', other],
      ['Forwarded-For', other],
      ['x-amzn-oidc-data', s('oidc')],
      ['x-authtoken', s('authtoken')],
      ['x-csrftoken', s('csrf')],
      ['X-Original-URL', `/account?token=${s('origurl')}&page=2`],
      ['CloudFront-Viewer-City', s('City')],
      ['CloudFront-Viewer-Postal-Code', s('Postal')],
      ['CloudFront-Viewer-Latitude', s('Lat')],
      ['CloudFront-Viewer-Longitude', s('Lon')],
      ['CloudFront-Viewer-Metro-Code', s('Metro')],
      ['CloudFront-Viewer-Time-Zone', s('Tz')],
      ['CloudFront-Viewer-Country-Region-Name', s('Region')],
      ['CloudFront-Viewer-Address', `${ip}:443`],
      ['Referer', `https://ref.example/p?password=${s('hdrpw')}`],
    ];
    const query = `accesstoken=${s('acc')}&code=${s('code')}&secretkey=${s('sk')}&page=${i}`;
    const columns: Record<(typeof FIELDS)[number], string> = {
      timestamp: `${(BASE + i * 1_000) / 1000}`,
      'c-ip': ip,
      'sc-status': '200',
      'sc-bytes': '1234',
      'cs-uri-stem': enc(`/app;token=${s('matrix')}/page`),
      'cs-uri-query': enc(query),
      'cs-referer': enc(
        [
          `https://ref.example/a?token=${s('reftok')}`,
          `https://ref.example/b?password=${s('refpw')}`,
          `https://bucket.s3.amazonaws.com/k?X-Amz-Signature=${s('refsig')}&X-Amz-Credential=${s('refcred')}`,
        ][i % 3]!,
      ),
      'cs-user-agent': enc('Mozilla/5.0'),
      'cs-headers': headers.map(([n, v]) => enc(`${n}:${v}`)).join('%0A'),
      'cs-cookie': enc(`session=${s('cookie')}`),
      'x-forwarded-for': `${other},${ip}`,
      'x-edge-location': 'IAD89-C1',
      'x-edge-result-type': 'Hit',
      'time-taken': '0.010',
      'c-country': 'US',
    };
    return FIELDS.map((f) => columns[f]).join('\t');
  });
  return { lines, secrets };
}

/** An old-layout line: an address where the new layout reads `sc-status` (its column 3). */
function oldLayoutLine(ip: string, i: number): string {
  const columns = FIELDS.map(() => '-');
  columns[0] = `${(BASE + i * 1_000) / 1000}`;
  columns[1] = '-';
  columns[2] = ip;
  return columns.join('\t');
}

/** The 64-bit distinct-client hashes stored in a serialized cell's exact phase. */
function storedHashes(cellText: string): bigint[] {
  const h = (JSON.parse(cellText) as { h: { x?: string } | 0 }).h;
  if (h === 0 || h.x === undefined) return [];
  const buf = Buffer.from(h.x, 'base64');
  const out: bigint[] = [];
  for (let i = 0; i < buf.length; i += 8) {
    out.push((BigInt(buf.readUInt32LE(i)) << 32n) | BigInt(buf.readUInt32LE(i + 4)));
  }
  return out;
}

/** The candidates whose hash (computed by `hashOf`) is among the stored ones. */
function recover(stored: readonly bigint[], hashOf: (address: string) => bigint): string[] {
  const set = new Set(stored);
  return CANDIDATES.filter((c) => set.has(hashOf(c)));
}

const out = { hi: 0, lo: 0 };
const unkeyed = (address: string) => {
  hash64(address, out);
  return (BigInt(out.hi) << 32n) | BigInt(out.lo);
};
const keyedWith = (key: string) => {
  const hasher = createClientHasher(key);
  return (address: string) => {
    hasher.hash(address, out);
    return (BigInt(out.hi) << 32n) | BigInt(out.lo);
  };
};

let dynalite: LocalServer;
let dynamodb: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  dynalite = await startDynalite();
  dynamodb = dynamoClient(dynalite.endpoint);
});

afterAll(async () => {
  dynamodb?.destroy();
  await dynalite?.close();
});

/** Everything one handler invocation put anywhere, as text. */
interface Outputs {
  readonly state: string[];
  readonly stored: string[];
  readonly summaries: string;
  readonly emf: string;
  readonly logs: string;
  readonly records: string;
  readonly quarantine: string;
}

async function runHandler(lines: readonly string[], clientIp: 'truncate' | 'hash'): Promise<Outputs> {
  const tableName = `privacy${++tables}`;
  await dynamodb.send(new CreateTableCommand(windowTableDefinition(tableName)));
  const emf: string[] = [];
  const logs: string[] = [];
  const records = createMemorySink<Record<string, unknown>>();
  const handler = createHandler({
    fields: [...FIELDS],
    fieldOrder: 'delivery',
    dimensions: [[], ['country'], ['edgeLocation']],
    clientIp,
    hmacKey: KEY,
    sinks: ['emf', 'dynamodb'],
    tableName,
    clients: { dynamodb },
    recordSinks: [records],
    emfOutput: (line) => emf.push(line),
    log: (line) => logs.push(line),
    now: () => BASE + 120_000,
  });
  const response = await handler(kinesisEvent(lines), lambdaContext());
  expect(response.batchItemFailures).toEqual([]);
  const scan = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  const items = scan.Items ?? [];
  // Window items carry a cell; the series-index items beside them (dimension set, day, series) do
  // not, and are checked as stored text like every other item.
  const cells = items.flatMap((item) => (item.cell?.S === undefined ? [] : [item.cell.S]));
  expect(cells.length).toBeGreaterThan(0);
  return {
    state: cells,
    stored: items.map((item) => JSON.stringify(item)),
    summaries: JSON.stringify(cells.map((c) => summarize(deserializeCell(c), { top: 100 }))),
    emf: emf.join('\n'),
    logs: logs.filter((l) => !l.includes('"cfrt quarantined')).join('\n'),
    records: JSON.stringify(records.items),
    quarantine: logs.filter((l) => l.includes('"cfrt quarantined')).join('\n'),
  };
}

/** The outputs of `cfrt analyze` (JSON, table, HTML) for these lines. */
async function runAnalyze(lines: readonly string[]): Promise<Record<'json' | 'table' | 'html', string>> {
  const dir = mkdtempSync(join(tmpdir(), 'cfrt-privacy-'));
  try {
    const file = join(dir, 'lines.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const report = await analyze({
      fields: [...FIELDS],
      order: 'delivery',
      inputs: [file],
      format: 'json',
      windowSeconds: 60,
      allowedLatenessSeconds: 300,
      samplingRate: 100,
      dimensions: [['country']],
      top: 100,
      topK: 100,
      privacy: { clientIp: 'truncate', geo: 'country', userAgent: true },
      progress: false,
      stats: false,
      strict: false,
    });
    return {
      json: JSON.stringify(toJson(report)),
      table: renderTable(report, { width: 400 }),
      html: renderHtml(report),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('hostile input never costs privacy', () => {
  const { lines, secrets } = plantedLines();

  for (const clientIp of ['truncate', 'hash'] as const) {
    it(`stored distinct-client state tests no address without the key (clientIp ${clientIp}); with the key every planted one`, async () => {
      const outputs = await runHandler(lines, clientIp);
      const hashes = outputs.state.flatMap(storedHashes);
      // The stream-wide cell holds one hash per planted address (exact phase): what an attacker reads.
      expect(hashes.length).toBeGreaterThanOrEqual(PLANTED.length);
      // Without the key: the public hash the state used to hold (and no address text anywhere).
      expect(recover(hashes, unkeyed)).toEqual([]);
      expect(recover(hashes, keyedWith('a-guessed-key-of-sixteen-bytes'))).toEqual([]);
      const everything = Object.values(outputs).flat().join('\n');
      for (const ip of PLANTED) expect(everything).not.toContain(ip);
      // With the key the same brute force finds every planted address: the check can fail.
      expect(recover(hashes, keyedWith(KEY)).sort()).toEqual([...PLANTED].sort());
    });
  }

  it('the canary: no planted secret or address reaches the records sink, state, metrics, summaries, logs or quarantine', async () => {
    const malformed = PLANTED.slice(0, 5).map(oldLayoutLine);
    const outputs = await runHandler([...lines, ...malformed], 'truncate');
    expect(outputs.quarantine.split('\n')).toHaveLength(malformed.length);
    for (const [name, text] of Object.entries(outputs)) {
      const body = Array.isArray(text) ? text.join('\n') : text;
      for (const s of secrets) expect(body, `${s} in ${name}`).not.toContain(s);
      for (const ip of PLANTED) expect(body, `${ip} in ${name}`).not.toContain(ip);
    }
    // The records sink still has the truncated client and the redacted values (what was kept).
    expect(outputs.records).toContain(REDACTED);
    expect(outputs.records).toContain('"client":"');
  });

  it('the canary reaches no cfrt analyze output: JSON, table, HTML', async () => {
    const malformed = PLANTED.slice(0, 5).map(oldLayoutLine);
    const reports = await runAnalyze([...lines, ...malformed]);
    for (const [format, text] of Object.entries(reports)) {
      for (const s of secrets) expect(text, `${s} in ${format}`).not.toContain(s);
      for (const ip of PLANTED) expect(text, `${ip} in ${format}`).not.toContain(ip);
    }
    expect(reports.json).toContain(`/app;token=${REDACTED}/page`);
  });

  it('referer secrets (token=, password=, X-Amz-Signature=) reach no top referer list, with or without an enricher', () => {
    const referers = [
      'https://ref.example/a?token=RT0KEN1&x=1',
      'https://ref.example/b?password=RPASS22',
      'https://b.s3.amazonaws.com/k?X-Amz-Signature=RSIG333&X-Amz-Credential=RCRED44',
    ];
    const raw = referers.map((r, i) => ({ timestamp: BASE + i, 'cs-referer': r, 'c-ip': PLANTED[i]! }));
    const enricher = createEnricher();
    for (const records of [raw, raw.map((r) => enricher.derive(r))]) {
      const agg = createAggregator({ clientKey: KEY });
      for (const r of records) agg.add(r);
      const text = agg
        .cells()
        .map((c) => `${serializeCell(c)}${JSON.stringify(summarize(c))}`)
        .join('');
      for (const secret of ['RT0KEN1', 'RPASS22', 'RSIG333', 'RCRED44']) expect(text).not.toContain(secret);
      expect(text).toContain(`token=${REDACTED}`);
      for (const ip of PLANTED) expect(text).not.toContain(ip);
    }
  });

  it('the line aggregator counts the protected referer and path, as derive does', () => {
    const parser = createParser([...FIELDS], { order: 'delivery' });
    const lines2 = createLineAggregator({
      parser,
      enricher: createEnricher({ redactQueryParams: ['utm_campaign'] }),
      aggregator: createAggregator({ clientKey: KEY }),
    });
    const columns = FIELDS.map(() => '-');
    columns[0] = `${BASE / 1000}`;
    columns[4] = enc('/a;jsessionid=MX1/b');
    columns[6] = enc('https://ref.example/?utm_campaign=MYCAMPAIGN&token=T0K');
    expect(lines2.add(columns.join('\t')).ok).toBe(true);
    const s = summarize(lines2.aggregator.cells()[0]!);
    expect(s.top.referers.map((e) => e.key)).toEqual([
      `https://ref.example/?utm_campaign=${REDACTED}&token=${REDACTED}`,
    ]);
    expect(s.top.paths.map((e) => e.key)).toEqual([`/a;jsessionid=${REDACTED}/b`]);
  });
});

describe('redaction policy, on a table of real names', () => {
  const enrich = createEnricher();
  const keep = createEnricher({ clientIp: 'keep' });
  const VALUE = 'V4LUE-203.0.113.7';

  it.each(HEADER_NAMES)('header %s: %s', (name, rule) => {
    const value = (e: typeof enrich) =>
      (
        e.enrich({ 'cs-headers': [[name, VALUE]] as [string, string][] })['cs-headers'] as [string, string][]
      )[0]![1];
    expect(value(enrich)).toBe(rule === 'keep' ? VALUE : REDACTED);
    // With clientIp 'keep' the address and where it is stay; credentials never do.
    expect(value(keep)).toBe(rule === 'credential' ? REDACTED : VALUE);
  });

  it.each(SECRET_QUERY_NAMES)(
    'parameter %s is redacted in the query, the URL, the referer, a matrix parameter and a fragment',
    (name) => {
      const out = enrich.enrich({
        'cs-uri-query': `page=2&${name}=SEKRET`,
        'cs-uri-stem': `/a;${name}=SEKRET/b?${name}=SEKRET#${name}=SEKRET`,
        'cs-referer': `https://r.example/p?x=1&${name}=SEKRET`,
        'cs-headers': [['X-Original-URL', `/p?${name}=SEKRET`]] as [string, string][],
      });
      expect(JSON.stringify(out)).not.toContain('SEKRET');
    },
  );

  it.each(PLAIN_QUERY_NAMES)('parameter %s is kept', (name) => {
    const out = enrich.enrich({
      'cs-uri-query': `${name}=plain`,
      'cs-referer': `https://r.example/?${name}=plain`,
    });
    expect(out['cs-uri-query']).toBe(`${name}=plain`);
    expect(out['cs-referer']).toBe(`https://r.example/?${name}=plain`);
  });

  it('redacts a pair value whole, whatever it holds (/, +, =, base64), and keeps the rest', () => {
    const isSecret = createNameMatcher([], [], true);
    expect(redactParams('a=1; token=ab/cd+ef==; b=2', isSecret, false)).toBe(`a=1; token=${REDACTED}; b=2`);
    expect(redactUrlQuery('/x/sig=abc/file.mp4?v=1', isSecret)).toBe(`/x/sig=${REDACTED}/file.mp4?v=1`);
  });
});

describe('quarantine reasons never quote a personal value', () => {
  it('an old-layout line with an address in a numeric column is quarantined by field and shape', async () => {
    const logs: string[] = [];
    const handler = createHandler({
      fields: [...FIELDS],
      fieldOrder: 'delivery',
      sinks: [],
      log: (line) => logs.push(line),
      now: () => BASE + 120_000,
    });
    await handler(kinesisEvent(PLANTED.map(oldLayoutLine)), lambdaContext());
    const quarantined = logs.filter((l) => l.includes('quarantined'));
    expect(quarantined.length).toBeGreaterThan(0);
    for (const ip of PLANTED) expect(logs.join('\n')).not.toContain(ip);
    expect(quarantined[0]).toMatch(
      /sc-status: a value of \d+ characters shaped like an IPv(4|6) address is not an integer/,
    );
  });

  it('any value in any column: the reason holds no substring of it longer than 8 characters', () => {
    const parser = createParser(['timestamp', 'sc-status', 'time-taken']);
    fc.assert(
      fc.property(
        fc.string({ minLength: 9, maxLength: 60 }).filter((s) => !/[\t\n\r]/.test(s)),
        (value) => {
          const result = parser.parseLine(`1.5\t${value}\t0.1`);
          if (result.ok) return;
          for (let i = 0; i + 9 <= value.length; i++)
            expect(result.reason).not.toContain(value.slice(i, i + 9));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('no regular expression applied to log data is super-linear (100 KB adversarial inputs)', () => {
  const K100 = 100 * 1024;
  const repeat = (unit: string) => unit.repeat(Math.ceil(K100 / unit.length)).slice(0, K100);
  const ADVERSARIAL = [
    repeat('A'),
    repeat('Aa'),
    repeat('a'),
    repeat('a='),
    repeat('=;'),
    repeat('/v1'),
    repeat('/'),
    repeat('.ism'),
    repeat(' a'),
    repeat('(a'),
    repeat('-'),
    repeat('%'),
    repeat('?&'),
    `/v${repeat('1')}x`,
    ` ${repeat('b')}`,
  ];

  it('name splitting and judging (the quadratic /([A-Z]+)([A-Z][a-z])/ is gone)', () => {
    const isSecret = createNameMatcher([], [/^x-internal-/i], {
      secrets: true,
      addresses: true,
      locations: true,
    });
    for (const s of ADVERSARIAL) {
      expect(wordsOf(s).join('').length).toBeLessThanOrEqual(s.length);
      // A name past MAX_NAME_LENGTH is redacted without being judged.
      expect(isSecret(s)).toBe(true);
      expect(isSecret(s.slice(0, MAX_NAME_LENGTH))).toBeTypeOf('boolean');
    }
    // The reproduction: 50 records of long upper-case parameter names (6 s before).
    const enricher = createEnricher();
    for (let i = 0; i < 50; i++) enricher.enrich({ 'cs-uri-query': `${'X'.repeat(20_000)}${i}=v` });
  });

  it('redaction of queries, URLs and header values', () => {
    const isSecret = createNameMatcher([], [], true);
    for (const s of ADVERSARIAL) {
      redactParams(s, isSecret, true);
      redactParams(s, isSecret, false);
      redactParams(`token=${s}`, isSecret, false);
    }
  });

  it('URL facts: API_PATH and SMOOTH_MANIFEST on paths and cache behaviors', () => {
    for (const s of ADVERSARIAL) {
      contentCategory(s, null, s, null);
      urlInfo(s, s, s, s);
    }
  });

  it('user agents: isbot, ua-parser-js (first 512 characters), KNOWN_BOTS, SELF_NAMED_BOT, tokenAround', () => {
    const ua = createUserAgentClassifier(0);
    for (const s of ADVERSARIAL) {
      ua.classify(s);
      ua.classify(`Mozilla/5.0 (compatible; ${s}bot)`);
      // The bot-name patterns, on the whole 100 KB (classify gives them 512 characters).
      botName(s, null);
      botName(`${s}bot`, 'bot');
      tokenAround(s, s.slice(K100 / 2, K100 / 2 + 3));
    }
  });

  it('the whole enricher on a record with 100 KB in every text field', () => {
    const enricher = createEnricher({ clientAddress: 'x-forwarded-for' });
    for (const s of ADVERSARIAL) {
      enricher.enrich({
        'c-ip': s,
        'x-forwarded-for': [s, s],
        'cs-uri-stem': s,
        'cs-uri-query': s,
        'cs-referer': s,
        'cs-user-agent': s,
        'cs-headers': [
          [s, s],
          ['Referer', s],
          ['X-Forwarded-For', s],
        ] as [string, string][],
      });
    }
  });
});

describe('the key: same key, mergeable; another key, refused', () => {
  it('cells of one key merge across aggregators (invocations); cells of two keys never merge', () => {
    const cellsOf = (key: string | undefined, ips: readonly string[]): WindowCell => {
      const agg = createAggregator(key === undefined ? {} : { clientKey: key });
      for (const ip of ips) agg.add({ timestamp: BASE, 'c-ip': ip });
      return deserializeCell(serializeCell(agg.cells()[0]!));
    };
    const a = cellsOf(KEY, PLANTED.slice(0, 20));
    const b = cellsOf(KEY, PLANTED.slice(10));
    expect(summarize(mergeCells(a, b)).uniqueClients).toBe(PLANTED.length);
    // Under another key (a rotation, or an unkeyed cell) the same addresses are other numbers:
    // the merge keeps the larger per-key count, never a union that would count a client twice.
    const rotated = cellsOf(`${KEY}-rotated`, PLANTED.slice(10));
    expect(summarize(mergeCells(a, rotated)).uniqueClients).toBe(Math.max(20, PLANTED.length - 10));
    const unkeyed = cellsOf(undefined, PLANTED.slice(10));
    expect(summarize(mergeCells(a, unkeyed)).uniqueClients).toBe(Math.max(20, PLANTED.length - 10));
  });
});
