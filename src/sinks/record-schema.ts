/**
 * The schema of the processed records the Kinesis sink writes (one JSON object a line): every
 * CloudFront field of the catalogue, by its kind, and every key an enricher adds, by its type.
 * The archive's Glue table and the search tier's index template are generated from it
 * (`glueColumns`, `openSearchIndexTemplate`), so neither can drift from what the handler writes:
 * a new catalogue field or derived key changes them, and the compile-time check below fails when
 * `DERIVED_KEY_TYPES` misses a key of `EnrichedFields` or names one it does not have.
 */

import type {
  CacheFields,
  CityGeoFields,
  ClientFields,
  EdgeFields,
  RefererFields,
  StatusFields,
  UrlFields,
  UserAgentFields,
} from '../enrich/types.js';
import { CACHE_CLASSES, type CrawlerVerdict, STATUS_CLASSES } from '../model/classes.js';
import { FIELD_CATALOGUE, type FieldKind } from '../parser/fields.js';

/**
 * A value's type in a processed record, after `JSON.stringify` (so `undefined` never appears and
 * a non-finite number is `null`). Every value may also be `null`.
 * - `epoch-ms`: integer epoch milliseconds (the record's event time).
 * - `bigint`: an integer; `int`: a small integer; `double`: any number.
 * - `scalar`: a number or a string (CMCD values: numeric where CloudFront sent a number).
 */
export type ValueType =
  | { readonly type: 'string'; readonly values?: readonly string[] }
  | { readonly type: 'epoch-ms' | 'bigint' | 'int' | 'double' | 'boolean' | 'scalar' }
  | { readonly type: 'array'; readonly element: ValueType }
  | { readonly type: 'struct'; readonly fields: Readonly<Record<string, ValueType>> };

/** One top-level key of a processed record. */
export interface RecordKey {
  readonly key: string;
  readonly type: ValueType;
  /** `field`: a CloudFront field (kebab-case); `derived`: added by the enricher (camelCase). */
  readonly source: 'field' | 'derived';
  readonly description: string;
}

const STRING = { type: 'string' } as const;
const BOOLEAN = { type: 'boolean' } as const;
const INT = { type: 'int' } as const;
const DOUBLE = { type: 'double' } as const;
const strings = { type: 'array', element: STRING } as const;

/** How each field kind reads in a processed record (see `KindValues` in parser/fields.ts). */
export const KIND_TYPES: Readonly<Record<FieldKind, ValueType>> = {
  timestamp: { type: 'epoch-ms' },
  int: { type: 'bigint' },
  seconds: DOUBLE,
  text: STRING,
  'ip-list': strings,
  'header-names': strings,
  // `[name, value]` pairs.
  headers: { type: 'array', element: strings },
  cmcd: { type: 'scalar' },
};

/** The descriptor type a value of TypeScript type `V` must have (compile-time drift check). */
type TypeOf<V> = [V] extends [boolean]
  ? typeof BOOLEAN
  : [V] extends [number]
    ? typeof INT | typeof DOUBLE
    : [V] extends [string]
      ? { readonly type: 'string'; readonly values?: readonly string[] }
      : [V] extends [object]
        ? {
            readonly type: 'struct';
            readonly fields: { readonly [K in keyof V]-?: TypeOf<NonNullable<V[K]>> };
          }
        : never;
type AllDerived = StatusFields &
  CacheFields &
  UrlFields &
  UserAgentFields &
  EdgeFields &
  CityGeoFields &
  ClientFields &
  RefererFields;
type DerivedTypes = { readonly [K in keyof AllDerived]-?: TypeOf<NonNullable<AllDerived[K]>> };

/**
 * Every key an enricher may add, with its type (`geo` as city-level geography gives it, a superset
 * of the country-only form). Checked against the enricher's types at compile time: a key added to
 * `EnrichedFields` without one here does not build.
 */
/** What `ua.crawler` may hold (enrich's verdict on a claimed crawler). */
const CRAWLER_VERDICTS: readonly CrawlerVerdict[] = ['verified', 'spoofed'];

