/**
 * A loopback WAFv2 answering GetIPSet and UpdateIPSet as the real `@aws-sdk/client-wafv2` speaks
 * them (AWS JSON 1.1, `X-Amz-Target: AWSWAF_20190729.<operation>`), with the service's documented
 * behaviour: every IP set has a LockToken that changes on every update; an update with a stale one
 * is refused (WAFOptimisticLockException); more than 10,000 addresses is WAFLimitsExceededException;
 * an address that is not a CIDR of the set's version (or a /0) is WAFInvalidParameterException; an
 * unknown set is WAFNonexistentItemException; a CLOUDFRONT-scope call signed for another region
 * than us-east-1 is refused. UpdateIPSet replaces every mutable setting, the description included,
 * as WAF documents. Requests are decoded and checked, not pattern-matched, so a client that sent
 * something else fails here. Its own address check uses node:net, not the code under test.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type LocalServer, listen } from '../../src/cli/local-aws.js';

/** WAF's addresses per IP set (stated here on its own, so the server does not trust the code's constant). */
const MAX_ADDRESSES = 10_000;
const ACCOUNT = '123456789012';

/** An IP set as the server keeps it. */
export interface FakeIpSet {
  readonly name: string;
  readonly id: string;
  readonly scope: 'CLOUDFRONT' | 'REGIONAL';
  readonly region: string;
  readonly version: 'IPV4' | 'IPV6';
  addresses: string[];
  lockToken: string;
  description: string | undefined;
  readonly arn: string;
}

/** A fault to answer an operation with instead of doing it. */
export interface WafFault {
  readonly type: string;
  readonly message?: string;
  /** HTTP status; 400 by default (WAF's client errors and throttling), 500 for internal errors. */
  readonly status?: number;
}

/** Decides per request whether to answer with a fault; `n` counts calls of the operation (from 1). */
export type WafFaultPlan = (operation: 'GetIPSet' | 'UpdateIPSet', n: number) => WafFault | undefined;

/** One request as the server decoded it. */
export interface WafCall {
  readonly operation: string;
  readonly region: string;
  readonly body: Record<string, unknown>;
  /** The answer's error type, when the call failed. */
  readonly error?: string;
}

export interface Wafv2Server extends LocalServer {
  readonly calls: WafCall[];
  /** Every accepted update: the set's name and its addresses after it, in order. */
  readonly history: { name: string; addresses: string[] }[];
  plan: WafFaultPlan;
  /**
   * Runs when an UpdateIPSet arrives, before its LockToken is checked: a test changes the set here
   * (with `touch`), as another writer would between the responder's read and its write.
   */
  beforeUpdate: (set: FakeIpSet, n: number) => void;
  /** Creates an IP set and returns it (its `arn` is what the responder is configured with). */
  create(options: {
    name: string;
    version: 'IPV4' | 'IPV6';
    scope?: 'CLOUDFRONT' | 'REGIONAL';
    region?: string;
    addresses?: string[];
    description?: string;
  }): FakeIpSet;
  /** Changes a set's addresses as another writer would: its LockToken moves on. */
  touch(set: FakeIpSet, addresses: string[]): void;
  count(operation: string): number;
}

function validCidr(text: unknown, version: 'IPV4' | 'IPV6'): boolean {
  if (typeof text !== 'string') return false;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (m === null) return false;
  const prefix = Number(m[2]);
  if (version === 'IPV4') return isIPv4(m[1]!) && prefix >= 1 && prefix <= 32;
  return isIPv6(m[1]!) && !m[1]!.includes('%') && prefix >= 1 && prefix <= 128;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

function signedRegion(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
}

function answer(res: ServerResponse, status: number, body: object, type?: string): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
    ...(type === undefined ? {} : { 'x-amzn-errortype': type }),
  });
  res.end(payload);
}

/**
 * Starts the loopback WAFv2.
 *
 * @example
 * const waf = await startWafv2();
 * const v4 = waf.create({ name: 'block-v4', version: 'IPV4' });
 * const client = new WAFV2Client({ endpoint: waf.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
 */
