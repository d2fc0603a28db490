/**
 * The archive and search tiers of infra/template.yaml (issue 16), offline: off by default and one
 * parameter each; the Glue columns, the index template and the dashboards equal what the record
 * schema generates; Firehose partitions by event time exactly as src/sinks/archive-layout.ts lays
 * records out; every bucket encrypted, private and TLS-only; the collection's policies admit the
 * Firehose role and the named principals only; the saved queries and panels read only fields the
 * schema has. (The SAM schema, resource specification and wildcard-grant checks of
 * template.test.ts cover these resources too.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withGeneratedBlock } from '../../scripts/infra-artifacts.js';
import {
  dashboardSavedObjects,
  INDEX_PATTERN_ID,
  savedObjectsNdjson,
} from '../../scripts/search-dashboards.js';
import {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_FILE_EXTENSION,
  ARCHIVE_PARTITION_QUERY,
  ARCHIVE_PREFIX,
  archivePartition,
} from '../../src/sinks/archive-layout.js';
import {
  glueColumns,
  jsonSerdeParameters,
  type OpenSearchMapping,
  openSearchIndexTemplate,
  SEARCH_INDEX_PATTERN,
} from '../../src/sinks/record-schema.js';
import { isObject, type Json, loadTemplate, type Template } from './cfn-yaml.js';
import { findWildcardDataPlaneGrants, identityStatements } from './iam.js';
import { resolveTemplate } from './resolve.js';

const repo = new URL('../../', import.meta.url);
/** `${name}` (CloudFormation's Sub syntax, kept out of reach of JS template-string lints). */
const ref = (name: string) => `$${'{'}${name}}`;
const TEMPLATE_PATH = new URL('infra/template.yaml', repo);
const template = loadTemplate(TEMPLATE_PATH);
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};
const props = (id: string): Record<string, Json> => resource(id).Properties ?? {};
const at = (root: Json | undefined, ...path: (string | number)[]): Json | undefined => {
  let value = root;
  for (const key of path)
    value = Array.isArray(value) ? value[Number(key)] : isObject(value) ? value[String(key)] : undefined;
  return value;
};
const ofType = (type: string, t: Template = template) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);

const ARCHIVE_ONLY = [
  'ArchiveBucket',
  'ArchiveBucketPolicy',
  'AthenaResultsBucket',
  'AthenaResultsBucketPolicy',
  'ArchiveDeliveryLogStream',
  'ArchiveDeliveryRole',
  'ArchiveDeliveryStream',
  'ArchiveDatabase',
  'ArchiveTable',
  'ArchiveWorkGroup',
  'SlowestRequestsQuery',
  'ServerErrorsByPathAndEdgeQuery',
  'ClientRequestsQuery',
  'TopReferersQuery',
  'ArchiveReaderPolicy',
];
const SEARCH_ONLY = [
  'SearchEncryptionPolicy',
  'SearchNetworkPolicy',
  'SearchAccessPolicy',
  'SearchLifecyclePolicy',
  'SearchCollection',
  'SearchBackupBucket',
  'SearchBackupBucketPolicy',
  'SearchDeliveryLogStream',
  'SearchDeliveryRole',
  'SearchDeliveryStream',
  'SearchReaderPolicy',
];

/** The resources deployed with these parameter values. */
const deployed = (overrides: Record<string, string> = {}): string[] => {
  const r = resolveTemplate(template, overrides);
  return Object.entries(template.Resources)
    .filter(([, x]) => x.Condition === undefined || r.condition(String(x.Condition)))
    .map(([id]) => id);
};