export const DERIVED_KEY_TYPES = {
  statusClass: { type: 'string', values: STATUS_CLASSES },
  isError: BOOLEAN,
  cacheClass: { type: 'string', values: CACHE_CLASSES },
  originShield: BOOLEAN,
  errorKind: STRING,
  url: {
    type: 'struct',
    fields: { path: STRING, extension: STRING, category: STRING, queryParamCount: INT },
  },
  ua: {
    type: 'struct',
    fields: {
      browser: STRING,
      browserMajor: STRING,
      os: STRING,
      device: STRING,
      isBot: BOOLEAN,
      botName: STRING,
      crawler: { type: 'string', values: CRAWLER_VERDICTS },
    },
  },
  edge: { type: 'struct', fields: { airport: STRING, city: STRING, country: STRING, continent: STRING } },
  geo: {
    type: 'struct',
    fields: {
      country: STRING,
      region: STRING,
      city: STRING,
      latitude: DOUBLE,
      longitude: DOUBLE,
      timezone: STRING,
    },
  },
  client: STRING,
  referer: STRING,
} as const satisfies DerivedTypes;

const DERIVED_DESCRIPTIONS: Readonly<Record<keyof typeof DERIVED_KEY_TYPES, string>> = {
  statusClass: 'Status class of sc-status (1xx-5xx, 000).',
  isError: 'sc-status >= 400 or 000.',
  cacheClass: 'Cache class of the result type (hit, miss, error, redirect, other).',
  originShield: 'x-edge-detailed-result-type was OriginShieldHit.',
  errorKind: 'For errors: the detailed result type.',
  url: 'Path (protected), extension, content category, query parameter count.',
  ua: 'Browser, OS, device and bot of cs-user-agent.',
  edge: 'Airport, city, country, continent of x-edge-location.',
  geo: 'Viewer country (c-country), or city-level geography of the client address.',
  client: 'The client address after the privacy policy (truncated or hashed).',
  referer: 'cs-referer with secret query values redacted.',
};

/**
 * The keys a processed record may have, in the order they are written: CloudFront's fields in
 * canonical order, then the derived keys.
 *
 * @example
 * recordKeys().find((k) => k.key === 'sc-status')?.type; // { type: 'bigint' }
 */
export function recordKeys(): RecordKey[] {
  return [
    ...FIELD_CATALOGUE.map(
      (f): RecordKey => ({
        key: f.name,
        type: KIND_TYPES[f.kind],
        source: 'field',
        description: f.description,
      }),
    ),
    ...Object.entries(DERIVED_KEY_TYPES).map(
      ([key, type]): RecordKey => ({
        key,
        type,
        source: 'derived',
        description: DERIVED_DESCRIPTIONS[key as keyof typeof DERIVED_KEY_TYPES],
      }),
    ),
  ];
}

/**
 * Where `value` does not fit `type`, as `path: reason` strings (empty when it fits). `null` fits
 * every type; a struct may lack keys (they read as `null`) but has no others.
 *
 * @example
 * typeProblems({ type: 'bigint' }, 1.5, 'sc-status'); // ['sc-status: 1.5 is not an integer']
 */
export function typeProblems(type: ValueType, value: unknown, path: string): string[] {
  if (value === null) return [];
  const got = (what: string) => [`${path}: ${JSON.stringify(value)?.slice(0, 80)} is not ${what}`];
  switch (type.type) {
    case 'string':
      if (typeof value !== 'string') return got('a string');
      if (type.values !== undefined && !type.values.includes(value))
        return got(`one of ${type.values.join(', ')}`);
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : got('a boolean');
    case 'double':
      return typeof value === 'number' ? [] : got('a number');
    case 'int':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1 ? [] : got('an int');
    case 'bigint':
    case 'epoch-ms':
      return Number.isSafeInteger(value) ? [] : got('an integer');
    case 'scalar':
      return typeof value === 'number' || typeof value === 'string' ? [] : got('a number or a string');
    case 'array':
      if (!Array.isArray(value)) return got('an array');
      return value.flatMap((item, i) => typeProblems(type.element, item, `${path}[${i}]`));
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) return got('an object');
      return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => {
        const field = type.fields[key];
        return field === undefined
          ? [`${path}.${key}: not in the schema`]
          : typeProblems(field, item, `${path}.${key}`);
      });
    }
  }
}

// ---------------------------------------------------------------- Glue / Athena

/** A Glue column (`AWS::Glue::Table` StorageDescriptor.Columns). */
export interface GlueColumn {
  readonly Name: string;
  readonly Type: string;
  readonly Comment: string;
}

/**
 * The Glue/Athena name of a record key: lower case (Glue lower-cases names, and the OpenX JSON SerDe
 * matches keys case-insensitively), `-` as `_` (Athena names allow only letters, digits, `_`).
 *
 * @example
 * glueName('sc-status');   // 'sc_status'
 * glueName('statusClass'); // 'statusclass'
 */
export function glueName(key: string): string {
  return key.toLowerCase().replaceAll('-', '_');
}

