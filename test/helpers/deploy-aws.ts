/**
 * Loopback servers for `cfrt attach`, `detach` and `status`, answering the real SDK v3 clients
 * the way the services do: CloudFront (REST-XML: ETag / If-Match, 412 PreconditionFailed,
 * Throttling, Marker pagination), CloudFormation (the query protocol: form body, XML answer),
 * Lambda (REST-JSON) and CloudWatch GetMetricData (the installed client's AWS JSON 1.0, NextToken
 * pagination). Requests are decoded, not pattern-matched, so a client that sent something else
 * would fail here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { type LocalServer, listen } from '../../src/cli/local-aws.js';

// ------------------------------------------------------------------ a small XML reader/writer

/** An XML element: its name, child elements and text (the services' documents have no mixed content). */
export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlUnescape(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e] ?? m;
  });
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Parses an XML document into its root element. */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack = [root];
  for (const m of xml.matchAll(/<\?[^>]*\?>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^>]*?)?)(\/?)>|([^<]+)/g)) {
    const top = stack.at(-1)!;
    if (m[0].startsWith('<?')) continue;
    if (m[5] !== undefined) {
      top.text += xmlUnescape(m[5]);
      continue;
    }
    if (m[1] === '/') {
      if (top.name !== m[2]) throw new Error(`XML: </${m[2]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const node: XmlNode = { name: m[2]!, children: [], text: '' };
    top.children.push(node);
    if (m[4] !== '/') stack.push(node);
  }
  if (stack.length !== 1 || root.children.length !== 1) throw new Error('XML: not one closed root element');
  return root.children[0]!;
}

/** Writes an element (and a namespace on the root when given). */
export function writeXml(node: XmlNode, xmlns?: string): string {
  const open = xmlns === undefined ? `<${node.name}>` : `<${node.name} xmlns="${xmlns}">`;
  const inner =
    node.children.length > 0 ? node.children.map((c) => writeXml(c)).join('') : xmlEscape(node.text.trim());
  return `${open}${inner}</${node.name}>`;
}

/** An element from a compact description: text, or children as [name, value] pairs. */
export function el(name: string, value: string | number | boolean | (XmlNode | undefined)[]): XmlNode {
  return Array.isArray(value)
    ? { name, children: value.filter((c): c is XmlNode => c !== undefined), text: '' }
    : { name, children: [], text: String(value) };
}

/** The first child named `name`. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

/** The text of the child at a path of names. */
export function textAt(node: XmlNode | undefined, ...path: string[]): string | undefined {
  let n = node;
  for (const p of path) n = child(n, p);
  return n?.text.trim();
}

function clone(node: XmlNode): XmlNode {
  return { name: node.name, text: node.text, children: node.children.map(clone) };
}

// ------------------------------------------------------------------ plumbing

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: object = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The region a request was signed for (SigV4 credential scope). */
function signedRegion(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
}

/** A fault to answer with instead of the operation, by code (`Throttling`, `AccessDenied`, ...). */
export interface ServiceFault {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

/** Decides per request whether to answer with a fault; `n` counts calls of the operation (from 1). */
export type ServiceFaultPlan = (operation: string, n: number) => ServiceFault | undefined;

/** Calls seen, by operation. */
export interface SeenCalls {
  readonly calls: { operation: string; region: string; body: unknown }[];
  count(operation: string): number;
}

function seenCalls(): SeenCalls {
  const calls: SeenCalls['calls'] = [];
  return { calls, count: (op) => calls.filter((c) => c.operation === op).length };
}

// ------------------------------------------------------------------ CloudFront (REST-XML)

const CLOUDFRONT_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

/** A real-time log config as CloudFront keeps it. */
export interface FakeRealtimeLogConfig {
  arn: string;
  name: string;
  samplingRate: number;
  fields: string[];
  streamArn: string;
  roleArn: string;
}

/** A distribution: its configuration document, ETag and domain. */
export interface FakeDistribution {
  id: string;
  etag: string;
  config: XmlNode;
  status: string;
}

export interface CloudFrontServer extends LocalServer, SeenCalls {
  readonly distributions: Map<string, FakeDistribution>;
  readonly configs: FakeRealtimeLogConfig[];
  /** Items per ListDistributionsByRealtimeLogConfig page at most (pagination). */
  pageSize: number;
  plan: ServiceFaultPlan;
  /**
   * Runs before an UpdateDistribution is checked: a test changes the distribution here, as
   * another operator would between the command's read and its write.
   */
  beforeUpdate: (distribution: FakeDistribution, n: number) => void;
  /** Changes a distribution as another writer would: its ETag moves on. */
  touch(id: string): void;
}

let etags = 0;
function nextEtag(): string {
  etags++;
  return `E${String(etags).padStart(12, '0')}`;
}

/**
 * A distribution configuration document as CloudFront returns it, with a default behavior and a
 * cache behavior per pattern; `logs` gives a behavior's real-time log config ARN.
 */
export function distributionConfigXml(options: {
  reference: string;
  patterns: readonly string[];
  logs?: Readonly<Record<string, string>>;
}): XmlNode {
  const logs = options.logs ?? {};
  const behavior = (name: string, pattern: string | undefined) =>
    el(name, [
      pattern === undefined ? undefined : el('PathPattern', pattern),
      el('TargetOriginId', 'origin-1'),
      el('TrustedSigners', [el('Enabled', false), el('Quantity', 0)]),
      el('ViewerProtocolPolicy', 'redirect-to-https'),
      el('AllowedMethods', [
        el('Quantity', 2),
        el('Items', [el('Method', 'GET'), el('Method', 'HEAD')]),
        el('CachedMethods', [el('Quantity', 2), el('Items', [el('Method', 'GET'), el('Method', 'HEAD')])]),
      ]),
      el('Compress', true),
      logs[pattern ?? '*'] === undefined ? undefined : el('RealtimeLogConfigArn', logs[pattern ?? '*']!),
      el('CachePolicyId', '658327ea-f89d-4fab-a63d-7e88639e58f6'),
    ]);
  return el('DistributionConfig', [
    el('CallerReference', options.reference),
    el('Aliases', [el('Quantity', 0)]),
    el('DefaultRootObject', 'index.html'),
    el('Origins', [
      el('Quantity', 1),
      el('Items', [
        el('Origin', [
          el('Id', 'origin-1'),
          el('DomainName', 'example-bucket.s3.eu-west-1.amazonaws.com'),
          el('S3OriginConfig', [el('OriginAccessIdentity', '')]),
        ]),
      ]),
    ]),
    behavior('DefaultCacheBehavior', undefined),
    el('CacheBehaviors', [
      el('Quantity', options.patterns.length),
      options.patterns.length === 0
        ? undefined
        : el(
            'Items',
            options.patterns.map((p) => behavior('CacheBehavior', p)),
          ),
    ]),
    el('Comment', 'test distribution'),
    el('Enabled', true),
  ]);
}

function cloudFrontError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0"?>${writeXml(
    el('ErrorResponse', [
      el('Error', [el('Type', 'Sender'), el('Code', code), el('Message', message)]),
      el('RequestId', 'req-1'),
    ]),
    CLOUDFRONT_NS,
  )}`;
  send(res, status, 'text/xml', body, { 'x-amzn-requestid': 'req-1' });
}

/** The behaviors of a configuration document: pattern (`*` default) and its real-time log config. */
export function behaviorsOf(config: XmlNode): { pattern: string; arn: string | undefined }[] {
  const items = child(child(config, 'CacheBehaviors'), 'Items')?.children ?? [];
  return [
    { pattern: '*', arn: textAt(config, 'DefaultCacheBehavior', 'RealtimeLogConfigArn') },
    ...items.map((b) => ({
      pattern: textAt(b, 'PathPattern') ?? '',
      arn: textAt(b, 'RealtimeLogConfigArn'),
    })),
  ];
}

/**
 * Starts a loopback CloudFront: GetDistributionConfig, UpdateDistribution (If-Match, the
 * CallerReference and Quantity checks CloudFront makes, unknown config ARNs refused),
 * GetRealtimeLogConfig, ListDistributionsByRealtimeLogConfig (Marker / NextMarker).
 *
 * @example
 * const cf = await startCloudFront({ configs: [config] });
 * cf.distributions.set('E1', { id: 'E1', etag: 'E0', status: 'Deployed', config: distributionConfigXml(...) });
 */
export async function startCloudFront(init: { configs: FakeRealtimeLogConfig[] }): Promise<CloudFrontServer> {
  const seen = seenCalls();
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      let operation = 'Unknown';
      let id = '';
      const m = /^\/2020-05-31\/distribution\/([^/]+)\/config$/.exec(path);
      if (m !== null && req.method === 'GET') operation = 'GetDistributionConfig';
      else if (m !== null && req.method === 'PUT') operation = 'UpdateDistribution';
      else if (path === '/2020-05-31/get-realtime-log-config' && req.method === 'POST')
        operation = 'GetRealtimeLogConfig';
      else if (path === '/2020-05-31/distributionsByRealtimeLogConfig' && req.method === 'POST')
        operation = 'ListDistributionsByRealtimeLogConfig';
      if (m !== null) id = decodeURIComponent(m[1]!);
      seen.calls.push({ operation, region: signedRegion(req), body });
      // Counted from the calls kept, so a test that clears them counts from 1 again.
      const n = seen.count(operation);
      const fault = cf.plan(operation, n);
      if (fault !== undefined) {
        cloudFrontError(res, fault.status, fault.code, fault.message ?? fault.code);
        return;
      }
      const xml = (node: XmlNode, headers: object = {}) =>
        send(
          res,
          200,
          'text/xml',
          `<?xml version="1.0" encoding="UTF-8"?>${writeXml(node, CLOUDFRONT_NS)}`,
          headers,
        );
      switch (operation) {
        case 'GetDistributionConfig': {
          const d = cf.distributions.get(id);
          if (d === undefined)
            return cloudFrontError(
              res,
              404,
              'NoSuchDistribution',
              'The specified distribution does not exist.',
            );
          return xml(d.config, { etag: d.etag });
        }
        case 'UpdateDistribution': {
          const d = cf.distributions.get(id);
          if (d === undefined)
            return cloudFrontError(
              res,
              404,
              'NoSuchDistribution',
              'The specified distribution does not exist.',
            );
          cf.beforeUpdate(d, n);
          const ifMatch = req.headers['if-match'];
          if (ifMatch === undefined) {
            return cloudFrontError(
              res,
              400,
              'InvalidIfMatchVersion',
              'The If-Match version is missing or not valid.',
            );
          }
          if (ifMatch !== d.etag) {
            return cloudFrontError(
              res,
              412,
              'PreconditionFailed',
              'The precondition given in one or more of the request header fields evaluated to false.',
            );
          }
          const next = parseXml(body);
          if (next.name !== 'DistributionConfig')
            return cloudFrontError(res, 400, 'MalformedInput', `root ${next.name}`);
          if (textAt(next, 'CallerReference') !== textAt(d.config, 'CallerReference')) {
            return cloudFrontError(res, 400, 'IllegalUpdate', 'CallerReference cannot change.');
          }
          const behaviors = child(next, 'CacheBehaviors');
          const items = child(behaviors, 'Items')?.children.length ?? 0;
          if (Number(textAt(behaviors, 'Quantity')) !== items) {
            return cloudFrontError(
              res,
              400,
              'InvalidArgument',
              'CacheBehaviors Quantity does not match its Items.',
            );
          }
          for (const b of behaviorsOf(next)) {
            if (b.arn !== undefined && !cf.configs.some((c) => c.arn === b.arn)) {
              return cloudFrontError(
                res,
                400,
                'NoSuchRealtimeLogConfig',
                `No real-time log config ${b.arn}.`,
              );
            }
          }
          d.config = next;
          d.etag = nextEtag();
          d.status = 'InProgress';
          return xml(
            el('Distribution', [
              el('Id', d.id),
              el('ARN', `arn:aws:cloudfront::123456789012:distribution/${d.id}`),
              el('Status', d.status),
              el('LastModifiedTime', '2025-03-01T12:00:00Z'),
              el('InProgressInvalidationBatches', 0),
              el('DomainName', `${d.id.toLowerCase()}.cloudfront.net`),
              clone(next),
            ]),
            { etag: d.etag },
          );
        }
        case 'GetRealtimeLogConfig': {
          const q = parseXml(body);
          const arn = textAt(q, 'ARN');
          const name = textAt(q, 'Name');
          const c = cf.configs.find((x) => (name !== undefined ? x.name === name : x.arn === arn));
          if (c === undefined)
            return cloudFrontError(
              res,
              404,
              'NoSuchRealtimeLogConfig',
              'The real-time log configuration does not exist.',
            );
          return xml(
            el('GetRealtimeLogConfigResult', [
              el('RealtimeLogConfig', [
                el('ARN', c.arn),
                el('Name', c.name),
                el('SamplingRate', c.samplingRate),
                el('EndPoints', [
                  el('member', [
                    el('StreamType', 'Kinesis'),
                    el('KinesisStreamConfig', [el('RoleARN', c.roleArn), el('StreamARN', c.streamArn)]),
                  ]),
                ]),
                el(
                  'Fields',
                  c.fields.map((f) => el('Field', f)),
                ),
              ]),
            ]),
          );
        }
        case 'ListDistributionsByRealtimeLogConfig': {
          const q = parseXml(body);
          const arn = textAt(q, 'RealtimeLogConfigArn');
          const marker = textAt(q, 'Marker') ?? '';
          const pageSize = Math.min(cf.pageSize, Number(textAt(q, 'MaxItems') ?? 100));
          const using = [...cf.distributions.values()]
            .filter((d) => behaviorsOf(d.config).some((b) => b.arn === arn))
            .sort((a, b) => a.id.localeCompare(b.id));
          const from = marker === '' ? 0 : using.findIndex((d) => d.id === marker);
          const page = using.slice(from, from + pageSize);
          const next = using[from + pageSize];
          return xml(
            el('DistributionList', [
              el('Marker', marker),
              next === undefined ? undefined : el('NextMarker', next.id),
              el('MaxItems', pageSize),
              el('IsTruncated', next !== undefined),
              el('Quantity', page.length),
              el(
                'Items',
                page.map((d) =>
                  el('DistributionSummary', [
                    el('Id', d.id),
                    el('ARN', `arn:aws:cloudfront::123456789012:distribution/${d.id}`),
                    el('Status', d.status),
                    el('DomainName', `${d.id.toLowerCase()}.cloudfront.net`),
                    clone(child(d.config, 'DefaultCacheBehavior')!),
                    clone(child(d.config, 'CacheBehaviors')!),
                    el('Enabled', true),
                  ]),
                ),
              ),
            ]),
          );
        }
        default:
          return cloudFrontError(res, 400, 'InvalidAction', `unsupported ${req.method} ${path}`);
      }
    })();
  });
  const local = await listen(server);
  const cf: CloudFrontServer = {
    ...local,
    ...seen,
    distributions: new Map(),
    configs: init.configs,
    pageSize: 100,
    plan: () => undefined,
    beforeUpdate: () => {},
    touch(id) {
      const d = cf.distributions.get(id)!;
      const comment = child(d.config, 'Comment');
      if (comment !== undefined) comment.text = `${comment.text} (edited)`;
      d.etag = nextEtag();
    },
  };
  return cf;
}

