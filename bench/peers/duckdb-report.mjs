/**
 * The peer of `cfrt analyze` in SQL: DuckDB (`@duckdb/node-api`, bench/package.json only) computing
 * the figures of analyze's report from the same tab-separated file: per minute the requests,
 * bytes, status and cache classes, latency p50/p90/p99 (`approx_quantile`, a sketch like analyze's
 * DDSketch) and distinct clients (`approx_count_distinct`, a HyperLogLog like analyze's); over the
 * whole file the top 10 paths, miss paths, error paths, clients (IPv4 /24, IPv6 /48), referers,
 * user agents (percent-decoded), countries and edge locations (exact GROUP BY: what SQL users write).
 *
 *   node bench/peers/duckdb-report.mjs <file.tsv> <comma-separated field list> [threads]
 *
 * The file is read once into a table of the columns the report needs (measured: faster than
 * scanning the CSV once per query, for the nine queries), then queried; the report goes to stdout
 * as JSON. Plain JavaScript so that no TypeScript loader runs beside it in the measured process.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [file, fieldList, threads] = process.argv.slice(2);
if (file === undefined || fieldList === undefined) {
  process.stderr.write('usage: duckdb-report.mjs <file.tsv> <fields> [threads]\n');
  process.exit(2);
}
const fields = fieldList.split(',');
const q = (name) => `"${name.replaceAll('"', '""')}"`;
const has = (name) => fields.includes(name);
const num = (name) => (has(name) ? `TRY_CAST(${q(name)} AS DOUBLE)` : 'NULL::DOUBLE');
const text = (name) => (has(name) ? `NULLIF(NULLIF(${q(name)}, '-'), '')` : 'NULL::VARCHAR');

const instance = await DuckDBInstance.create(':memory:', threads === undefined ? {} : { threads });
const db = await instance.connect();
const columns = `{${fields.map((f) => `'${f.replaceAll("'", "''")}': 'VARCHAR'`).join(', ')}}`;
await db.run(`
  CREATE TEMP TABLE logs AS SELECT
    CAST(${num('timestamp')} * 1000 AS BIGINT) AS ts,
    ${text('c-ip')} AS ip,
    CAST(${num('sc-status')} AS INTEGER) AS status,
    ${num('sc-bytes')} AS bytes_out,
    ${num('cs-bytes')} AS bytes_in,
    ${num('time-taken')} AS time_taken,
    ${num('time-to-first-byte')} AS ttfb,
    ${text('x-edge-result-type')} AS result,
    ${text('cs-uri-stem')} AS path,
    ${text('cs-referer')} AS referer,
    ${text('cs-user-agent')} AS ua,
    ${text('c-country')} AS country,
    ${text('x-edge-location')} AS edge
  FROM read_csv('${file.replaceAll("'", "''")}', delim = '\t', header = false, quote = '', escape = '',
    auto_detect = false, columns = ${columns}, ignore_errors = true)
`);

const timeline = await db.runAndReadAll(`
  SELECT ts // 60000 * 60000 AS minute,
    count(*) AS requests,
    sum(bytes_out) AS bytes_out,
    sum(bytes_in) AS bytes_in,
    count(*) FILTER (status BETWEEN 200 AND 299) AS s2xx,
    count(*) FILTER (status BETWEEN 300 AND 399) AS s3xx,
    count(*) FILTER (status BETWEEN 400 AND 499) AS s4xx,
    count(*) FILTER (status >= 500) AS s5xx,
    count(*) FILTER (result IN ('Hit', 'RefreshHit')) AS hits,
    count(*) FILTER (result = 'Miss') AS misses,
    approx_quantile(time_taken, [0.5, 0.9, 0.99]) AS time_taken,
    approx_quantile(ttfb, [0.5, 0.9, 0.99]) AS ttfb,
    approx_count_distinct(ip) AS clients
  FROM logs GROUP BY ALL ORDER BY minute
`);

const client = `CASE WHEN contains(ip, ':') THEN array_to_string(string_split(ip, ':')[1:3], ':') || '::/48'
  ELSE regexp_replace(ip, '\\.[0-9]+$', '.0') END`;
const lists = {
  paths: ['path', 'TRUE'],
  missPaths: ['path', "result = 'Miss'"],
  errorPaths: ['path', 'status >= 400'],
  clients: [client, 'ip IS NOT NULL'],
  referers: ['referer', 'TRUE'],
  userAgents: ['url_decode(ua)', 'TRUE'],
  countries: ['country', 'TRUE'],
  edgeLocations: ['edge', 'TRUE'],
};
const top = {};
for (const [name, [key, where]] of Object.entries(lists)) {
  const rows = await db.runAndReadAll(
    `SELECT ${key} AS key, count(*) AS n FROM logs WHERE ${where} AND ${key} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
  );
  top[name] = rows.getRowObjectsJson();
}
const report = { windows: timeline.getRowObjectsJson(), top };
process.stdout.write(`${JSON.stringify(report)}\n`);