/**
 * The Hive type string of a value type.
 *
 * @example
 * glueType({ type: 'array', element: { type: 'string' } }); // 'array<string>'
 */
export function glueType(type: ValueType): string {
  switch (type.type) {
    case 'string':
    case 'scalar':
      // A CMCD number is read as its text by the OpenX SerDe; Athena can CAST it.
      return 'string';
    case 'epoch-ms':
    case 'bigint':
      return 'bigint';
    case 'int':
      return 'int';
    case 'double':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `array<${glueType(type.element)}>`;
    case 'struct':
      return `struct<${Object.entries(type.fields)
        .map(([name, field]) => `${glueName(name)}:${glueType(field)}`)
        .join(',')}>`;
  }
}

/** Glue's limit on a column comment. */
const GLUE_MAX_COMMENT = 255;

/**
 * The archive table's columns: one per record key, in record order.
 *
 * @example
 * glueColumns()[0]; // { Name: 'timestamp', Type: 'bigint', Comment: 'When the edge ...' }
 */
export function glueColumns(): GlueColumn[] {
  return recordKeys().map((k) => ({
    Name: glueName(k.key),
    Type: glueType(k.type),
    Comment: k.description.slice(0, GLUE_MAX_COMMENT),
  }));
}

/**
 * The OpenX JSON SerDe parameters that map each column whose name is not its key lower-cased
 * (`mapping.sc_status` = `sc-status`), with `case.insensitive` left on for the camelCase keys.
 *
 * @example
 * jsonSerdeParameters()['mapping.sc_status']; // 'sc-status'
 */
export function jsonSerdeParameters(): Record<string, string> {
  const out: Record<string, string> = { 'case.insensitive': 'true' };
  for (const k of recordKeys()) {
    const name = glueName(k.key);
    if (name !== k.key.toLowerCase()) out[`mapping.${name}`] = k.key.toLowerCase();
  }
  return out;
}

// ---------------------------------------------------------------- OpenSearch

/** An OpenSearch field mapping. */
export type OpenSearchMapping =
  | { readonly type: string; readonly [option: string]: unknown }
  | { readonly properties: Readonly<Record<string, OpenSearchMapping>> };

/** Keyword values longer than this are kept in `_source` but not indexed (a hostile URL, a header dump). */
export const KEYWORD_IGNORE_ABOVE = 2048;

/** Fields mapped as `ip` (never protected, so always an address or null); bad values are ignored, not refused. */
const IP_FIELDS = new Set(['s-ip']);

function openSearchMapping(key: string, type: ValueType): OpenSearchMapping {
  switch (type.type) {
    case 'string':
    case 'scalar':
      return IP_FIELDS.has(key)
        ? { type: 'ip', ignore_malformed: true }
        : { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
    case 'epoch-ms':
      return { type: 'date', format: 'epoch_millis' };
    case 'bigint':
      return { type: 'long' };
    case 'int':
      return { type: 'integer' };
    case 'double':
      return { type: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'array':
      // OpenSearch has no array type: a field holds one value or many (nested arrays flatten).
      return openSearchMapping(key, type.element);
    case 'struct':
      return {
        properties: Object.fromEntries(
          Object.entries(type.fields).map(([name, field]) => [name, openSearchMapping(name, field)]),
        ),
      };
  }
}

/** The index pattern of the search tier's indexes. */
export const SEARCH_INDEX_PATTERN = 'cfrt-records*';

/**
 * The composable index template (`PUT _index_template/cfrt-records`) of the search tier: the
 * record keys as they are written (kebab-case fields, camelCase derived objects), `timestamp` a
 * date, numbers as numbers, everything else keyword. `dynamic: false`: a key outside the
 * catalogue (a raw field) is kept in `_source` without growing the mapping. `timestamp` is the
 * index's event time (`index.timestamp_field`: a time series collection otherwise requires
 * `@timestamp` in every document and refuses the rest).
 *
 * @example
 * openSearchIndexTemplate().template.mappings.properties.timestamp; // { type: 'date', format: 'epoch_millis' }
 */
export function openSearchIndexTemplate(): {
  index_patterns: string[];
  template: {
    settings: { index: { timestamp_field: string } };
    mappings: { dynamic: boolean; properties: Record<string, OpenSearchMapping> };
  };
} {
  return {
    index_patterns: [SEARCH_INDEX_PATTERN],
    template: {
      settings: { index: { timestamp_field: 'timestamp' } },
      mappings: {
        dynamic: false,
        properties: Object.fromEntries(recordKeys().map((k) => [k.key, openSearchMapping(k.key, k.type)])),
      },
    },
  };
}