/** Adds a distribution with a fresh ETag. */
export function addDistribution(
  cf: CloudFrontServer,
  id: string,
  patterns: readonly string[],
  logs: Readonly<Record<string, string>> = {},
): FakeDistribution {
  const d = {
    id,
    etag: nextEtag(),
    status: 'Deployed',
    config: distributionConfigXml({ reference: `ref-${id}`, patterns, logs }),
  };
  cf.distributions.set(id, d);
  return d;
}

// ------------------------------------------------------------------ CloudFormation (query protocol)

const CFN_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface FakeStack {
  name: string;
  status: string;
  outputs: Record<string, string>;
  parameters: Record<string, string>;
}

export interface CloudFormationServer extends LocalServer, SeenCalls {
  readonly stacks: Map<string, FakeStack>;
  plan: ServiceFaultPlan;
}

/**
 * Starts a loopback CloudFormation answering DescribeStacks (form-encoded `Action=...` in, XML
 * out; a missing stack is the service's 400 ValidationError).
 *
 * @example
 * const cfn = await startCloudFormation();
 * cfn.stacks.set('cfrt', { name: 'cfrt', status: 'CREATE_COMPLETE', outputs: {...}, parameters: {} });
 */
export async function startCloudFormation(): Promise<CloudFormationServer> {
  const seen = seenCalls();
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    send(
      res,
      status,
      'text/xml',
      writeXml(
        el('ErrorResponse', [
          el('Error', [el('Type', 'Sender'), el('Code', code), el('Message', message)]),
          el('RequestId', 'req-1'),
        ]),
        CFN_NS,
      ),
    );
  const server = createServer((req, res) => {
    void (async () => {
      const form = new URLSearchParams(await readBody(req));
      const operation = form.get('Action') ?? 'Unknown';
      seen.calls.push({ operation, region: signedRegion(req), body: Object.fromEntries(form) });
      const n = seen.count(operation);
      const fault = cfn.plan(operation, n);
      if (fault !== undefined) return error(res, fault.status, fault.code, fault.message ?? fault.code);
      if (operation !== 'DescribeStacks' || form.get('Version') !== '2010-05-15') {
        return error(res, 400, 'InvalidAction', `unsupported ${operation}`);
      }
      const name = form.get('StackName') ?? '';
      const stack = cfn.stacks.get(name);
      if (stack === undefined)
        return error(res, 400, 'ValidationError', `Stack with id ${name} does not exist`);
      const pairs = (kind: 'Output' | 'Parameter', entries: Record<string, string>) =>
        Object.entries(entries).map(([k, v]) => el('member', [el(`${kind}Key`, k), el(`${kind}Value`, v)]));
      send(
        res,
        200,
        'text/xml',
        writeXml(
          el('DescribeStacksResponse', [
            el('DescribeStacksResult', [
              el('Stacks', [
                el('member', [
                  el('StackId', `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/1`),
                  el('StackName', name),
                  el('CreationTime', '2025-03-01T12:00:00Z'),
                  el('StackStatus', stack.status),
                  el('Parameters', pairs('Parameter', stack.parameters)),
                  el('Outputs', pairs('Output', stack.outputs)),
                ]),
              ]),
            ]),
            el('ResponseMetadata', [el('RequestId', 'req-1')]),
          ]),
          CFN_NS,
        ),
      );
    })();
  });
  const local = await listen(server);
  const cfn: CloudFormationServer = { ...local, ...seen, stacks: new Map(), plan: () => undefined };
  return cfn;
}

