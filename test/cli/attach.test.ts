/**
 * `cfrt attach` / `cfrt detach` against a loopback CloudFront, CloudFormation and Lambda, driven
 * by the real SDK clients: only the chosen behaviors change, a second run changes nothing, a dry
 * run writes nothing, a concurrent change (412 PreconditionFailed) is re-read and redone, a
 * throttled call is retried, and a config whose field list the processor cannot parse is refused
 * before anything is written.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AttachOptions, parseAttachArgs, planBehaviors, runAttach } from '../../src/cli/attach.js';
import { AwsCallError, fieldVerdict } from '../../src/cli/deploy-aws.js';
import { UsageError } from '../../src/cli/errors.js';
import {
  addDistribution,
  behaviorsOf,
  type CloudFormationServer,
  type CloudFrontServer,
  type FakeRealtimeLogConfig,
  type LambdaServer,
  startCloudFormation,
  startCloudFront,
  startLambda,
  textAt,
} from '../helpers/deploy-aws.js';
import { closeAll } from '../helpers/local-aws.js';
import { capture, localClients } from './deploy-clients.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'x-edge-result-type',
  'time-taken',
];
const STREAM = 'arn:aws:kinesis:eu-west-1:123456789012:stream/cfrt-RawStream-abc';
const CONFIG: FakeRealtimeLogConfig = {
  arn: 'arn:aws:cloudfront::123456789012:realtime-log-config/cfrt-realtime-logs',
  name: 'cfrt-realtime-logs',
  samplingRate: 100,
  fields: FIELDS,
  streamArn: STREAM,
  roleArn: 'arn:aws:iam::123456789012:role/cfrt-RealtimeLogRole',
};
const OTHER: FakeRealtimeLogConfig = {
  ...CONFIG,
  arn: 'arn:aws:cloudfront::123456789012:realtime-log-config/someone-else',
  name: 'someone-else',
};

let cf: CloudFrontServer;
let cfn: CloudFormationServer;
let lambda: LambdaServer;

beforeAll(async () => {
  [cf, cfn, lambda] = await Promise.all([
    startCloudFront({ configs: [CONFIG, OTHER] }),
    startCloudFormation(),
    startLambda(),
  ]);
});
afterAll(() => closeAll(cf, cfn, lambda));

beforeEach(() => {
  cf.distributions.clear();
  cf.calls.length = 0;
  cf.plan = () => undefined;
  cf.beforeUpdate = () => {};
  cfn.stacks.set('cfrt', {
    name: 'cfrt',
    status: 'CREATE_COMPLETE',
    outputs: { RealtimeLogConfigArn: CONFIG.arn, FunctionName: 'cfrt-Processor' },
    parameters: {},
  });
  lambda.functions.clear();
  lambda.functions.set('cfrt-Processor', {
    name: 'cfrt-Processor',
    env: { CFRT_FIELDS: [...FIELDS].reverse().join(','), CFRT_FIELD_ORDER: 'canonical' },
  });
  lambda.mappings.length = 0;
});

let clients: ReturnType<typeof localClients>;
beforeEach(() => {
  clients = localClients({ cloudfront: cf.endpoint, cloudformation: cfn.endpoint, lambda: lambda.endpoint });
});
afterEach(() => clients.destroy());

function options(args: string[], mode: 'attach' | 'detach' = 'attach'): AttachOptions {
  return parseAttachArgs(mode, ['--distribution', 'E1', ...args]);
}

function logs(id = 'E1'): Record<string, string | undefined> {
  return Object.fromEntries(behaviorsOf(cf.distributions.get(id)!.config).map((b) => [b.pattern, b.arn]));
}

describe('cfrt attach', () => {
  it('attaches every behavior with the etag it read, and a second run changes nothing', async () => {
    const before = addDistribution(cf, 'E1', ['/api/*', '/img/*']).etag;
    const first = capture();
    expect(await runAttach(options(['--stack', 'cfrt']), clients, first.io)).toBe(0);
    expect(logs()).toEqual({ '*': CONFIG.arn, '/api/*': CONFIG.arn, '/img/*': CONFIG.arn });
    const put = cf.calls.find((c) => c.operation === 'UpdateDistribution')!;
    expect(put.body).toContain('<CallerReference>ref-E1</CallerReference>');
    expect(cf.distributions.get('E1')!.etag).not.toBe(before);
    expect(first.out()).toContain(`--- E1 (ETag ${before})`);
    expect(first.out()).toContain('Attached: 3 behavior(s) of E1');
    // Everything else in the document survived the round trip.
    expect(textAt(cf.distributions.get('E1')!.config, 'Origins', 'Items', 'Origin', 'DomainName')).toBe(
      'example-bucket.s3.eu-west-1.amazonaws.com',
    );

    cf.calls.length = 0;
    const second = capture();
    expect(await runAttach(options(['--stack', 'cfrt']), clients, second.io)).toBe(0);
    expect(second.out()).toMatch(/^Nothing to change/);
    expect(cf.count('UpdateDistribution')).toBe(0);
  });

  it('changes only the behaviors named, and a dry run prints the diff and writes nothing', async () => {
    addDistribution(cf, 'E1', ['/api/*', '/img/*']);
    const etag = cf.distributions.get('E1')!.etag;
    const dry = capture();
    const args = ['--config', CONFIG.arn, '--function', 'cfrt-Processor', '--behaviors', '/api/*', 'default'];
    expect(await runAttach(options([...args, '--dry-run']), clients, dry.io)).toBe(0);
    expect(dry.out()).toBe(
      [
        `--- E1 (ETag ${etag})`,
        '+++ E1 (after)',
        '@@ DefaultCacheBehavior @@',
        '-RealtimeLogConfigArn: (none)',
        `+RealtimeLogConfigArn: ${CONFIG.arn}`,
        '@@ CacheBehavior /api/* @@',
        '-RealtimeLogConfigArn: (none)',
        `+RealtimeLogConfigArn: ${CONFIG.arn}`,
        'Dry run: nothing written (2 behavior(s) would change).',
        '',
      ].join('\n'),
    );
    expect(cf.count('UpdateDistribution')).toBe(0);
    expect(cf.distributions.get('E1')!.etag).toBe(etag);

    expect(await runAttach(options(args), clients, capture().io)).toBe(0);
    expect(logs()).toEqual({ '*': CONFIG.arn, '/api/*': CONFIG.arn, '/img/*': undefined });
  });

  it('re-reads and redoes the change when the distribution changed meanwhile (412 PreconditionFailed)', async () => {
    addDistribution(cf, 'E1', ['/api/*']);
    cf.beforeUpdate = (d, n) => {
      if (n <= 2) cf.touch(d.id);
    };
    const run = capture();
    expect(await runAttach(options(['--stack', 'cfrt']), clients, run.io)).toBe(0);
    expect(cf.count('UpdateDistribution')).toBe(3);
    expect(cf.count('GetDistributionConfig')).toBe(3);
    expect(run.err().match(/PreconditionFailed/g)).toHaveLength(2);
    // The other writer's change is kept: the command wrote on top of what it re-read.
    expect(textAt(cf.distributions.get('E1')!.config, 'Comment')).toBe('test distribution (edited) (edited)');
    expect(logs()).toEqual({ '*': CONFIG.arn, '/api/*': CONFIG.arn });
  });

  it('gives up after --max-attempts lost races, having written nothing', async () => {
    addDistribution(cf, 'E1', []);
    cf.beforeUpdate = (d) => cf.touch(d.id);
    const run = runAttach(options(['--stack', 'cfrt', '--max-attempts', '2']), clients, capture().io);
    await expect(run).rejects.toThrow(AwsCallError);
    await expect(run).rejects.toThrow(/kept changing .* \(2 attempts/);
    expect(logs()).toEqual({ '*': undefined });
  });

  it('rides out throttling (the SDK retries Throttling)', async () => {
    addDistribution(cf, 'E1', []);
    cf.plan = (op, n) =>
      op === 'GetDistributionConfig' && n === 1
        ? { status: 400, code: 'Throttling', message: 'Rate exceeded' }
        : undefined;
    expect(await runAttach(options(['--stack', 'cfrt']), clients, capture().io)).toBe(0);
    expect(cf.count('GetDistributionConfig')).toBe(2);
    expect(logs()).toEqual({ '*': CONFIG.arn });
  });

  it('refuses a config whose field list the processor cannot parse, before writing', async () => {
    addDistribution(cf, 'E1', []);
    // Fewer fields: every line would be malformed.
    lambda.functions.get('cfrt-Processor')!.env.CFRT_FIELDS = FIELDS.slice(0, 5).join(',');
    await expect(runAttach(options(['--stack', 'cfrt']), clients, capture().io)).rejects.toThrow(
      /Refusing to attach .* the config sends 7 fields .* lines of 5 fields \(.*\): every line would be malformed/,
    );
    // As many fields, another one: lines would parse with columns misread. Refused too.
    lambda.functions.get('cfrt-Processor')!.env.CFRT_FIELDS = [
      ...FIELDS.slice(0, 6),
      'time-to-first-byte',
    ].join(',');
    await expect(runAttach(options(['--stack', 'cfrt']), clients, capture().io)).rejects.toThrow(
      /only in the config: time-taken; only in the function: time-to-first-byte/,
    );
    expect(cf.count('UpdateDistribution')).toBe(0);
    expect(cf.count('GetDistributionConfig')).toBe(0);
  });

  it('accepts the list the processor reads as its previous one, and says so', async () => {
    addDistribution(cf, 'E1', []);
    const env = lambda.functions.get('cfrt-Processor')!.env;
    env.CFRT_FIELDS = [...FIELDS, 'time-to-first-byte'].join(',');
    env.CFRT_PREVIOUS_FIELDS = FIELDS.join(',');
    const run = capture();
    expect(await runAttach(options(['--stack', 'cfrt']), clients, run.io)).toBe(0);
    expect(run.err()).toContain('as its previous one');
  });

  it('finds the processor through the event source mappings of the config stream (paginated)', async () => {
    addDistribution(cf, 'E1', []);
    lambda.pageSize = 1;
    lambda.mappings.push(
      {
        functionName: 'unrelated',
        eventSourceArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/other',
        state: 'Enabled',
      },
      { functionName: 'cfrt-Processor', eventSourceArn: STREAM, state: 'Enabled' },
    );
    lambda.functions.get('cfrt-Processor')!.env.CFRT_FIELDS = 'timestamp';
    await expect(runAttach(options(['--config', CONFIG.name]), clients, capture().io)).rejects.toThrow(
      /function cfrt-Processor: the config sends 7 fields/,
    );
    lambda.mappings.length = 0;
    await expect(runAttach(options(['--config', CONFIG.name]), clients, capture().io)).rejects.toThrow(
      /No Lambda function reads the config's stream/,
    );
  });

  it('refuses to attach over another config unless --replace, and names unknown patterns', async () => {
    addDistribution(cf, 'E1', ['/api/*'], { '/api/*': OTHER.arn });
    await expect(runAttach(options(['--stack', 'cfrt']), clients, capture().io)).rejects.toThrow(
      /Refusing to attach over another real-time log config .*\/api\/\* logs to .*someone-else/,
    );
    await expect(
      runAttach(options(['--stack', 'cfrt', '--behaviors', '/nope/*']), clients, capture().io),
    ).rejects.toThrow(
      /--behaviors: the distribution has no behavior "\/nope\/\*"; its behaviors are "default", "\/api\/\*"/,
    );
    expect(await runAttach(options(['--stack', 'cfrt', '--replace']), clients, capture().io)).toBe(0);
    expect(logs()).toEqual({ '*': CONFIG.arn, '/api/*': CONFIG.arn });
  });

  it('names a missing stack, distribution or config', async () => {
    await expect(runAttach(options(['--stack', 'nope']), clients, capture().io)).rejects.toThrow(
      /Stack "nope" does not exist/,
    );
    await expect(runAttach(options(['--stack', 'cfrt']), clients, capture().io)).rejects.toThrow(
      /CloudFront has no distribution E1/,
    );
    await expect(runAttach(options(['--config', 'missing']), clients, capture().io)).rejects.toThrow(
      /no real-time log config missing/,
    );
  });
});

describe('cfrt detach', () => {
  it('removes the config from its behaviors only, and a second run changes nothing', async () => {
    addDistribution(cf, 'E1', ['/api/*', '/img/*'], {
      '*': CONFIG.arn,
      '/api/*': CONFIG.arn,
      '/img/*': OTHER.arn,
    });
    expect(await runAttach(options(['--stack', 'cfrt'], 'detach'), clients, capture().io)).toBe(0);
    expect(logs()).toEqual({ '*': undefined, '/api/*': undefined, '/img/*': OTHER.arn });
    const put = cf.calls.find((c) => c.operation === 'UpdateDistribution')!;
    expect(put.body).toContain('<Quantity>2</Quantity>');
    cf.calls.length = 0;
    const second = capture();
    expect(await runAttach(options(['--config', CONFIG.arn], 'detach'), clients, second.io)).toBe(0);
    expect(second.out()).toMatch(/^Nothing to change/);
    // Detach by ARN needs neither the config nor the processor: only the distribution.
    expect(cf.calls.map((c) => c.operation)).toEqual(['GetDistributionConfig']);
  });
});

describe('parseAttachArgs, planBehaviors, fieldVerdict', () => {
  it('reports every command-line mistake at once, named by flag', () => {
    expect(() => parseAttachArgs('attach', ['--stack', 'cfrt'])).toThrow(
      'cfrt attach needs --distribution <id>.',
    );
    expect(() => parseAttachArgs('attach', ['--distribution', 'E1'])).toThrow(
      'needs --config <arn|name> or --stack',
    );
    expect(() =>
      parseAttachArgs('attach', ['--distribution', 'e1', '--stack', 'x', '--max-attempts', '0']),
    ).toThrow(UsageError);
    try {
      parseAttachArgs('attach', ['--distribution', 'e1', '--stack', 'x', '--max-attempts', '0']);
    } catch (err) {
      expect((err as UsageError).issues.map((i) => i.name)).toEqual(['--distribution', '--max-attempts']);
    }
    expect(() => parseAttachArgs('attach', ['--distribution', 'E1', '--stack', 'x', '/a/*'])).toThrow(
      /--behaviors/,
    );
    expect(
      parseAttachArgs('attach', ['--distribution', 'E1', '--stack', 'x', '--behaviors', '/a/*', '/b/*'])
        .behaviors,
    ).toEqual(['/a/*', '/b/*']);
  });

  it('keeps CacheBehaviors Quantity and leaves an unchosen behavior as it was', () => {
    const config = {
      CallerReference: 'r',
      DefaultCacheBehavior: { TargetOriginId: 'o', ViewerProtocolPolicy: 'allow-all' as const },
      CacheBehaviors: {
        Quantity: 1,
        Items: [{ PathPattern: '/a/*', TargetOriginId: 'o', ViewerProtocolPolicy: 'allow-all' as const }],
      },
    } as Parameters<typeof planBehaviors>[0];
    const plan = planBehaviors(config, 'arn:x', { mode: 'attach', behaviors: ['/a/*'] });
    expect(plan.config.CacheBehaviors).toEqual({
      Quantity: 1,
      Items: [{ ...config.CacheBehaviors!.Items![0], RealtimeLogConfigArn: 'arn:x' }],
    });
    expect(plan.config.DefaultCacheBehavior).toBe(config.DefaultCacheBehavior);
    const back = planBehaviors(plan.config, 'arn:x', { mode: 'detach' });
    expect(back.config).toEqual(config);
  });

  it('reads the handler variables as the handler does (delivery order keeps the order)', () => {
    expect(fieldVerdict(['sc-status', 'timestamp'], { CFRT_FIELDS: 'timestamp sc-status' })).toMatchObject({
      ok: true,
      layout: 'current',
    });
    expect(
      fieldVerdict(['sc-status', 'timestamp'], {
        CFRT_FIELDS: 'timestamp,sc-status',
        CFRT_FIELD_ORDER: 'delivery',
      }),
    ).toMatchObject({
      ok: false,
    });
    expect(
      fieldVerdict(['timestamp', 'x-new-field'], {
        CFRT_FIELDS: 'timestamp,x-new-field',
        CFRT_FIELD_ORDER: 'delivery',
      }),
    ).toMatchObject({
      ok: true,
    });
    expect(fieldVerdict(['timestamp', 'x-new-field'], { CFRT_FIELDS: 'timestamp' })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Unknown real-time log field "x-new-field"'),
    });
    expect(fieldVerdict(['timestamp'], {})).toMatchObject({
      ok: false,
      problem: expect.stringContaining('no CFRT_FIELDS'),
    });
  });
});
