import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ENV_NAMES,
  HANDLER_ENV,
  HANDLER_SETTINGS,
  MIN_HMAC_KEY_LENGTH,
  settingsFromEnv,
} from '../../src/handler/config.js';
import { optionFacts } from '../../src/model/options.js';
import { FIELD_CATALOGUE, RECOMMENDED_FIELDS } from '../../src/parser/fields.js';
import { METRIC_NAMES } from '../../src/sinks/metrics.js';
import { checkResourceProperties, loadResourceSpec, type ResourceSpec } from './cfn-spec.js';
import {
  intrinsicOf,
  isObject,
  type Json,
  loadTemplate,
  parseTemplate,
  type Template,
  walk,
} from './cfn-yaml.js';
import { findWildcardDataPlaneGrants, identityStatements } from './iam.js';
import { PSEUDO_PARAMETERS, resolveTemplate } from './resolve.js';

const repo = new URL('../../', import.meta.url);
const TEMPLATE_PATH = new URL('infra/template.yaml', repo);
const MAKEFILE_PATH = new URL('infra/Makefile', repo);
const BUNDLE_PATH = new URL('dist/lambda/index.mjs', repo);
const DEPLOY_DOC_PATH = new URL('docs/deploy.md', repo);
/**
 * A byte-identical gzip of the SAM schema (aws/serverless-application-model `schema_source/sam.schema.json`,
 * Apache-2.0: sam.schema.LICENSE beside it), kept here so the check never depends on a sibling checkout.
 */
const SAM_SCHEMA_PATH = new URL('sam.schema.json.gz', import.meta.url);

/** The handler's configuration surface (the pipeline contract): the only variables it reads. */
const HANDLER_VARIABLES = new Set<string>(Object.values(ENV_NAMES));

const template = loadTemplate(TEMPLATE_PATH);
const clone = (): Template => structuredClone(template);
const resources = Object.entries(template.Resources);
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};
const props = (id: string): Record<string, Json> => resource(id).Properties ?? {};
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const getPath = (root: Json | undefined, ...path: string[]): Json | undefined => {
  let at = root;
  for (const key of path) at = isObject(at) ? at[key] : Array.isArray(at) ? at[Number(key)] : undefined;
  return at;
};

const processor = () => props('ProcessorFunction');
const kinesisEvent = () => getPath(processor(), 'Events', 'RawStream') as Record<string, Json>;
const environment = () => getPath(processor(), 'Environment', 'Variables') as Record<string, Json>;

describe('infra/template.yaml: SAM schema', () => {
  let validate: (data: unknown) => boolean;
  let errors: () => unknown;

  beforeAll(() => {
    const schema = JSON.parse(gunzipSync(readFileSync(SAM_SCHEMA_PATH)).toString('utf8')) as Record<
      string,
      unknown
    >;
    // The schema declares draft-04; its keywords are a subset ajv's draft-07 validator reads the same
    // way (no boolean exclusiveMinimum/Maximum, no `id`), so only the meta-schema pointer goes.
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const compiled = ajv.compile(schema);
    validate = (data) => compiled(data);
    errors = () => compiled.errors;
  });

  it('validates the whole template, AWS::Serverless::Function and its Kinesis event included', () => {
    const ok = validate(template);
    expect(errors(), JSON.stringify(errors(), null, 1)).toBeNull();
    expect(ok).toBe(true);
  });

  it('rejects a misspelt Kinesis event property (the check can fail)', () => {
    const broken = clone();
    const event = getPath(
      broken.Resources.ProcessorFunction?.Properties,
      'Events',
      'RawStream',
      'Properties',
    );
    if (!isObject(event)) throw new Error('no Kinesis event');
    event.BisectBatchOnError = true;
    expect(validate(broken)).toBe(false);
  });

  it('rejects an unknown AWS::Serverless::Function property', () => {
    const broken = clone();
    broken.Resources.ProcessorFunction!.Properties!.Runtim = 'nodejs22.x';
    expect(validate(broken)).toBe(false);
  });
});