// ------------------------------------------------------------------ Lambda (REST-JSON)

export interface FakeFunction {
  name: string;
  env: Record<string, string>;
}

export interface FakeMapping {
  functionName: string;
  eventSourceArn: string;
  state: string;
}

export interface LambdaServer extends LocalServer, SeenCalls {
  readonly functions: Map<string, FakeFunction>;
  readonly mappings: FakeMapping[];
  /** Mappings per ListEventSourceMappings page at most. */
  pageSize: number;
}

const functionArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;

/**
 * Starts a loopback Lambda answering GetFunctionConfiguration and ListEventSourceMappings
 * (filtered by EventSourceArn / FunctionName, Marker / NextMarker).
 *
 * @example
 * const lambda = await startLambda();
 * lambda.functions.set('proc', { name: 'proc', env: { CFRT_FIELDS: 'timestamp,sc-status' } });
 */
export async function startLambda(): Promise<LambdaServer> {
  const seen = seenCalls();
  const json = (res: ServerResponse, status: number, body: object, type?: string) =>
    send(
      res,
      status,
      'application/json',
      JSON.stringify(body),
      type === undefined ? {} : { 'x-amzn-errortype': type },
    );
  const server = createServer((req, res) => {
    void (async () => {
      await readBody(req);
      const url = new URL(req.url ?? '/', 'http://x');
      const config = /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/.exec(url.pathname);
      if (config !== null && req.method === 'GET') {
        seen.calls.push({ operation: 'GetFunctionConfiguration', region: signedRegion(req), body: null });
        const ref = decodeURIComponent(config[1]!);
        const fn = lambda.functions.get(ref.split(':').at(-1)!);
        if (fn === undefined) {
          return json(
            res,
            404,
            { Type: 'User', Message: `Function not found: ${functionArn(ref)}` },
            'ResourceNotFoundException',
          );
        }
        return json(res, 200, {
          FunctionName: fn.name,
          FunctionArn: functionArn(fn.name),
          Runtime: 'nodejs22.x',
          Environment: { Variables: fn.env },
        });
      }
      if (/^\/2015-03-31\/event-source-mappings\/?$/.test(url.pathname) && req.method === 'GET') {
        seen.calls.push({
          operation: 'ListEventSourceMappings',
          region: signedRegion(req),
          body: url.search,
        });
        const source = url.searchParams.get('EventSourceArn');
        const fnName = url.searchParams.get('FunctionName');
        const all = lambda.mappings.filter(
          (m) =>
            (source === null || m.eventSourceArn === source) &&
            (fnName === null || m.functionName === fnName.split(':').at(-1)),
        );
        const from = Number(url.searchParams.get('Marker') ?? 0);
        const page = all.slice(from, from + lambda.pageSize);
        return json(res, 200, {
          EventSourceMappings: page.map((m, i) => ({
            UUID: `uuid-${from + i}`,
            FunctionArn: functionArn(m.functionName),
            EventSourceArn: m.eventSourceArn,
            State: m.state,
          })),
          ...(from + lambda.pageSize < all.length ? { NextMarker: String(from + lambda.pageSize) } : {}),
        });
      }
      return json(
        res,
        400,
        { message: `unsupported ${req.method} ${url.pathname}` },
        'InvalidRequestContentException',
      );
    })();
  });
  const local = await listen(server);
  const lambda: LambdaServer = { ...local, ...seen, functions: new Map(), mappings: [], pageSize: 50 };
  return lambda;
}