describe('the archive and search tiers: switches', () => {
  it('are off by default, each turned on by one parameter, and either one turns the processed stream on', () => {
    const base = deployed();
    for (const id of [...ARCHIVE_ONLY, ...SEARCH_ONLY, 'ArchiveKey', 'DeliveryLogGroup'])
      expect(base, id).not.toContain(id);
    const archive = deployed({ CreateArchive: 'true' });
    expect(archive.filter((id) => !base.includes(id)).sort()).toEqual(
      [...ARCHIVE_ONLY, 'ArchiveKey', 'DeliveryLogGroup', 'ProcessedStream'].sort(),
    );
    const search = deployed({ CreateSearch: 'true' });
    expect(search.filter((id) => !base.includes(id)).sort()).toEqual(
      [...SEARCH_ONLY, 'ArchiveKey', 'DeliveryLogGroup', 'ProcessedStream'].sort(),
    );
    // The handler gets the kinesis sink and the stream's name with either tier.
    const env = at(props('ProcessorFunction'), 'Environment', 'Variables')!;
    for (const on of [{ CreateArchive: 'true' }, { CreateSearch: 'true' }] as Record<string, string>[]) {
      const resolved = resolveTemplate(template, on).resolve(env) as Record<string, string>;
      expect(resolved.CFRT_SINKS).toBe('emf,dynamodb,kinesis');
      expect(resolved.CFRT_PROCESSED_STREAM_NAME).toBe('ProcessedStream');
    }
  });

  it('outputs where the records are, only when their tier is on', () => {
    const outputs = template.Outputs ?? {};
    for (const name of [
      'ArchiveBucketName',
      'ArchiveDatabaseName',
      'ArchiveWorkGroupName',
      'ArchiveReaderPolicyArn',
    ])
      expect(outputs[name]?.Condition, name).toBe('HasArchive');
    for (const name of [
      'SearchCollectionEndpoint',
      'SearchDashboardsUrl',
      'SearchBackupBucketName',
      'SearchReaderPolicyArn',
    ])
      expect(outputs[name]?.Condition, name).toBe('HasSearch');
  });
});