describe('infra/template.yaml: parameters and references', () => {
  it('defaults the field list to the library RECOMMENDED_FIELDS, in order', () => {
    const fields = template.Parameters?.Fields;
    expect(fields?.Type).toBe('CommaDelimitedList');
    expect(String(fields?.Default).split(',')).toEqual([...RECOMMENDED_FIELDS]);
  });

  it('sends the same field list to CloudFront and to the handler', () => {
    expect(props('RealtimeLogConfig').Fields).toEqual({ Ref: 'Fields' });
    expect(environment().CFRT_FIELDS).toEqual({ 'Fn::Join': [',', { Ref: 'Fields' }] });
    const known = new Set<string>(FIELD_CATALOGUE.map((field) => field.name));
    const resolved = resolveTemplate(template).resolve(environment().CFRT_FIELDS!);
    expect(
      String(resolved)
        .split(',')
        .filter((name) => !known.has(name)),
    ).toEqual([]);
  });

  it('has defaults that satisfy their own constraints (a deploy with all defaults passes validation)', () => {
    const problems: string[] = [];
    for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
      const values =
        spec.Type === 'CommaDelimitedList' ? String(spec.Default).split(',') : [String(spec.Default)];
      for (const value of values) {
        if (spec.Type === 'Number' && !Number.isFinite(Number(value)))
          problems.push(`${name}: ${value} is not a number`);
        if (spec.MinValue !== undefined && Number(value) < Number(spec.MinValue))
          problems.push(`${name} < MinValue`);
        if (spec.MaxValue !== undefined && Number(value) > Number(spec.MaxValue))
          problems.push(`${name} > MaxValue`);
        if (Array.isArray(spec.AllowedValues) && !spec.AllowedValues.map(String).includes(value)) {
          problems.push(`${name}: ${value} not in AllowedValues`);
        }
        if (
          typeof spec.AllowedPattern === 'string' &&
          !new RegExp(`^(?:${spec.AllowedPattern})$`).test(value)
        ) {
          problems.push(`${name}: ${value} does not match ${spec.AllowedPattern}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('resolves every Ref, GetAtt, Sub variable and condition, and uses every parameter', () => {
    const parameters = new Set(Object.keys(template.Parameters ?? {}));
    const logicalIds = new Set(Object.keys(template.Resources));
    const conditions = new Set(Object.keys(template.Conditions ?? {}));
    const names = new Set([...parameters, ...logicalIds, ...Object.keys(PSEUDO_PARAMETERS), 'AWS::NoValue']);
    const used = new Set<string>();
    const problems: string[] = [];
    const useName = (name: string, where: string) => {
      used.add(name);
      if (!names.has(name)) problems.push(`${where}: unknown name ${name}`);
    };
    for (const [path, value] of walk(template as unknown as Json)) {
      const intrinsic = intrinsicOf(value);
      if (!intrinsic || !isObject(value)) continue;
      const args = value[intrinsic]!;
      const where = path.join('.');
      if (intrinsic === 'Ref') useName(String(args), where);
      if (intrinsic === 'Fn::GetAtt') {
        const id = Array.isArray(args) ? String(args[0]) : String(args).split('.')[0]!;
        if (!logicalIds.has(id)) problems.push(`${where}: GetAtt of unknown resource ${id}`);
      }
      if (intrinsic === 'Fn::If' && Array.isArray(args) && !conditions.has(String(args[0]))) {
        problems.push(`${where}: unknown condition ${String(args[0])}`);
      }
      if (intrinsic === 'Fn::Sub') {
        const [text, variables] = Array.isArray(args) ? args : [args, {}];
        for (const [, name] of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
          if (isObject(variables) && name! in variables) continue;
          const id = name!.split('.')[0]!;
          if (name!.includes('.')) {
            if (!logicalIds.has(id)) problems.push(`${where}: \${${name}} names no resource`);
          } else useName(name!, where);
        }
      }
    }
    for (const [id, r] of [...resources, ...Object.entries(template.Outputs ?? {})]) {
      if (r.Condition !== undefined && !conditions.has(String(r.Condition))) {
        problems.push(`${id}: unknown condition ${String(r.Condition)}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...parameters].filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('infra/template.yaml: the function and its build', () => {
  it('runs the tsup bundle on nodejs22.x, arm64', () => {
    expect(processor()).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      CodeUri: '.',
    });
    expect(resource('ProcessorFunction').Metadata).toEqual({ BuildMethod: 'makefile' });
  });

  it('has a Makefile target for the function that copies dist/lambda/<handler module>.mjs', () => {
    const makefile = readFileSync(MAKEFILE_PATH, 'utf8');
    const [module] = String(processor().Handler).split('.');
    expect(makefile).toMatch(/^build-ProcessorFunction:/m);
    expect(makefile).toContain('$(REPO_ROOT)/dist/lambda');
    expect(makefile).toContain(`cp "$(BUNDLE_DIR)/${module}.mjs" "$(ARTIFACTS_DIR)/${module}.mjs"`);
  });

  it('packages the bundle the way sam build does: make in a scratch copy of infra/, into ARTIFACTS_DIR', () => {
    expect(existsSync(BUNDLE_PATH), 'dist/lambda/index.mjs is missing: run `npm run build` first').toBe(true);
    // sam build (CustomMakeBuilder) copies CodeUri to a scratch directory and runs
    // `make --makefile <infra/Makefile> build-<LogicalId>` there with ARTIFACTS_DIR set.
    const scratch = mkdtempSync(join(tmpdir(), 'cfrt-sam-scratch-'));
    const artifacts = mkdtempSync(join(tmpdir(), 'cfrt-sam-artifacts-'));
    try {
      cpSync(fileURLToPath(new URL('infra/', repo)), scratch, { recursive: true });
      const make = spawnSync(
        'make',
        ['--makefile', fileURLToPath(MAKEFILE_PATH), 'build-ProcessorFunction'],
        {
          cwd: scratch,
          encoding: 'utf8',
          timeout: 30_000,
          env: { PATH: process.env.PATH ?? '', ARTIFACTS_DIR: artifacts, CFRT_SKIP_NPM_BUILD: '1' },
        },
      );
      expect(make.error, 'GNU make must be installed').toBeUndefined();
      expect(make.status, make.stderr).toBe(0);
      const [module] = String(processor().Handler).split('.');
      // Buffer#equals: a deep toEqual walks a megabyte bundle byte by byte.
      expect(readFileSync(join(artifacts, `${module}.mjs`)).equals(readFileSync(BUNDLE_PATH))).toBe(true);
      expect(readdirSync(artifacts).sort()).toEqual([`${module}.mjs`, `${module}.mjs.map`]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      rmSync(artifacts, { recursive: true, force: true });
    }
  });

  it('finds the handler in the build output: dist/lambda/index.mjs exports a function `handler`', async () => {
    expect(existsSync(BUNDLE_PATH), 'dist/lambda/index.mjs is missing: run `npm run build` first').toBe(true);
    // Imported in a fresh Node process with the environment the template gives the function (all
    // parameters at their defaults), as Lambda's init phase would: a module that throws at load,
    // reads a variable the template does not set, or lacks the export fails here, not in production.
    const resolved = resolveTemplate(template).resolve(environment()) as Record<string, string>;
    const [module, exportName] = String(processor().Handler).split('.');
    expect(module).toBe('index');
    // The cold start reads the client-key secret the template generates: a loopback Secrets
    // Manager answers GetSecretValue (never the network), and every other AWS endpoint is a closed
    // loopback port, so nothing leaves the machine.
    const secrets = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const ok = req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue';
        res.writeHead(ok ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify(
            ok
              ? { Name: 'ClientKeySecret', SecretString: 'k'.repeat(32) }
              : { __type: 'UnknownOperationException' },
          ),
        );
      });
    });
    await new Promise<void>((done) => secrets.listen(0, '127.0.0.1', done));
    const port = (secrets.address() as AddressInfo).port;
    const child = await new Promise<{ status: number | null; stderr: string }>((done) => {
      const p = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(process.env.TEST_CFRT_BUNDLE);
         const h = m[process.env.TEST_CFRT_EXPORT];
         if (typeof h !== 'function') { console.error('export is ' + typeof h); process.exit(3); }`,
        ],
        {
          timeout: 30_000,
          env: {
            PATH: process.env.PATH ?? '',
            ...resolved,
            AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
            AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_LAMBDA_FUNCTION_NAME: 'cfrt-test-ProcessorFunction',
            TEST_CFRT_BUNDLE: BUNDLE_PATH.href,
            TEST_CFRT_EXPORT: exportName ?? '',
          },
        },
      );
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      p.on('close', (status) => done({ status, stderr }));
    }).finally(() => secrets.close());
    // stderr may carry runtime warnings (the AWS SDK warns about Node 20); the exit status decides.
    expect(child.status, child.stderr).toBe(0);
  });

  it('configures the handler only through the contract variables, with the resources it created', () => {
    const env = environment();
    expect(
      Object.keys(env).filter((name) => !HANDLER_VARIABLES.has(name) && name !== 'NODE_OPTIONS'),
    ).toEqual([]);
    expect(env.CFRT_TABLE_NAME).toEqual({ Ref: 'WindowTable' });
    expect(env.CFRT_METRICS_NAMESPACE).toEqual({ Ref: 'MetricsNamespace' });
    expect(env.CFRT_SAMPLING_RATE).toEqual({ Ref: 'SamplingRate' });
    expect(props('RealtimeLogConfig').SamplingRate).toEqual({ Ref: 'SamplingRate' });
    const withStream = resolveTemplate(template, { CreateProcessedStream: 'true' }).resolve(env) as Record<
      string,
      Json
    >;
    expect(withStream.CFRT_SINKS).toBe('emf,dynamodb,kinesis');
    expect(withStream.CFRT_PROCESSED_STREAM_NAME).toBe('ProcessedStream');
    // A larger young generation only with a record sink (it costs a stream-wide function's cold start).
    expect(withStream.NODE_OPTIONS).toBe('--max-semi-space-size=32');
    const plain = resolveTemplate(template).resolve(env) as Record<string, Json>;
    expect(plain.CFRT_SINKS).toBe('emf,dynamodb');
    expect(plain).not.toHaveProperty('CFRT_PROCESSED_STREAM_NAME');
    expect(plain).not.toHaveProperty('NODE_OPTIONS');
    expect(plain).not.toHaveProperty('CFRT_HMAC_KEY');
    expect(plain.CFRT_HMAC_KEY_SECRET).toBe('ClientKeySecret');
  });

  it('takes each parameter range and its allowed values from the setting it feeds (declared once, in the library)', () => {
    // A parameter passed straight to a setting (CFRT_X: !Ref Param) may narrow the setting's
    // declared range, never widen it, and its default is the setting's default.
    const byEnv = new Map(Object.entries(HANDLER_ENV).map(([option, env]) => [env.name, option]));
    const checked: string[] = [];
    for (const [variable, value] of Object.entries(environment())) {
      const ref = (value as { Ref?: string } | null)?.Ref;
      const spec = ref === undefined ? undefined : template.Parameters?.[ref];
      const option = byEnv.get(variable) as keyof typeof HANDLER_SETTINGS | undefined;
      if (spec === undefined || option === undefined) continue;
      const facts = optionFacts(HANDLER_SETTINGS[option]);
      checked.push(ref!);
      if (facts.minimum !== undefined) {
        expect(Number(spec.MinValue), `${ref}.MinValue`).toBeGreaterThanOrEqual(facts.minimum);
      }
      if (facts.maximum !== undefined) {
        expect(Number(spec.MaxValue), `${ref}.MaxValue`).toBeLessThanOrEqual(facts.maximum);
      }
      // optionFacts reads no bounds off `.check()` refinements (minimum/maximum stay undefined for
      // most settings), so the setting itself is asked about each bound the template allows.
      for (const bound of [spec.MinValue, spec.MaxValue].filter((b) => b !== undefined)) {
        expect(HANDLER_SETTINGS[option].safeParse(Number(bound)).success, `${ref}: ${String(bound)}`).toBe(
          true,
        );
      }
      if (facts.values !== undefined && Array.isArray(spec.AllowedValues)) {
        expect(facts.values.map(String), `${ref}.AllowedValues`).toEqual(
          expect.arrayContaining(spec.AllowedValues.map(String)),
        );
      }
      if (facts.default !== undefined && spec.Default !== undefined && option !== 'dimensions') {
        expect(String(spec.Default), `${ref}.Default`).toBe(String(facts.default));
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining(['SamplingRate', 'WindowSeconds', 'AllowedLatenessSeconds', 'Geo']),
    );
  });

  it('lets no parameter value through that the handler would reject at cold start', () => {
    // Every allowed value and every bound of every parameter, resolved into the function's
    // environment and read by the handler's own settingsFromEnv: a deploy the template accepts
    // must never crash-loop the function on a configuration error.
    const cases: Record<string, string>[] = [{}];
    for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
      const values = [
        ...(Array.isArray(spec.AllowedValues) ? spec.AllowedValues.map(String) : []),
        ...[spec.MinValue, spec.MaxValue].filter((v) => v !== undefined).map(String),
      ];
      for (const value of values) cases.push({ [name]: value });
    }
    cases.push(
      { ClientIp: 'hash' },
      { DimensionTopLists: 'paths,errorPaths' },
      { DimensionTopLists: 'none' },
      {
        Dimensions:
          'none;distribution;country,statusClass;edgeLocation;behavior;device;cacheClass;host;airport',
      },
      { Fields: FIELD_CATALOGUE.map((field) => field.name).join(',') },
      { Fields: 'timestamp,sc-status' },
      { PreviousFields: RECOMMENDED_FIELDS.filter((f) => f !== 'asn').join(',') },
      { PreviousFields: FIELD_CATALOGUE.map((field) => field.name).join(',') },
      // The same list as Fields (a redeploy that forgot to clear it) is no change.
      { PreviousFields: [...RECOMMENDED_FIELDS].reverse().join(',') },
    );
    const rejected: string[] = [];
    for (const overrides of cases) {
      const env = resolveTemplate(template, overrides).resolve(environment()) as Record<string, string>;
      try {
        const settings = settingsFromEnv(env);
        expect(settings.fields.join(',')).toBe(env.CFRT_FIELDS);
        expect(settings.samplingRate).toBe(Number(env.CFRT_SAMPLING_RATE));
        expect([...settings.sinks].join(',')).toBe(env.CFRT_SINKS);
      } catch (error) {
        rejected.push(`${JSON.stringify(overrides)}: ${(error as Error).message}`);
      }
    }
    expect(rejected).toEqual([]);
    expect(cases.length).toBeGreaterThan(40);
    // The same check rejects what the template's constraints keep out (it can fail).
    const outside = resolveTemplate(template, { SamplingRate: '0' }).resolve(environment()) as Record<
      string,
      string
    >;
    expect(() => settingsFromEnv(outside)).toThrow(/CFRT_SAMPLING_RATE/);
  });

  it('passes PreviousFields to the handler as CFRT_PREVIOUS_FIELDS only when given, never to CloudFront', () => {
    const previous = 'timestamp,c-ip,sc-status';
    expect(resolveTemplate(template).resolve(environment())).not.toHaveProperty('CFRT_PREVIOUS_FIELDS');
    const env = resolveTemplate(template, { PreviousFields: previous }).resolve(environment()) as Record<
      string,
      string
    >;
    expect(env.CFRT_PREVIOUS_FIELDS).toBe(previous);
    expect(settingsFromEnv(env).previousFields).toEqual(['timestamp', 'c-ip', 'sc-status']);
    expect(JSON.stringify(props('RealtimeLogConfig'))).not.toContain('PreviousFields');
    const pattern = new RegExp(`^(?:${String(template.Parameters?.PreviousFields?.AllowedPattern)})$`);
    for (const ok of ['', 'sc-status', previous]) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['timestamp, c-ip', 'timestamp,,c-ip', 'timestamp,', 'cs(Cookie)', 'Timestamp'])
      expect(pattern.test(bad), bad).toBe(false);
    // What no template constraint can express (CloudFormation cannot count a list's items): a
    // previous list as long as Fields. The handler refuses it at cold start, naming the variable
    // (docs/deploy.md says so, and how to change a field for another in two steps).
    const sameLength = RECOMMENDED_FIELDS.map((f) => (f === 'asn' ? 'cs-cookie' : f)).join(',');
    const clash = resolveTemplate(template, { PreviousFields: sameLength }).resolve(environment()) as Record<
      string,
      string
    >;
    expect(() => settingsFromEnv(clash)).toThrow(
      /CFRT_PREVIOUS_FIELDS: cannot be read beside the current field list/,
    );
  });

  it('keeps the client-address key in a generated secret the function reads, never in its configuration', () => {
    // Issue 13: the key is what keeps stored distinct-client hashes from testing addresses, so it
    // is neither a parameter (visible in the console and change sets) nor an environment value.
    const secret = resource('ClientKeySecret');
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.UpdateReplacePolicy).toBe('Retain');
    const generate = props('ClientKeySecret').GenerateSecretString as Record<string, Json>;
    expect(generate.PasswordLength).toBeGreaterThanOrEqual(2 * MIN_HMAC_KEY_LENGTH);
    expect(props('ClientKeySecret')).not.toHaveProperty('SecretString');
    expect(Object.keys(template.Parameters ?? {}).filter((p) => /key|secret/i.test(p))).toEqual([]);
    const env = (props('ProcessorFunction').Environment as { Variables: Record<string, Json> }).Variables;
    expect(env.CFRT_HMAC_KEY_SECRET).toEqual({ Ref: 'ClientKeySecret' });
    expect(env).not.toHaveProperty('CFRT_HMAC_KEY');
    const reads = identityStatements(template).filter((s) =>
      JSON.stringify(s.statement.Action).includes('secretsmanager:'),
    );
    expect(reads.map((s) => [s.owner, s.statement.Action, s.statement.Resource])).toEqual([
      ['ProcessorRole', 'secretsmanager:GetSecretValue', { Ref: 'ClientKeySecret' }],
    ]);
  });

  it('reads the raw stream with partial batch failures, bisection and bounded retries', () => {
    const event = kinesisEvent();
    expect(event.Type).toBe('Kinesis');
    expect(event.Properties).toMatchObject({
      Stream: { 'Fn::GetAtt': ['RawStream', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      ParallelizationFactor: { Ref: 'ParallelizationFactor' },
      BatchSize: { Ref: 'BatchSize' },
      MaximumBatchingWindowInSeconds: { Ref: 'BatchingWindowSeconds' },
      MaximumRetryAttempts: { Ref: 'MaximumRetryAttempts' },
      MaximumRecordAgeInSeconds: { Ref: 'MaximumRecordAgeSeconds' },
      DestinationConfig: {
        OnFailure: { Type: 'SQS', Destination: { 'Fn::GetAtt': ['FailedBatchQueue', 'Arn'] } },
      },
    });
    // -1 (the service default) means "retry until the record expires": one poison record blocks a shard.
    const retries = template.Parameters?.MaximumRetryAttempts;
    expect(Number(retries?.MinValue)).toBeGreaterThanOrEqual(0);
    expect(Number(retries?.MaxValue)).toBeLessThanOrEqual(10_000);
    const age = template.Parameters?.MaximumRecordAgeSeconds;
    expect(Number(age?.MinValue)).toBeGreaterThanOrEqual(60);
    expect(Number(age?.MaxValue)).toBeLessThanOrEqual(604_800);
    const factor = template.Parameters?.ParallelizationFactor;
    expect([Number(factor?.MinValue), Number(factor?.MaxValue)]).toEqual([1, 10]);
  });

  it('sends dropped-batch metadata to an encrypted queue', () => {
    expect(resource('FailedBatchQueue').Type).toBe('AWS::SQS::Queue');
    const queue = props('FailedBatchQueue');
    expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
  });
});

describe('infra/template.yaml: streams, table and the CloudFront config', () => {
  it('encrypts both streams with the stack key, on demand or provisioned from one parameter', () => {
    for (const id of ['RawStream', 'ProcessedStream']) {
      expect(props(id).StreamEncryption).toEqual({
        EncryptionType: 'KMS',
        KeyId: { 'Fn::GetAtt': ['StreamKey', 'Arn'] },
      });
    }
    expect(props('StreamKey').EnableKeyRotation).toBe(true);
    const onDemand = resolveTemplate(template, { ShardCount: '0' });
    expect(onDemand.resolve(props('RawStream').StreamModeDetails!)).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(onDemand.resolve(props('RawStream').ShardCount!)).toBeUndefined();
    const provisioned = resolveTemplate(template, { ShardCount: '4' });
    expect(provisioned.resolve(props('RawStream').StreamModeDetails!)).toEqual({ StreamMode: 'PROVISIONED' });
    expect(provisioned.resolve(props('RawStream').ShardCount!)).toBe('4');
    expect(resource('ProcessedStream').Condition).toBe('HasProcessedStream');
  });

  it('delivers CloudFront logs to the raw stream through its own role', () => {
    expect(props('RealtimeLogConfig').EndPoints).toEqual([
      {
        StreamType: 'Kinesis',
        KinesisStreamConfig: {
          RoleArn: { 'Fn::GetAtt': ['RealtimeLogRole', 'Arn'] },
          StreamArn: { 'Fn::GetAtt': ['RawStream', 'Arn'] },
        },
      },
    ]);
    expect(
      getPath(props('RealtimeLogRole'), 'AssumeRolePolicyDocument', 'Statement', '0', 'Principal'),
    ).toEqual({
      Service: 'cloudfront.amazonaws.com',
    });
  });

  it('keeps window state in an on-demand, encrypted, recoverable table with a `ttl` attribute', () => {
    // `ttl` (epoch seconds) is what the DynamoDB sink writes (src/sinks/dynamodb.ts).
    expect(props('WindowTable')).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('infra/template.yaml: least privilege', () => {
  it('grants no kinesis, dynamodb, sqs or kms action on Resource "*"', () => {
    expect(findWildcardDataPlaneGrants(identityStatements(template))).toEqual([]);
  });

  it('detects such a grant, also behind Fn::If and wildcard actions (the check can fail)', () => {
    const broken = clone();
    const policy = getPath(
      broken.Resources.ProcessorRole?.Properties,
      'Policies',
      '0',
      'PolicyDocument',
      'Statement',
    );
    if (!Array.isArray(policy)) throw new Error('no statements');
    policy.push({ Effect: 'Allow', Action: 'kinesis:Get*', Resource: '*' });
    policy.push({
      'Fn::If': [
        'HasProcessedStream',
        { Effect: 'Allow', Action: '*', Resource: ['*'] },
        { Ref: 'AWS::NoValue' },
      ],
    });
    policy.push({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    const found = findWildcardDataPlaneGrants(identityStatements(broken));
    expect(found).toHaveLength(3);
  });

  it('lets CloudFront only describe and put into the raw stream, and generate data keys', () => {
    const statements = identityStatements(template).filter((s) => s.owner === 'RealtimeLogRole');
    const grants = statements.map((s) => [s.statement.Action, s.statement.Resource]);
    expect(grants).toEqual([
      [
        [
          'kinesis:DescribeStreamSummary',
          'kinesis:DescribeStream',
          'kinesis:PutRecord',
          'kinesis:PutRecords',
        ],
        { 'Fn::GetAtt': ['RawStream', 'Arn'] },
      ],
      ['kms:GenerateDataKey', { 'Fn::GetAtt': ['StreamKey', 'Arn'] }],
    ]);
  });

  it('limits cloudwatch:PutMetricData to the metrics namespace by condition', () => {
    const putMetric = identityStatements(template).filter((s) =>
      [s.statement.Action].flat().includes('cloudwatch:PutMetricData'),
    );
    expect(putMetric).toHaveLength(1);
    expect(putMetric[0]?.statement.Condition).toEqual({
      StringEquals: { 'cloudwatch:namespace': { Ref: 'MetricsNamespace' } },
    });
  });

  it('opens the key policy to no anonymous principal', () => {
    const statements = getPath(props('StreamKey'), 'KeyPolicy', 'Statement');
    if (!Array.isArray(statements)) throw new Error('no key policy');
    for (const statement of statements) {
      const principal = getPath(statement, 'Principal');
      expect(principal).not.toBe('*');
      expect(getPath(principal, 'AWS')).not.toBe('*');
    }
  });
});

describe('infra/template.yaml: alarms, dashboard and outputs', () => {
  /** The custom metrics documented in docs/deploy.md (the table under "Metrics the handler emits"). */
  const documentedMetrics = (): Set<string> => {
    const doc = readFileSync(DEPLOY_DOC_PATH, 'utf8');
    const section = doc.split(/^## /m).find((part) => part.startsWith('Metrics the handler emits'));
    if (!section) throw new Error('docs/deploy.md has no "Metrics the handler emits" section');
    return new Set([...section.matchAll(/^\| `([A-Za-z0-9]+)` *\|/gm)].map((match) => match[1]!));
  };

  const dashboard = (): { widgets: { type: string; properties: Record<string, Json> }[] } => {
    const body = resolveTemplate(template).resolve(props('Dashboard').DashboardBody!);
    return JSON.parse(String(body)) as { widgets: { type: string; properties: Record<string, Json> }[] };
  };

  /** Custom-namespace metric names the alarms and the dashboard read. */
  const usedCustomMetrics = (): Set<string> => {
    const names = new Set<string>();
    for (const [, alarm] of ofType('AWS::CloudWatch::Alarm')) {
      for (const [, value] of walk(alarm.Properties ?? {})) {
        if (isObject(value) && isObject(value.Namespace) && value.Namespace.Ref === 'MetricsNamespace') {
          names.add(String(value.MetricName));
        }
      }
      const top = alarm.Properties ?? {};
      if (isObject(top.Namespace) && top.Namespace.Ref === 'MetricsNamespace')
        names.add(String(top.MetricName));
    }
    const namespace = resolveTemplate(template).parameter('MetricsNamespace');
    for (const widget of dashboard().widgets) {
      for (const row of (widget.properties.metrics as Json[] | undefined) ?? []) {
        if (Array.isArray(row) && row[0] === namespace) names.add(String(row[1]));
      }
    }
    return names;
  };

  it('alarms on falling behind, errors, dropped batches, 5xx rate, cache hit ratio, p99 latency, bad lines', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(alarms.sort()).toEqual(
      [
        'CacheHitRatioAlarm',
        'Error5xxRateAlarm',
        'FailedBatchesAlarm',
        'FunctionErrorsAlarm',
        'IteratorAgeAlarm',
        'MalformedRateAlarm',
        'P99LatencyAlarm',
        // Anomaly detection (opt-in) and the no-records alarm: test/infra/findings.test.ts.
        'RequestsAnomalyAlarm',
        'Error5xxRateAnomalyAlarm',
        'P99LatencyAnomalyAlarm',
        'NoRecordsAlarm',
      ].sort(),
    );
    // NoRecordsAlarm is the one that treats missing data as breaching and notifies through a
    // composite alarm instead of itself (findings.test.ts).
    for (const [id, alarm] of ofType('AWS::CloudWatch::Alarm').filter(([id]) => id !== 'NoRecordsAlarm')) {
      expect(alarm.Properties?.AlarmActions, id).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(alarm.Properties?.TreatMissingData, id).toBe('notBreaching');
    }
    expect(props('P99LatencyAlarm')).toMatchObject({
      MetricName: 'TimeToFirstByte',
      ExtendedStatistic: 'p99',
    });
    expect(props('IteratorAgeAlarm')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'IteratorAge' });
  });

  it('computes rates as ratios of sums, never as averages of per-window rates', () => {
    for (const id of ['Error5xxRateAlarm', 'CacheHitRatioAlarm', 'MalformedRateAlarm']) {
      const metrics = props(id).Metrics as Json[];
      const stats = metrics.map((m) => getPath(m, 'MetricStat', 'Stat')).filter((s) => s !== undefined);
      expect(stats.length, id).toBeGreaterThan(0);
      expect(new Set(stats), id).toEqual(new Set(['Sum']));
    }
  });

  /** Every custom metric a widget or alarm of `t` reads, with the statistic it reads it with. */
  const metricReads = (
    t: Template = template,
  ): { where: string; name: string; stat: string | undefined }[] => {
    const custom = (ns: Json | undefined) => isObject(ns) && ns.Ref === 'MetricsNamespace';
    const reads: { where: string; name: string; stat: string | undefined }[] = [];
    for (const [id, alarm] of Object.entries(t.Resources).filter(
      ([, r]) => r.Type === 'AWS::CloudWatch::Alarm',
    )) {
      const p = alarm.Properties ?? {};
      if (p.MetricName !== undefined && custom(p.Namespace)) {
        reads.push({
          where: id,
          name: String(p.MetricName),
          stat: String(p.Statistic ?? p.ExtendedStatistic),
        });
      }
      for (const m of (p.Metrics as Json[] | undefined) ?? []) {
        const name = getPath(m, 'MetricStat', 'Metric', 'MetricName');
        if (name !== undefined && custom(getPath(m, 'MetricStat', 'Metric', 'Namespace'))) {
          reads.push({ where: id, name: String(name), stat: String(getPath(m, 'MetricStat', 'Stat')) });
        }
      }
    }
    const resolved = resolveTemplate(t);
    const namespace = resolved.parameter('MetricsNamespace');
    const body = JSON.parse(String(resolved.resolve(t.Resources.Dashboard!.Properties!.DashboardBody!))) as {
      widgets: { properties: Record<string, Json> }[];
    };
    for (const widget of body.widgets) {
      const widgetStat = widget.properties.stat as string | undefined;
      for (const row of (widget.properties.metrics as Json[] | undefined) ?? []) {
        if (!Array.isArray(row) || row[0] !== namespace) continue;
        const last = row.at(-1);
        const stat = isObject(last) && typeof last.stat === 'string' ? last.stat : widgetStat;
        reads.push({ where: String(widget.properties.title), name: String(row[1]), stat });
      }
    }
    return reads;
  };

  it('plots and alarms on no *Rate metric: ratios are metric math over sums, true for both sinks', () => {
    // With the EMF sink (the default) a rate is one value per invocation, so its Average is a mean of
    // per-invocation rates (5xx 1.96% shown for 2.11% true on the bundled sample): never read one.
    const reads = metricReads();
    expect(reads.length).toBeGreaterThan(10);
    expect(reads.filter((r) => r.name.endsWith('Rate'))).toEqual([]);
    // Counts are summed; latencies read as percentiles; UniqueClients (not additive) as its Maximum.
    for (const r of reads) {
      const unit =
        r.name === 'UniqueClients' ? 'Maximum' : /Latency|Time/.test(r.name) ? 'percentile' : 'Sum';
      if (unit === 'percentile') expect(r.stat, `${r.where}: ${r.name}`).toMatch(/^p\d+(\.\d+)?$/);
      else expect(r.stat, `${r.where}: ${r.name}`).toBe(unit);
    }
  });

  it('shows every ratio on the dashboard as an expression dividing sums, titled as such', () => {
    const ratioWidgets = dashboard().widgets.filter((w) => /%/.test(String(w.properties.title)));
    expect(ratioWidgets.length).toBeGreaterThanOrEqual(2);
    for (const w of ratioWidgets) {
      expect(String(w.properties.title)).toMatch(/sum of .* \/ sum of/);
      const expressions = ((w.properties.metrics as Json[]) ?? [])
        .map((row) => (Array.isArray(row) && isObject(row[0]) ? row[0].expression : undefined))
        .filter((e) => e !== undefined);
      expect(expressions.length, String(w.properties.title)).toBeGreaterThan(0);
      for (const e of expressions) expect(String(e)).toMatch(/^100 \* .+ \/ .+/);
    }
  });

  it('catches a rate metric plotted directly (the check can fail)', () => {
    const broken = clone();
    const sub = broken.Resources.Dashboard!.Properties!.DashboardBody as { 'Fn::Sub': [string, Json] };
    sub['Fn::Sub'][0] = sub['Fn::Sub'][0].replace(
      '"Requests5xx", { "id": "e5"',
      '"5xxErrorRate", { "id": "e5"',
    );
    expect(metricReads(broken).filter((r) => r.name.endsWith('Rate'))).toHaveLength(1);
  });

  it('reads only metrics the metric sinks publish (src/sinks/metrics.ts METRIC_NAMES)', () => {
    const published = new Set<string>(METRIC_NAMES);
    const used = usedCustomMetrics();
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !published.has(name))).toEqual([]);
  });

  it('documents exactly the published metrics in docs/deploy.md', () => {
    expect([...documentedMetrics()].sort()).toEqual([...METRIC_NAMES].sort());
  });

  it('builds a dashboard body that is valid JSON with traffic, errors, cache, latency and pipeline rows', () => {
    const titles = dashboard()
      .widgets.map((w) => String(w.properties.title ?? ''))
      .join('\n');
    for (const row of ['Traffic', 'Errors', 'Cache', 'Latency', 'Pipeline']) expect(titles).toContain(row);
    expect(titles).toMatch(/p50|percentile|time to first byte/i);
  });

  it('outputs the RealtimeLogConfig ARN, stream, table and dashboard names', () => {
    const outputs = template.Outputs ?? {};
    expect(outputs.RealtimeLogConfigArn?.Value).toEqual({ 'Fn::GetAtt': ['RealtimeLogConfig', 'Arn'] });
    expect(outputs.RawStreamName?.Value).toEqual({ Ref: 'RawStream' });
    expect(outputs.WindowTableName?.Value).toEqual({ Ref: 'WindowTable' });
    expect(outputs.DashboardName?.Value).toEqual({ Ref: 'Dashboard' });
  });
});

// Last: the spec database is large (every AWS resource), and the tests above spawn processes.
describe('infra/template.yaml: CloudFormation resource specification', () => {
  let spec: ResourceSpec;
  beforeAll(() => {
    spec = loadResourceSpec();
  });

  it('uses only known resource types and property names, with every required property', () => {
    const problems = resources
      .filter(([, r]) => !r.Type.startsWith('AWS::Serverless::'))
      .flatMap(([id, r]) => checkResourceProperties(spec, r.Type, r.Properties, id));
    expect(problems).toEqual([]);
  });

  it('gives the Kinesis event only properties of AWS::Lambda::EventSourceMapping', () => {
    // SAM passes these through one to one, except Stream (EventSourceArn) and OnFailure.Type (SAM-only).
    const { Stream, ...rest } = kinesisEvent().Properties as Record<string, Json>;
    const destination = structuredClone(rest.DestinationConfig);
    const onFailure = getPath(destination, 'OnFailure');
    if (isObject(onFailure)) delete onFailure.Type;
    const mapping = {
      ...rest,
      DestinationConfig: destination ?? {},
      EventSourceArn: Stream ?? '',
      FunctionName: 'f',
    };
    expect(checkResourceProperties(spec, 'AWS::Lambda::EventSourceMapping', mapping, 'RawStream')).toEqual(
      [],
    );
  });

  it('catches a wrongly cased nested property (StreamARN for StreamArn)', () => {
    const endpoints = structuredClone(props('RealtimeLogConfig').EndPoints) as Json[];
    const config = getPath(endpoints, '0', 'KinesisStreamConfig');
    if (!isObject(config)) throw new Error('no KinesisStreamConfig');
    config.StreamARN = config.StreamArn!;
    delete config.StreamArn;
    const problems = checkResourceProperties(
      spec,
      'AWS::CloudFront::RealtimeLogConfig',
      { ...props('RealtimeLogConfig'), EndPoints: endpoints },
      'RealtimeLogConfig',
    );
    expect(problems.join('\n')).toMatch(/StreamARN/);
    expect(problems.join('\n')).toMatch(/requires StreamArn/);
  });

  it('catches an unknown resource type and a property inside a Fn::If branch', () => {
    expect(checkResourceProperties(spec, 'AWS::Kinesis::Streams', {}, 'S')).toEqual([
      'S: unknown resource type AWS::Kinesis::Streams',
    ]);
    const problems = checkResourceProperties(
      spec,
      'AWS::Kinesis::Stream',
      { StreamModeDetails: { 'Fn::If': ['C', { StreamMode: 'ON_DEMAND' }, { Mode: 'PROVISIONED' }] } },
      'S',
    );
    expect(problems).toHaveLength(2); // Mode unknown, StreamMode missing, both in the false branch
    expect(problems.every((p) => p.includes('[if false]'))).toBe(true);
  });
});

describe('test/infra/cfn-yaml.ts', () => {
  it('reads every short form into its long form', () => {
    // `$` + `{` keeps CloudFormation's Sub syntax out of reach of JS template-string lints.
    const sub = (name: string) => `$${'{'}${name}}`;
    const parsed = parseTemplate(
      [
        'Resources:',
        '  Q:',
        '    Type: AWS::SQS::Queue',
        '    Properties:',
        '      A: !GetAtt T.Arn',
        '      B: !GetAtt [T, Arn]',
        `      C: !Sub "${sub('X')}-y"`,
        '      D: !If [Cond, !Ref X, !Ref "AWS::NoValue"]',
        '      E: !Join [",", !Split [";", "a;b"]]',
        '      F: !Sub',
        `        - "${sub('V')}"`,
        '        - V: !Select [0, [x]]',
        '      G: !GetAtt T.Outputs.Name',
      ].join('\n'),
    );
    expect(parsed.Resources.Q?.Properties).toEqual({
      A: { 'Fn::GetAtt': ['T', 'Arn'] },
      B: { 'Fn::GetAtt': ['T', 'Arn'] },
      C: { 'Fn::Sub': `${sub('X')}-y` },
      D: { 'Fn::If': ['Cond', { Ref: 'X' }, { Ref: 'AWS::NoValue' }] },
      E: { 'Fn::Join': [',', { 'Fn::Split': [';', 'a;b'] }] },
      F: { 'Fn::Sub': [sub('V'), { V: { 'Fn::Select': [0, ['x']] } }] },
      G: { 'Fn::GetAtt': ['T', 'Outputs.Name'] },
    });
  });

  it('rejects an unknown tag', () => {
    expect(() => parseTemplate('Resources:\n  Q:\n    Type: !GetAt X.Y\n')).toThrow();
  });
});