// ------------------------------------------------------------------ CloudWatch GetMetricData (JSON 1.0)

/** A metric's per-minute value over the range asked: by `${Namespace}/${MetricName}` and dimensions. */
export type MetricSource = (metric: {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  stat: string;
  region: string;
  minute: number;
}) => number | undefined;

export interface MetricsServer extends LocalServer, SeenCalls {
  source: MetricSource;
  /** Results per page at most (NextToken pagination). */
  pageSize: number;
}

interface MetricQueryBody {
  MetricDataQueries: {
    Id: string;
    MetricStat: {
      Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
      Period: number;
      Stat: string;
    };
  }[];
  StartTime: number;
  EndTime: number;
  NextToken?: string;
}

/**
 * Starts a loopback CloudWatch answering GetMetricData as the installed client speaks it (AWS JSON
 * 1.0, `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, times in epoch seconds): a
 * datapoint per period where `source` has a value.
 *
 * @example
 * const cw = await startMetrics(({ name }) => (name === 'IncomingRecords' ? 100 : undefined));
 */
export async function startMetrics(source: MetricSource): Promise<MetricsServer> {
  const seen = seenCalls();
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const region = signedRegion(req);
      const fail = (message: string) =>
        send(
          res,
          400,
          'application/x-amz-json-1.0',
          JSON.stringify({ __type: 'InvalidParameterValue', message }),
          {
            'x-amzn-query-error': 'InvalidParameterValue;Sender',
          },
        );
      if (target !== 'GraniteServiceVersion20100801.GetMetricData') return fail(`unsupported ${target}`);
      const body = JSON.parse(raw) as MetricQueryBody;
      seen.calls.push({ operation: 'GetMetricData', region, body });
      if (!Number.isFinite(body.StartTime) || !(body.EndTime > body.StartTime)) return fail('bad range');
      const ids = body.MetricDataQueries.map((q) => q.Id);
      if (new Set(ids).size !== ids.length || ids.some((id) => !/^[a-z][a-zA-Z0-9_]*$/.test(id))) {
        return fail(`bad ids ${ids.join(',')}`);
      }
      const from = Number(body.NextToken ?? 0);
      const page = body.MetricDataQueries.slice(from, from + metrics.pageSize);
      const results = page.map((q) => {
        const period = q.MetricStat.Period;
        const timestamps: number[] = [];
        const values: number[] = [];
        for (let t = body.StartTime; t < body.EndTime; t += period) {
          const v = metrics.source({
            namespace: q.MetricStat.Metric.Namespace,
            name: q.MetricStat.Metric.MetricName,
            dimensions: Object.fromEntries(
              (q.MetricStat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]),
            ),
            stat: q.MetricStat.Stat,
            region,
            minute: t * 1000,
          });
          if (v === undefined) continue;
          timestamps.push(t);
          values.push(v);
        }
        return {
          Id: q.Id,
          Label: q.MetricStat.Metric.MetricName,
          Timestamps: timestamps,
          Values: values,
          StatusCode: 'Complete',
        };
      });
      const next =
        from + metrics.pageSize < body.MetricDataQueries.length ? String(from + metrics.pageSize) : undefined;
      send(
        res,
        200,
        'application/x-amz-json-1.0',
        JSON.stringify({
          MetricDataResults: results,
          Messages: [],
          ...(next === undefined ? {} : { NextToken: next }),
        }),
      );
    })();
  });
  const local = await listen(server);
  const metrics: MetricsServer = { ...local, ...seen, source, pageSize: 100 };
  return metrics;
}