describe('the archive tier: Firehose, S3, Glue, Athena', () => {
  const s3 = () => props('ArchiveDeliveryStream').ExtendedS3DestinationConfiguration as Record<string, Json>;

  it('reads the processed stream and partitions by the records own event time, as layOutArchive does', () => {
    const stream = props('ArchiveDeliveryStream');
    expect(stream.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(at(stream, 'KinesisStreamSourceConfiguration', 'KinesisStreamARN')).toEqual({
      'Fn::GetAtt': ['ProcessedStream', 'Arn'],
    });
    const dest = s3();
    expect(dest.Prefix).toBe(
      `${ARCHIVE_PREFIX}dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/`,
    );
    expect(
      String(dest.ErrorOutputPrefix).startsWith(`${ARCHIVE_ERROR_PREFIX}!{firehose:error-output-type}/`),
    ).toBe(true);
    expect(dest.FileExtension).toBe(ARCHIVE_FILE_EXTENSION);
    expect(dest.CompressionFormat).toBe('GZIP');
    expect(at(dest, 'DynamicPartitioningConfiguration', 'Enabled')).toBe(true);
    // Dynamic partitioning refuses a buffer under 64 MB.
    expect(Number(at(dest, 'BufferingHints', 'SizeInMBs'))).toBeGreaterThanOrEqual(64);
    const processor = at(dest, 'ProcessingConfiguration', 'Processors', 0) as Record<string, Json>;
    expect(processor.Type).toBe('MetadataExtraction');
    const parameters = Object.fromEntries(
      (processor.Parameters as { ParameterName: string; ParameterValue: string }[]).map((p) => [
        p.ParameterName,
        p.ParameterValue,
      ]),
    );
    expect(parameters).toEqual({
      MetadataExtractionQuery: ARCHIVE_PARTITION_QUERY,
      JsonParsingEngine: 'JQ-1.6',
    });
    // The partition keys the query names are the ones the prefix reads.
    expect([...ARCHIVE_PARTITION_QUERY.matchAll(/(\w+): \(/g)].map((m) => m[1])).toEqual(['dt', 'hour']);
    expect(at(dest, 'EncryptionConfiguration', 'KMSEncryptionConfig', 'AWSKMSKeyARN')).toEqual({
      'Fn::GetAtt': ['ArchiveKey', 'Arn'],
    });
    expect(at(dest, 'CloudWatchLoggingOptions', 'Enabled')).toBe(true);
  });

  it('has a Glue table whose columns and SerDe mappings are the ones the record schema generates', () => {
    const descriptor = at(props('ArchiveTable'), 'TableInput', 'StorageDescriptor') as Record<string, Json>;
    expect(descriptor.Columns).toEqual(glueColumns());
    expect(at(descriptor, 'SerdeInfo', 'Parameters')).toEqual(jsonSerdeParameters());
    expect(at(descriptor, 'SerdeInfo', 'SerializationLibrary')).toBe('org.openx.data.jsonserde.JsonSerDe');
    // And byte for byte: scripts/infra-artifacts.ts would write the template as it is.
    const text = readFileSync(TEMPLATE_PATH, 'utf8');
    expect(withGeneratedBlock(text) === text, 'run: npx tsx scripts/infra-artifacts.ts').toBe(true);
  });

  it('reads the partitions Firehose writes, by projection: the table location and template match the layout', () => {
    const input = at(props('ArchiveTable'), 'TableInput') as Record<string, Json>;
    const resolved = resolveTemplate(template, { CreateArchive: 'true' }).resolve(input) as Record<
      string,
      Json
    >;
    const location = String(at(resolved, 'StorageDescriptor', 'Location'));
    expect(location).toBe(`s3://ArchiveBucket/${ARCHIVE_PREFIX}`);
    const parameters = resolved.Parameters as Record<string, string>;
    expect(parameters['projection.enabled']).toBe('true');
    // The location template, filled with a partition's values, is the partition layOutArchive writes.
    const time = Date.UTC(2026, 11, 2, 7, 30);
    const filled = parameters['storage.location.template']!.replace(ref('dt'), '2026-12-02').replace(
      ref('hour'),
      '07',
    );
    expect(filled).toBe(`${location}${archivePartition(time)}`);
    expect(parameters['projection.dt.format']).toBe('yyyy-MM-dd');
    expect(parameters['projection.hour.values']!.split(',')).toEqual(
      Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')),
    );
    expect((resolved.PartitionKeys as { Name: string }[]).map((k) => k.Name)).toEqual(['dt', 'hour']);
  });

  it('moves records to Glacier and deletes them after the parameters, errors included', () => {
    const rules = at(props('ArchiveBucket'), 'LifecycleConfiguration', 'Rules') as Record<string, Json>[];
    const records = rules.find((r) => r.Prefix === ARCHIVE_PREFIX)!;
    expect(records.Transitions).toEqual([
      { StorageClass: 'GLACIER', TransitionInDays: { Ref: 'ArchiveGlacierDays' } },
    ]);
    expect(records.ExpirationInDays).toEqual({ Ref: 'ArchiveExpiryDays' });
    expect(rules.find((r) => r.Prefix === ARCHIVE_ERROR_PREFIX)?.ExpirationInDays).toEqual({
      Ref: 'ArchiveExpiryDays',
    });
    const glacier = template.Parameters!.ArchiveGlacierDays!;
    const expiry = template.Parameters!.ArchiveExpiryDays!;
    // S3 refuses an expiry at or before the transition: the defaults keep Glacier's 90-day minimum.
    expect(Number(expiry.Default)).toBeGreaterThanOrEqual(Number(glacier.Default) + 90);
  });

  it('runs queries in a workgroup that enforces encrypted results in its own bucket and caps the bytes scanned', () => {
    const config = at(props('ArchiveWorkGroup'), 'WorkGroupConfiguration') as Record<string, Json>;
    expect(config.EnforceWorkGroupConfiguration).toBe(true);
    expect(at(config, 'ResultConfiguration', 'EncryptionConfiguration')).toEqual({
      EncryptionOption: 'SSE_KMS',
      KmsKey: { 'Fn::GetAtt': ['ArchiveKey', 'Arn'] },
    });
    expect(at(config, 'ResultConfiguration', 'OutputLocation')).toEqual({
      'Fn::Sub': `s3://${ref('AthenaResultsBucket')}/`,
    });
    expect(Number(config.BytesScannedCutoffPerQuery)).toBeLessThanOrEqual(10 * 2 ** 30);
  });

  it('saves the queries an SRE runs first, reading only columns of the table and always a day partition', () => {
    const queries = ofType('AWS::Athena::NamedQuery');
    expect(queries.map(([, q]) => q.Properties?.Name).sort()).toEqual(
      [
        '5xx by path and edge for an hour',
        'Requests of one client',
        'Slowest requests of a window',
        'Top referers of a path',
      ].sort(),
    );
    const columns = new Map(glueColumns().map((c) => [c.Name, c.Type]));
    const known = new Set([...columns.keys(), 'dt', 'hour', 'records']);
    for (const [id, q] of queries) {
      const p = q.Properties!;
      expect(p.Database, id).toEqual({ Ref: 'ArchiveDatabase' });
      expect(p.WorkGroup, id).toEqual({ Ref: 'ArchiveWorkGroup' });
      const sql = String(p.QueryString);
      expect(sql, id).toMatch(/FROM "records"/);
      expect(sql, id).toMatch(/"dt" (=|BETWEEN) \?/);
      const quoted = [...sql.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      expect(
        quoted.filter((name) => !known.has(name)),
        id,
      ).toEqual([]);
      // Struct fields (url.path, ua.isbot) exist in their column's type.
      for (const [, struct, field] of sql.matchAll(/\b(url|ua|edge|geo)\.([a-z]+)\b/g)) {
        expect(columns.get(struct!), `${id}: ${struct}.${field}`).toMatch(new RegExp(`[<,]${field}:`));
      }
      expect(String(p.Description), id).toMatch(/^Parameters: /);
    }
    expect(props('ArchiveTable').TableInput).toMatchObject({ Name: 'records' });
  });
});

describe('the search tier: OpenSearch Serverless and Firehose', () => {
  const PRINCIPALS = 'arn:aws:iam::123456789012:role/sre,arn:aws:iam::123456789012:user/alice';
  const policy = (id: string, overrides: Record<string, string> = {}): Json =>
    JSON.parse(
      String(resolveTemplate(template, { CreateSearch: 'true', ...overrides }).resolve(props(id).Policy!)),
    ) as Json;
  const name = (id: string) =>
    String(resolveTemplate(template, { CreateSearch: 'true' }).resolve(props(id).Name!));

  it('names the collection and its policies consistently, within the 32-character limit', () => {
    const collection = name('SearchCollection');
    expect(collection).toMatch(/^cfrt-[a-z0-9]+$/);
    for (const id of [
      'SearchEncryptionPolicy',
      'SearchNetworkPolicy',
      'SearchAccessPolicy',
      'SearchLifecyclePolicy',
    ]) {
      expect(name(id).startsWith(`${collection}-`), id).toBe(true);
      // The real stack id's first segment is 8 hex digits: cfrt-xxxxxxxx-retention is 23 characters.
      expect(name(id).replace(collection, 'cfrt-xxxxxxxx').length, id).toBeLessThanOrEqual(32);
    }
    expect(policy('SearchEncryptionPolicy')).toEqual({
      Rules: [{ ResourceType: 'collection', Resource: [`collection/${collection}`] }],
      AWSOwnedKey: true,
    });
    expect(resource('SearchCollection').DependsOn).toEqual(['SearchEncryptionPolicy', 'SearchNetworkPolicy']);
    expect(props('SearchCollection').Type).toBe('TIMESERIES');
  });

  it('admits the Firehose role and the named principals only, never "*", with SearchPrincipals empty or not', () => {
    const collection = name('SearchCollection');
    const withReaders = policy('SearchAccessPolicy', { SearchPrincipals: PRINCIPALS }) as {
      Principal: string[];
      Rules: { ResourceType: string; Resource: string[]; Permission: string[] }[];
    }[];
    expect(withReaders.map((s) => s.Principal)).toEqual([
      ['SearchDeliveryRole.Arn'],
      ['arn:aws:iam::123456789012:role/sre', 'arn:aws:iam::123456789012:user/alice'],
    ]);
    // Firehose may only write into the collection's indexes.
    expect(withReaders[0]!.Rules).toEqual([
      {
        ResourceType: 'index',
        Resource: [`index/${collection}/*`],
        Permission: ['aoss:CreateIndex', 'aoss:UpdateIndex', 'aoss:DescribeIndex', 'aoss:WriteDocument'],
      },
    ]);
    for (const rule of withReaders.flatMap((s) => s.Rules)) {
      expect(rule.Permission).not.toContain('aoss:*');
      for (const r of rule.Resource)
        expect(r.startsWith(`index/${collection}/`) || r === `collection/${collection}`).toBe(true);
    }
    const firehoseOnly = policy('SearchAccessPolicy') as { Principal: string[] }[];
    expect(firehoseOnly.map((s) => s.Principal)).toEqual([['SearchDeliveryRole.Arn']]);
    // What the parameter accepts: role and user ARNs of an account, nothing wider.
    const pattern = new RegExp(`^(?:${String(template.Parameters!.SearchPrincipals!.AllowedPattern)})$`);
    for (const ok of ['', PRINCIPALS, 'arn:aws-us-gov:iam::123456789012:role/path/to/r'])
      expect(pattern.test(ok), ok).toBe(true);
    for (const bad of [
      '*',
      'arn:aws:iam::*:root',
      'arn:aws:iam::123456789012:root',
      `${PRINCIPALS}, x`,
      'arn:aws:iam::123456789012:role/*',
    ])
      expect(pattern.test(bad), bad).toBe(false);
  });

  it('keeps the network policy to the collection and its dashboards (access still decided by IAM and the data policy)', () => {
    const collection = name('SearchCollection');
    expect(policy('SearchNetworkPolicy')).toEqual([
      {
        Rules: [
          { ResourceType: 'collection', Resource: [`collection/${collection}`] },
          { ResourceType: 'dashboard', Resource: [`collection/${collection}`] },
        ],
        AllowFromPublic: true,
      },
    ]);
  });

  it('rotates by retention and keeps failed documents in S3', () => {
    const collection = name('SearchCollection');
    expect(policy('SearchLifecyclePolicy', { SearchRetentionDays: '21' })).toEqual({
      Rules: [{ ResourceType: 'index', Resource: [`index/${collection}/*`], MinIndexRetention: '21d' }],
    });
    const dest = props('SearchDeliveryStream').AmazonOpenSearchServerlessDestinationConfiguration as Record<
      string,
      Json
    >;
    expect(dest.CollectionEndpoint).toEqual({ 'Fn::GetAtt': ['SearchCollection', 'CollectionEndpoint'] });
    expect(`${String(dest.IndexName)}*`).toBe(SEARCH_INDEX_PATTERN);
    expect(dest.S3BackupMode).toBe('FailedDocumentsOnly');
    expect(at(dest, 'S3Configuration', 'BucketARN')).toEqual({ 'Fn::GetAtt': ['SearchBackupBucket', 'Arn'] });
    expect(at(props('SearchDeliveryStream'), 'KinesisStreamSourceConfiguration', 'KinesisStreamARN')).toEqual(
      {
        'Fn::GetAtt': ['ProcessedStream', 'Arn'],
      },
    );
    expect(resource('SearchDeliveryStream').DependsOn).toEqual(['SearchAccessPolicy']);
  });

  it('ships the index template the record schema generates', () => {
    const file = JSON.parse(
      readFileSync(new URL('infra/opensearch/index-template.json', repo), 'utf8'),
    ) as Json;
    expect(file).toEqual(openSearchIndexTemplate());
  });

  it('ships the saved objects scripts/search-dashboards.ts builds, with the panels an SRE expects', () => {
    const text = readFileSync(new URL('infra/opensearch/dashboards.ndjson', repo), 'utf8');
    expect(text).toBe(savedObjectsNdjson());
    const objects = dashboardSavedObjects();
    const titles = objects.map((o) => String(o.attributes.title)).join('\n');
    for (const panel of [
      /^Requests$/m,
      /Cache hit ratio/,
      /Status classes/,
      /Latency percentiles/,
      /Top paths/,
      /Top miss paths/,
      /Top clients/,
      /Countries/,
      /Edge locations/,
      /User agents/,
      /Bots/,
    ])
      expect(titles).toMatch(panel);
    const dashboard = objects.find((o) => o.type === 'dashboard')!;
    const visualizations = objects.filter((o) => o.type === 'visualization').map((o) => o.id);
    expect(dashboard.references.map((r) => r.id)).toEqual(visualizations);
    expect(objects[0]).toMatchObject({ type: 'index-pattern', id: INDEX_PATTERN_ID });
    expect(objects[0]!.attributes.title).toBe(SEARCH_INDEX_PATTERN);
  });

  it('aggregates only fields the index template maps as aggregatable (keyword, number, date, boolean)', () => {
    const { properties } = openSearchIndexTemplate().template.mappings;
    const typeOf = (path: string): string | undefined => {
      type Node = { type?: string; properties?: Record<string, OpenSearchMapping> } | undefined;
      let node = { properties } as Node;
      for (const part of path.split('.')) node = node?.properties?.[part] as Node;
      return node?.type;
    };
    const fields: string[] = [];
    for (const o of dashboardSavedObjects().filter((x) => x.type === 'visualization')) {
      const vis = JSON.parse(String(o.attributes.visState)) as {
        aggs: { params: { field?: string } }[];
        params: { time_field?: string; series?: { metrics: { numerator?: { query: string } }[] }[] };
      };
      for (const agg of vis.aggs) if (agg.params.field !== undefined) fields.push(agg.params.field);
      if (vis.params.time_field !== undefined) fields.push(vis.params.time_field);
      // Field names in KQL queries (`cacheClass:hit`).
      const queries = [
        String(
          JSON.parse(
            String((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON),
          ).query?.query ?? '',
        ),
        ...(vis.params.series ?? []).flatMap((s) => s.metrics.map((m) => m.numerator?.query ?? '')),
      ];
      for (const q of queries) for (const [, f] of q.matchAll(/([\w.-]+):/g)) fields.push(f!);
    }
    expect(fields.length).toBeGreaterThan(15);
    const problems = fields.filter(
      (f) => !['keyword', 'long', 'integer', 'double', 'date', 'boolean'].includes(typeOf(f) ?? ''),
    );
    expect(problems).toEqual([]);
  });
});

describe('the tiers: buckets and roles', () => {
  const buckets = ofType('AWS::S3::Bucket');

  it('encrypts every bucket with KMS, blocks public access, enforces bucket ownership', () => {
    expect(buckets.map(([id]) => id)).toEqual(
      expect.arrayContaining(['ArchiveBucket', 'AthenaResultsBucket', 'SearchBackupBucket']),
    );
    for (const [id, b] of buckets) {
      const p = b.Properties ?? {};
      const sse = at(p, 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0) as Record<string, Json>;
      expect(at(sse, 'ServerSideEncryptionByDefault', 'SSEAlgorithm'), id).toBe('aws:kms');
      expect(at(sse, 'ServerSideEncryptionByDefault', 'KMSMasterKeyID'), id).toBeDefined();
      expect(p.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(at(p, 'OwnershipControls', 'Rules', 0, 'ObjectOwnership'), id).toBe('BucketOwnerEnforced');
      expect(p.AccessControl, id).toBeUndefined();
      expect(p.WebsiteConfiguration, id).toBeUndefined();
    }
    // The tiers' buckets: the archive key, bucket keys on, kept (with their key) when the stack goes.
    for (const id of ['ArchiveBucket', 'AthenaResultsBucket', 'SearchBackupBucket']) {
      expect(at(props(id), 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0), id).toEqual({
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': ['ArchiveKey', 'Arn'] },
        },
        BucketKeyEnabled: true,
      });
      expect(resource(id).DeletionPolicy, id).toBe('Retain');
    }
    expect(resource('ArchiveKey').DeletionPolicy).toBe('Retain');
    expect(props('ArchiveKey').EnableKeyRotation).toBe(true);
  });

  it('gives every bucket a policy that refuses plain HTTP, and allows no one through it', () => {
    const policies = ofType('AWS::S3::BucketPolicy');
    for (const [id, b] of buckets) {
      const owned = policies.filter(
        ([, p]) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: id }),
      );
      expect(owned, id).toHaveLength(1);
      const [policyId, policy] = owned[0]!;
      expect(policy.Condition, policyId).toBe(b.Condition);
      const statements = at(policy.Properties, 'PolicyDocument', 'Statement') as Record<string, Json>[];
      expect(
        statements.filter((s) => s.Effect === 'Allow'),
        policyId,
      ).toEqual([]);
      expect(statements, policyId).toContainEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Sub': `${ref(`${id}.Arn`)}/*` }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  it('lets Firehose assume its roles only for this account, and each role only its own stream, bucket and collection', () => {
    for (const role of ['ArchiveDeliveryRole', 'SearchDeliveryRole']) {
      expect(at(props(role), 'AssumeRolePolicyDocument', 'Statement', 0)).toEqual({
        Effect: 'Allow',
        Principal: { Service: 'firehose.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
      });
    }
    const resourcesOf = (owner: string) =>
      identityStatements(template)
        .filter((s) => s.owner === owner)
        .flatMap((s) => [s.statement.Resource].flat())
        .map((r) => JSON.stringify(r));
    expect(new Set(resourcesOf('ArchiveDeliveryRole'))).toEqual(
      new Set([
        '{"Fn::GetAtt":["ProcessedStream","Arn"]}',
        '{"Fn::GetAtt":["StreamKey","Arn"]}',
        '{"Fn::GetAtt":["ArchiveBucket","Arn"]}',
        JSON.stringify({ 'Fn::Sub': `${ref('ArchiveBucket.Arn')}/*` }),
        '{"Fn::GetAtt":["ArchiveKey","Arn"]}',
        JSON.stringify({
          'Fn::Sub': `arn:${ref('AWS::Partition')}:logs:${ref('AWS::Region')}:${ref('AWS::AccountId')}:log-group:${ref('DeliveryLogGroup')}:log-stream:${ref('ArchiveDeliveryLogStream')}`,
        }),
      ]),
    );
    expect(resourcesOf('SearchDeliveryRole')).toContain('{"Fn::GetAtt":["SearchCollection","Arn"]}');
    expect(resourcesOf('SearchDeliveryRole')).not.toContain('{"Fn::GetAtt":["ArchiveBucket","Arn"]}');
  });

  it('offers managed policies for the readers: the workgroup, the table, the records, the collection; nothing wider', () => {
    const statements = (id: string) =>
      identityStatements(template)
        .filter((s) => s.owner === id)
        .map((s) => s.statement);
    const archive = statements('ArchiveReaderPolicy');
    expect(archive.flatMap((s) => [s.Action].flat()).filter((a) => String(a).includes('*'))).toEqual([]);
    expect(
      archive.flatMap((s) => [s.Resource].flat()).filter((r) => JSON.stringify(r).includes('"*"')),
    ).toEqual([]);
    const resolved = resolveTemplate(template, { CreateArchive: 'true' });
    const resources = archive.flatMap((s) => [resolved.resolve(s.Resource!)].flat()).map(String);
    expect(resources).toEqual(
      expect.arrayContaining([
        'arn:aws:athena:us-east-1:123456789012:workgroup/ArchiveWorkGroup',
        'arn:aws:glue:us-east-1:123456789012:table/ArchiveDatabase/ArchiveTable',
        'ArchiveBucket.Arn/records/*',
      ]),
    );
    // Records are read-only to readers: they put only query results.
    const puts = archive.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(puts.map((s) => s.Resource)).toEqual([{ 'Fn::Sub': `${ref('AthenaResultsBucket.Arn')}/*` }]);
    expect(statements('SearchReaderPolicy')).toEqual([
      {
        Sid: 'CallTheCollection',
        Effect: 'Allow',
        Action: ['aoss:APIAccessAll', 'aoss:DashboardsAccessAll'],
        Resource: { 'Fn::GetAtt': ['SearchCollection', 'Arn'] },
      },
    ]);
  });

  it('grants no s3, firehose, aoss or glue action on "*" (the shared check knows these services)', () => {
    expect(findWildcardDataPlaneGrants(identityStatements(template))).toEqual([]);
    const found = findWildcardDataPlaneGrants([
      { owner: 'R', statement: { Effect: 'Allow', Action: 's3:PutObject', Resource: '*' } },
      {
        owner: 'R',
        statement: { Effect: 'Allow', Action: ['aoss:APIAccessAll', 'glue:GetTable'], Resource: ['*'] },
      },
    ]);
    expect(found).toEqual(['R: (no Sid) s3:PutObject', 'R: (no Sid) aoss:APIAccessAll, glue:GetTable']);
  });
});