export async function startWafv2(plan: WafFaultPlan = () => undefined): Promise<Wafv2Server> {
  const sets = new Map<string, FakeIpSet>();
  const calls: WafCall[] = [];
  const history: Wafv2Server['history'] = [];
  const counts = new Map<string, number>();
  const fail = (res: ServerResponse, call: WafCall, type: string, message: string, status = 400) => {
    calls.push({ ...call, error: type });
    answer(res, status, { __type: type, Message: message }, type);
  };
  const server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const region = signedRegion(req);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch {
        return fail(res, { operation: target, region, body: {} }, 'SerializationException', 'bad JSON');
      }
      const operation = target.replace(/^AWSWAF_20190729\./, '');
      const call: WafCall = { operation, region, body };
      if (
        !target.startsWith('AWSWAF_20190729.') ||
        req.headers['content-type'] !== 'application/x-amz-json-1.1' ||
        (operation !== 'GetIPSet' && operation !== 'UpdateIPSet')
      ) {
        return fail(res, call, 'UnknownOperationException', `unsupported ${target}`);
      }
      const n = (counts.get(operation) ?? 0) + 1;
      counts.set(operation, n);
      const fault = waf.plan(operation, n);
      if (fault !== undefined) {
        return fail(res, call, fault.type, fault.message ?? fault.type, fault.status ?? 400);
      }
      const { Name, Id, Scope } = body;
      if (
        typeof Name !== 'string' ||
        typeof Id !== 'string' ||
        (Scope !== 'CLOUDFRONT' && Scope !== 'REGIONAL')
      ) {
        return fail(res, call, 'WAFInvalidParameterException', 'Name, Id and Scope are required');
      }
      if (Scope === 'CLOUDFRONT' && region !== 'us-east-1') {
        return fail(
          res,
          call,
          'WAFInvalidParameterException',
          'Error reason: The scope is not valid., field: SCOPE_VALUE',
        );
      }
      const set = sets.get(`${Scope}/${region}/${Name}/${Id}`);
      if (set === undefined) {
        return fail(
          res,
          call,
          'WAFNonexistentItemException',
          "AWS WAF couldn't perform the operation because your resource doesn't exist.",
        );
      }
      if (operation === 'GetIPSet') {
        calls.push(call);
        return answer(res, 200, {
          IPSet: {
            Name: set.name,
            Id: set.id,
            ARN: set.arn,
            IPAddressVersion: set.version,
            Addresses: [...set.addresses],
            ...(set.description === undefined ? {} : { Description: set.description }),
          },
          LockToken: set.lockToken,
        });
      }
      waf.beforeUpdate(set, n);
      const { Addresses, LockToken, Description } = body;
      if (!Array.isArray(Addresses) || typeof LockToken !== 'string') {
        return fail(res, call, 'WAFInvalidParameterException', 'Addresses and LockToken are required');
      }
      if (LockToken !== set.lockToken) {
        return fail(
          res,
          call,
          'WAFOptimisticLockException',
          "AWS WAF couldn't save your changes because you tried to update or delete a resource that has changed since you last retrieved it.",
        );
      }
      if (Addresses.length > MAX_ADDRESSES) {
        return fail(
          res,
          call,
          'WAFLimitsExceededException',
          "AWS WAF couldn't perform the operation because you exceeded your resource limit.",
        );
      }
      const bad = Addresses.find((a) => !validCidr(a, set.version));
      if (bad !== undefined) {
        return fail(
          res,
          call,
          'WAFInvalidParameterException',
          'Error reason: The parameter contains formatting that is not recognized., field: IP_ADDRESS',
        );
      }
      set.addresses = [...(Addresses as string[])];
      set.description = typeof Description === 'string' ? Description : undefined;
      set.lockToken = randomUUID();
      history.push({ name: set.name, addresses: [...set.addresses] });
      calls.push(call);
      return answer(res, 200, { NextLockToken: set.lockToken });
    })();
  });
  const local = await listen(server);
  const waf: Wafv2Server = {
    ...local,
    calls,
    history,
    plan,
    beforeUpdate: () => {},
    create(o) {
      const scope = o.scope ?? 'CLOUDFRONT';
      const region = o.region ?? 'us-east-1';
      const id = randomUUID();
      const set: FakeIpSet = {
        name: o.name,
        id,
        scope,
        region,
        version: o.version,
        addresses: [...(o.addresses ?? [])],
        lockToken: randomUUID(),
        description: o.description,
        arn: `arn:aws:wafv2:${region}:${ACCOUNT}:${scope === 'CLOUDFRONT' ? 'global' : 'regional'}/ipset/${o.name}/${id}`,
      };
      sets.set(`${scope}/${region}/${o.name}/${id}`, set);
      return set;
    },
    touch(set, addresses) {
      set.addresses = [...addresses];
      set.lockToken = randomUUID();
    },
    count: (operation) => calls.filter((c) => c.operation === operation).length,
  };
  return waf;
}
