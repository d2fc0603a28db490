/**
 * Issue 20 in infra/template.yaml, offline: the anomaly alarms, the no-records alarm and its
 * composite, the delivery widget, the findings detector and its routing to the alarm topic, and the
 * WAF responder. Every parameter combination is resolved (test/infra/resolve.ts) and checked for
 * what it deploys, what those resources reference, and what their roles may do. (The SAM schema
 * and resource-specification checks of template.test.ts cover these resources too.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETECTOR_STATE_PK } from '../../src/api/detector.js';
import { DETECTOR_ENV, DETECTOR_SETTINGS, detectorSettingsFromEnv } from '../../src/api/detector-config.js';
import { FINDING_KINDS, type Finding, type FindingSeverity } from '../../src/detect/types.js';
import { ENV_NAMES, settingsFromEnv } from '../../src/handler/config.js';
import { optionFacts } from '../../src/model/options.js';
import { responderSettingsFromEnv } from '../../src/respond/options.js';
import { STATE_KEY_PREFIX } from '../../src/respond/state.js';
import { seriesIndexKey, seriesKey } from '../../src/sinks/dynamodb-keys.js';
import { intrinsicOf, isObject, type Json, loadTemplate, type Template } from './cfn-yaml.js';
import { findWildcardDataPlaneGrants, identityStatements } from './iam.js';
import { type ResolvedTemplate, resolveTemplate } from './resolve.js';

const repo = new URL('../../', import.meta.url);
const MAKEFILE_PATH = new URL('infra/Makefile', repo);
const template = loadTemplate(new URL('infra/template.yaml', repo));
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};
const props = (id: string): Record<string, Json> => resource(id).Properties ?? {};
const parameter = (name: string): Record<string, Json> => {
  const found = template.Parameters?.[name];
  if (!found) throw new Error(`template has no parameter ${name}`);
  return found;
};
const env = (id: string): Record<string, Json> =>
  (props(id).Environment as { Variables: Record<string, Json> }).Variables;

/** A CLOUDFRONT-scope IP set ARN as WAF writes them. */
const V4_ARN =
  'arn:aws:wafv2:us-east-1:123456789012:global/ipset/blocked-v4/a1b2c3d4-5678-90ab-cdef-111111111111';
const V6_ARN =
  'arn:aws:wafv2:us-east-1:123456789012:global/ipset/blocked-v6/a1b2c3d4-5678-90ab-cdef-222222222222';

/** Parameters and region of one deployment. */
interface Deployment {
  readonly overrides: Record<string, string>;
  readonly region: string;
}

const resolved = ({ overrides, region }: Deployment): ResolvedTemplate =>
  resolveTemplate(template, overrides, { 'AWS::Region': region });

/** The resources a deployment creates: no Condition, or a true one. */
const deployedIds = (r: ResolvedTemplate, t: Template = template): Set<string> =>
  new Set(
    Object.entries(t.Resources)
      .filter(([, res]) => res.Condition === undefined || r.condition(String(res.Condition)))
      .map(([id]) => id),
  );

/** Logical ids a value names (Ref, GetAtt, Sub), following only the Fn::If branches `r` takes. */
const referencedIds = (r: ResolvedTemplate, value: Json, out = new Set<string>()): Set<string> => {
  const fn = intrinsicOf(value);
  if (fn === null || !isObject(value)) {
    if (Array.isArray(value)) for (const item of value) referencedIds(r, item, out);
    else if (isObject(value)) for (const item of Object.values(value)) referencedIds(r, item, out);
    return out;
  }
  const args = value[fn]!;
  if (fn === 'Fn::If' && Array.isArray(args)) {
    return referencedIds(r, r.condition(String(args[0])) ? args[1]! : args[2]!, out);
  }
  if (fn === 'Ref') out.add(String(args));
  else if (fn === 'Fn::GetAtt') out.add(Array.isArray(args) ? String(args[0]) : String(args).split('.')[0]!);
  else if (fn === 'Fn::Sub') {
    const [text, variables] = Array.isArray(args) ? args : [args, {}];
    for (const [, name] of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
      if (!(isObject(variables) && name! in variables)) out.add(name!.split('.')[0]!);
    }
    if (variables !== undefined) referencedIds(r, variables, out);
  } else referencedIds(r, args, out);
  return out;
};

/** The Rules assertions a deployment breaks (CloudFormation refuses it before creating anything). */
const brokenRules = (r: ResolvedTemplate, t: Template = template): string[] =>
  Object.entries(t.Rules ?? {}).flatMap(([name, rule]) => {
    if (!isObject(rule)) return [];
    if (rule.RuleCondition !== undefined && r.resolve(rule.RuleCondition) !== true) return [];
    const assertions = Array.isArray(rule.Assertions) ? rule.Assertions : [];
    return assertions.filter((a) => isObject(a) && r.resolve(a.Assert!) !== true).map(() => name);
  });

/** Every combination of the parameters this feature adds, in both kinds of region. */
const combinations = (): Deployment[] => {
  const out: Deployment[] = [];
  for (const Findings of ['true', 'false'])
    for (const WafResponse of ['off', 'dry-run', 'on'])
      for (const WafIpSetArnV4 of ['', V4_ARN])
        for (const WafIpSetArnV6 of ['', V6_ARN])
          for (const region of ['us-east-1', 'eu-west-1'])
            for (const anomaly of ['true', 'false'])
              for (const DistributionId of ['', 'E2QWRUHAPOMQZL'])
                out.push({
                  region,
                  overrides: {
                    Findings,
                    WafResponse,
                    WafIpSetArnV4,
                    WafIpSetArnV6,
                    DistributionId,
                    AnomalyOnRequests: anomaly,
                    AnomalyOn5xxRate: anomaly,
                    AnomalyOnTimeToFirstByte: anomaly,
                  },
                });
  return out;
};

/** One statement of a resolved policy, with its lists as lists. */
interface Grant {
  sid: string;
  actions: string[];
  resources: Json[];
  condition?: Json;
}

const asList = (value: Json | undefined): Json[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** A role's inline statements as a deployment resolves them (Fn::If taken, NoValue dropped). */
const grantsOf = (r: ResolvedTemplate, role: string): Grant[] => {
  const policies = r.resolve(props(role).Policies!) as { PolicyDocument: { Statement: Json[] } }[];
  return policies.flatMap((policy) =>
    policy.PolicyDocument.Statement.map((s) => {
      const statement = s as Record<string, Json>;
      expect(statement.Effect, `${role}: only Allow statements`).toBe('Allow');
      return {
        sid: String(statement.Sid),
        actions: asList(statement.Action).map(String),
        resources: asList(statement.Resource),
        ...(statement.Condition === undefined ? {} : { condition: statement.Condition }),
      };
    }),
  );
};

/** IAM StringLike: `*` any run of characters, `?` one character, case-sensitive. */
const stringLike = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  ).test(value);

/** Whether a ForAllValues:StringLike LeadingKeys condition lets a request on `partitionKey` through. */
const leadingKeysAllow = (condition: Json | undefined, partitionKey: string): boolean => {
  const patterns = asList(getPath(condition, 'ForAllValues:StringLike', 'dynamodb:LeadingKeys')).map(String);
  return patterns.some((p) => stringLike(p, partitionKey));
};

const getPath = (root: Json | undefined, ...path: string[]): Json | undefined => {
  let at = root;
  for (const key of path) at = isObject(at) ? at[key] : Array.isArray(at) ? at[Number(key)] : undefined;
  return at;
};

/** EventBridge's exact-value matching (the only kind these patterns use): every field, one of its values. */
const patternMatches = (pattern: Json, event: Json): boolean =>
  isObject(pattern) &&
  Object.entries(pattern).every(([key, expected]) => {
    const actual = isObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) return expected.some((value) => !isObject(value) && value === actual);
    return isObject(expected) && patternMatches(expected, actual ?? null);
  });

/** A finding as the detector publishes it (typed by the contract, src/detect/types.ts). */
const sampleFinding = (overrides: Partial<Finding> = {}): Finding => ({
  version: 1,
  id: '0123456789abcdef0123456789abcdef',
  kind: 'client-flood',
  severity: 'critical',
  window: { start: '2026-12-02T12:00:00.000Z', end: '2026-12-02T12:01:00.000Z' },
  subject: { type: 'client', value: '203.0.113.0/24', cidr: '203.0.113.0/24' },
  measure: { name: 'requestsPerMinute', value: 5000, threshold: 1200, upperBound: 5012 },
  summary: 'Client 203.0.113.0/24 sent at least 5,000 requests in one minute (threshold 1,200).',
  ...overrides,
});

/** The event the EventBridge sink puts on the bus for a finding, as a rule sees it. */
const findingEvent = (finding: Finding, source = 'cloudfront-realtime-logs'): Json =>
  JSON.parse(
    JSON.stringify({
      version: '0',
      id: 'e0e0e0e0-0000-0000-0000-000000000000',
      'detail-type': 'CloudFront Traffic Finding',
      source,
      account: '123456789012',
      time: finding.window.end,
      region: 'us-east-1',
      resources: [],
      detail: finding,
    }),
  ) as Json;

const defaults = resolveTemplate(template);

describe('infra/template.yaml: anomaly detection alarms', () => {
  const alarms = {
    RequestsAnomalyAlarm: {
      parameter: 'AnomalyOnRequests',
      operator: 'LessThanLowerOrGreaterThanUpperThreshold',
      reads: [['Requests', 'Sum']],
    },
    Error5xxRateAnomalyAlarm: {
      parameter: 'AnomalyOn5xxRate',
      operator: 'GreaterThanUpperThreshold',
      reads: [
        ['Requests', 'Sum'],
        ['Requests5xx', 'Sum'],
      ],
    },
    P99LatencyAnomalyAlarm: {
      parameter: 'AnomalyOnTimeToFirstByte',
      operator: 'GreaterThanUpperThreshold',
      reads: [['TimeToFirstByte', 'p99']],
    },
  } as const;

  /** What is wrong with an anomaly alarm's metric queries (ids, references, the band's argument). */
  const queryProblems = (p: Record<string, Json>, width = '2'): string[] => {
    const problems: string[] = [];
    const r = resolveTemplate(template, { AnomalyBandWidth: width });
    const queries = r.resolve(p.Metrics!) as { Id: string; Expression?: string; ReturnData?: boolean }[];
    const ids = new Set(queries.map((q) => q.Id));
    for (const q of queries) {
      if (!/^[a-z][A-Za-z0-9_]*$/.test(q.Id)) problems.push(`${q.Id}: an id starts with a lower-case letter`);
      for (const [name] of (q.Expression ?? '').matchAll(/\b[a-z][A-Za-z0-9_]*\b/g)) {
        if (!ids.has(name)) {
          problems.push(`${q.Id}: names unknown query ${name}`);
        }
      }
    }
    const band = queries.find((q) => q.Id === p.ThresholdMetricId);
    if (band === undefined) return [...problems, 'ThresholdMetricId names no query'];
    const match = /^ANOMALY_DETECTION_BAND\((\w+), ([\d.]+)\)$/.exec(band.Expression ?? '');
    if (match === null) return [...problems, `the threshold is not a band: ${band.Expression}`];
    const returned = queries.filter((q) => q.ReturnData !== false && q.Id !== band.Id);
    if (returned.length !== 1 || returned[0]!.Id !== match[1]) {
      problems.push(`the band must be of the one other query returned, not ${match[1]}`);
    }
    if (match[2] !== width) problems.push(`the band is ${match[2]} wide, not AnomalyBandWidth ${width}`);
    return problems;
  };

  it('creates each alarm only when its parameter is "true" (none by default)', () => {
    for (const [id, alarm] of Object.entries(alarms)) {
      expect(parameter(alarm.parameter)).toMatchObject({
        Default: 'false',
        AllowedValues: ['true', 'false'],
      });
      expect(deployedIds(defaults).has(id), id).toBe(false);
      const on = resolveTemplate(template, { [alarm.parameter]: 'true' });
      expect(deployedIds(on).has(id), id).toBe(true);
      // Only its own: the other two stay off.
      const others = Object.keys(alarms).filter((other) => other !== id);
      expect(others.filter((other) => deployedIds(on).has(other))).toEqual([]);
    }
  });

  it('alarms outside a band of AnomalyBandWidth standard deviations around the metric it returns', () => {
    for (const [id, alarm] of Object.entries(alarms)) {
      const p = props(id);
      expect(p.ComparisonOperator, id).toBe(alarm.operator);
      for (const width of ['2', '0.5', '10']) expect(queryProblems(p, width), id).toEqual([]);
      expect(p.AlarmActions, id).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(p.OKActions, id).toEqual([{ Ref: 'AlarmTopic' }]);
      // A band alarm has no static threshold.
      expect(p.Threshold, id).toBeUndefined();
    }
    expect(parameter('AnomalyBandWidth')).toMatchObject({ Default: 2 });
    expect(Number(parameter('AnomalyBandWidth').MinValue)).toBeGreaterThan(0);
  });

  it('catches a band of the wrong query or width (the check can fail)', () => {
    const p = structuredClone(props('Error5xxRateAnomalyAlarm'));
    const band = (p.Metrics as Record<string, Json>[]).find((q) => q.Id === p.ThresholdMetricId)!;
    band.Expression = 'ANOMALY_DETECTION_BAND(requests, 2)';
    expect(queryProblems(p).join('\n')).toMatch(/one other query returned, not requests/);
    band.Expression = 'ANOMALY_DETECTION_BAND(rate, 3)';
    expect(queryProblems(p).join('\n')).toMatch(/not AnomalyBandWidth 2/);
  });

  it('reads the processor metrics the static alarms read, over the same 5 minutes, ratios as sums', () => {
    for (const [id, alarm] of Object.entries(alarms)) {
      const queries = props(id).Metrics as Record<string, Json>[];
      const reads = queries
        .filter((q) => q.MetricStat !== undefined)
        .map((q) => {
          expect(getPath(q, 'MetricStat', 'Metric', 'Namespace'), id).toEqual({ Ref: 'MetricsNamespace' });
          expect(getPath(q, 'MetricStat', 'Period'), id).toBe(300);
          return [getPath(q, 'MetricStat', 'Metric', 'MetricName'), getPath(q, 'MetricStat', 'Stat')];
        });
      expect(reads, id).toEqual(alarm.reads);
    }
    // The rate is the static alarm's own expression, so both judge the same figure.
    const rate = (id: string) =>
      (props(id).Metrics as Record<string, Json>[]).find((q) => q.Id === 'rate')?.Expression;
    expect(rate('Error5xxRateAnomalyAlarm')).toEqual(rate('Error5xxRateAlarm'));
  });
});

describe('infra/template.yaml: records stopped arriving', () => {
  type State = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  type Rule =
    | { op: 'state'; state: State; alarm: string }
    | { op: 'const'; value: boolean }
    | { op: 'not'; of: Rule }
    | { op: 'and' | 'or'; left: Rule; right: Rule };

  /**
   * Parses a composite AlarmRule (PutCompositeAlarm: ALARM/OK/INSUFFICIENT_DATA("name or ARN"),
   * TRUE, FALSE, AND, OR, NOT, parentheses); throws on anything else.
   */
  const parseAlarmRule = (text: string): Rule => {
    const tokens = text.match(/\s+|\(|\)|"[^"]*"|[A-Z_]+|[^\s()"]+/g)?.filter((t) => t.trim() !== '') ?? [];
    let at = 0;
    const take = (expected?: string): string => {
      const token = tokens[at++];
      if (token === undefined || (expected !== undefined && token !== expected)) {
        throw new Error(`AlarmRule: expected ${expected ?? 'more'} at token ${at}, got ${token}`);
      }
      return token;
    };
    const factor = (): Rule => {
      const token = take();
      if (token === 'NOT') return { op: 'not', of: factor() };
      if (token === 'TRUE' || token === 'FALSE') return { op: 'const', value: token === 'TRUE' };
      if (token === '(') {
        const inner = expression();
        take(')');
        return inner;
      }
      if (token === 'ALARM' || token === 'OK' || token === 'INSUFFICIENT_DATA') {
        take('(');
        const name = take();
        take(')');
        return { op: 'state', state: token, alarm: name.replace(/^"(.*)"$/, '$1') };
      }
      throw new Error(`AlarmRule: unexpected ${token}`);
    };
    const term = (): Rule => {
      let left = factor();
      while (tokens[at] === 'AND') {
        take();
        left = { op: 'and', left, right: factor() };
      }
      return left;
    };
    const expression = (): Rule => {
      let left = term();
      while (tokens[at] === 'OR') {
        take();
        left = { op: 'or', left, right: term() };
      }
      return left;
    };
    const rule = expression();
    if (at !== tokens.length) throw new Error(`AlarmRule: trailing ${tokens.slice(at).join(' ')}`);
    return rule;
  };

  const evaluate = (rule: Rule, states: Record<string, State>): boolean => {
    switch (rule.op) {
      case 'state':
        return states[rule.alarm] === rule.state;
      case 'const':
        return rule.value;
      case 'not':
        return !evaluate(rule.of, states);
      case 'and':
        return evaluate(rule.left, states) && evaluate(rule.right, states);
      case 'or':
        return evaluate(rule.left, states) || evaluate(rule.right, states);
    }
  };

  const alarmsIn = (rule: Rule): string[] =>
    rule.op === 'state'
      ? [rule.alarm]
      : rule.op === 'not'
        ? alarmsIn(rule.of)
        : rule.op === 'const'
          ? []
          : [...alarmsIn(rule.left), ...alarmsIn(rule.right)];

  const STATES: State[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];
  const ARNS = {
    records: 'NoRecordsAlarm.Arn',
    errors: 'FunctionErrorsAlarm.Arn',
    behind: 'IteratorAgeAlarm.Arn',
  };

  /** The spec: records stopped, and the processor neither failing nor behind. */
  const holds = (text: string) =>
    fc.property(
      fc.constantFrom(...STATES),
      fc.constantFrom(...STATES),
      fc.constantFrom(...STATES),
      (records, errors, behind) => {
        const states = { [ARNS.records]: records, [ARNS.errors]: errors, [ARNS.behind]: behind };
        const expected = records === 'ALARM' && errors !== 'ALARM' && behind !== 'ALARM';
        return evaluate(parseAlarmRule(text), states) === expected;
      },
    );

  it('counts records into the raw stream per minute, missing data breaching, for NoRecordsMinutes', () => {
    expect(props('NoRecordsAlarm')).toEqual({
      AlarmDescription: expect.any(String),
      Namespace: 'AWS/Kinesis',
      MetricName: 'IncomingRecords',
      Dimensions: [{ Name: 'StreamName', Value: { Ref: 'RawStream' } }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: { Ref: 'NoRecordsMinutes' },
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    // It notifies no one itself (no AlarmActions above): the composite does.
    const minutes = parameter('NoRecordsMinutes');
    expect(minutes.Default).toBe(10);
    expect(Number(minutes.MinValue)).toBeGreaterThanOrEqual(1);
    // CloudWatch: EvaluationPeriods x Period at most one day.
    expect(Number(minutes.MaxValue) * 60).toBeLessThanOrEqual(86_400);
  });

  it('pages through a composite: ALARM(NoRecords) AND NOT ALARM(errors) AND NOT ALARM(iterator age)', () => {
    const composite = resource('RecordsStoppedAlarm');
    expect(composite.Type).toBe('AWS::CloudWatch::CompositeAlarm');
    expect(composite.Condition).toBeUndefined();
    expect(props('RecordsStoppedAlarm')).toMatchObject({
      AlarmActions: [{ Ref: 'AlarmTopic' }],
      OKActions: [{ Ref: 'AlarmTopic' }],
    });
    const text = String(defaults.resolve(props('RecordsStoppedAlarm').AlarmRule!));
    expect(new Set(alarmsIn(parseAlarmRule(text)))).toEqual(new Set(Object.values(ARNS)));
    // Every quoted reference is an alarm's ARN (GetAtt), never a name that could drift.
    expect(referencedIds(defaults, props('RecordsStoppedAlarm').AlarmRule!)).toEqual(
      new Set(['NoRecordsAlarm', 'FunctionErrorsAlarm', 'IteratorAgeAlarm']),
    );
    fc.assert(holds(text), { numRuns: 100 });
  });

  it('catches a rule that pages while the processor fails, and a malformed rule (the check can fail)', () => {
    const loose = `ALARM("${ARNS.records}") OR NOT ALARM("${ARNS.errors}") AND NOT ALARM("${ARNS.behind}")`;
    expect(fc.check(holds(loose), { numRuns: 200 }).failed).toBe(true);
    expect(() => parseAlarmRule(`ALARM("${ARNS.records}") AND NOT`)).toThrow(/expected more/);
    expect(() => parseAlarmRule(`ALARM "${ARNS.records}"`)).toThrow();
  });

  it('shows the composite among the dashboard alarms', () => {
    const body = JSON.parse(String(defaults.resolve(props('Dashboard').DashboardBody!))) as {
      widgets: { type: string; properties: Record<string, Json> }[];
    };
    const alarmWidget = body.widgets.find((w) => w.type === 'alarm');
    expect(alarmWidget?.properties.alarms).toContain('RecordsStoppedAlarm.Arn');
  });
});

describe('infra/template.yaml: delivery against CloudFront on the dashboard', () => {
  interface Widget {
    type: string;
    x: number;
    y: number;
    width: number;
    height: number;
    properties: Record<string, Json>;
  }
  const widgets = (overrides: Record<string, string>, region = 'us-east-1'): Widget[] => {
    const r = resolveTemplate(template, overrides, { 'AWS::Region': region });
    return (JSON.parse(String(r.resolve(props('Dashboard').DashboardBody!))) as { widgets: Widget[] })
      .widgets;
  };
  const readsCloudFront = (w: Widget) =>
    ((w.properties.metrics as Json[] | undefined) ?? []).some(
      (row) => Array.isArray(row) && row[0] === 'AWS/CloudFront',
    );

  it("plots CloudFront's own Requests (us-east-1, Region=Global) beside the lines processed, per minute", () => {
    const list = widgets({ DistributionId: 'E2QWRUHAPOMQZL' }, 'eu-west-1');
    const delivery = list.filter(readsCloudFront);
    expect(delivery).toHaveLength(1);
    const w = delivery[0]!;
    expect(w.type).toBe('metric');
    expect(w.properties).toMatchObject({ region: 'us-east-1', stat: 'Sum', period: 60 });
    expect(w.properties.metrics).toEqual([
      [
        'AWS/CloudFront',
        'Requests',
        'DistributionId',
        'E2QWRUHAPOMQZL',
        'Region',
        'Global',
        { label: expect.any(String), region: 'us-east-1' },
      ],
      // The processor's metric stays in the stack's region, whatever the widget's.
      [
        'CloudFront/RealtimeLogs',
        'Requests',
        { label: expect.stringMatching(/SamplingRate 100/), region: 'eu-west-1' },
      ],
    ]);
    expect(String(w.properties.title)).toMatch(/Delivery/);
  });

  it('says how to get the widget instead of plotting nothing when DistributionId is empty', () => {
    const list = widgets({});
    expect(list.filter(readsCloudFront)).toEqual([]);
    const note = list.filter(
      (w) => w.type === 'text' && String(w.properties.markdown).includes('DistributionId'),
    );
    expect(note).toHaveLength(1);
  });

  it('lays every widget out without overlaps inside the 24-column grid, either way', () => {
    for (const overrides of [{}, { DistributionId: 'E2QWRUHAPOMQZL' }] as Record<string, string>[]) {
      const list = widgets(overrides);
      for (const w of list) expect(w.x + w.width, JSON.stringify(w.properties.title)).toBeLessThanOrEqual(24);
      const overlaps = list.flatMap((a, i) =>
        list
          .slice(i + 1)
          .filter(
            (b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height,
          )
          .map((b) => `${String(a.properties.title)} / ${String(b.properties.title)}`),
      );
      expect(overlaps).toEqual([]);
    }
  });

  it('takes only a distribution id, so nothing can be written into the dashboard JSON', () => {
    const pattern = new RegExp(`^(?:${String(parameter('DistributionId').AllowedPattern)})$`);
    for (const ok of ['', 'E2QWRUHAPOMQZL', 'EDFDVBD6EXAMPLE']) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of [
      'e2qwruhapomqzl',
      'E2Q WR',
      'E2"}],[',
      'arn:aws:cloudfront::1:distribution/E2',
      'E'.repeat(33),
    ])
      expect(pattern.test(bad), bad).toBe(false);
    expect(parameter('DistributionId').Default).toBe('');
  });
});

describe('infra/template.yaml: every parameter combination', () => {
  const all = combinations();

  it('refuses a WAF response without findings (Rules) and deploys no responder then', () => {
    for (const d of all) {
      const r = resolved(d);
      const refused = d.overrides.WafResponse !== 'off' && d.overrides.Findings === 'false';
      expect(brokenRules(r), JSON.stringify(d)).toEqual(refused ? ['WafResponseNeedsFindings'] : []);
      if (d.overrides.Findings === 'false') expect(deployedIds(r).has('RespondFunction')).toBe(false);
    }
  });

  it('references only resources it deploys (in properties, outputs and DependsOn)', () => {
    const problems: string[] = [];
    for (const d of all) {
      const r = resolved(d);
      if (brokenRules(r).length > 0) continue;
      const deployed = deployedIds(r);
      const ids = new Set(Object.keys(template.Resources));
      const check = (owner: string, value: Json) => {
        for (const id of referencedIds(r, value)) {
          if (ids.has(id) && !deployed.has(id)) problems.push(`${JSON.stringify(d)}: ${owner} -> ${id}`);
        }
      };
      for (const id of deployed) {
        const res = template.Resources[id]!;
        check(id, (res.Properties ?? {}) as Json);
        for (const dep of asList(res.DependsOn as Json | undefined)) check(id, { Ref: String(dep) });
      }
      for (const [name, output] of Object.entries(template.Outputs ?? {})) {
        if (output.Condition === undefined || r.condition(String(output.Condition)))
          check(name, output.Value!);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('catches a reference to a resource the deployment leaves out (the check can fail)', () => {
    const broken = structuredClone(template);
    broken.Resources.QueryFunction!.Properties!.Environment = {
      Variables: { CFRT_WINDOW_TABLE: { Ref: 'DetectFunction' } },
    };
    const r = resolveTemplate(broken, { Findings: 'false' });
    const deployed = deployedIds(r, broken);
    const dangling = [...referencedIds(r, broken.Resources.QueryFunction!.Properties as Json)].filter(
      (id) => id in broken.Resources && !deployed.has(id),
    );
    expect(dangling).toEqual(['DetectFunction']);
  });

  it('grants no data-plane action (wafv2 and events included) on Resource "*", in any combination', () => {
    for (const d of all) {
      const r = resolved(d);
      if (brokenRules(r).length > 0) continue;
      const deployed = deployedIds(r);
      const statements = identityStatements(template)
        .filter((s) => deployed.has(s.owner))
        .map((s) => ({ owner: s.owner, statement: r.resolve(s.statement) as Record<string, Json> }))
        .filter((s) => s.statement !== undefined);
      expect(findWildcardDataPlaneGrants(statements), JSON.stringify(d)).toEqual([]);
    }
    const wild = [{ owner: 'R', statement: { Effect: 'Allow', Action: 'wafv2:UpdateIPSet', Resource: '*' } }];
    expect(findWildcardDataPlaneGrants(wild)).toEqual(['R: (no Sid) wafv2:UpdateIPSet']);
  });
});

describe('infra/template.yaml: the findings detector', () => {
  const onlyWithFindings = ['DetectFunction', 'DetectRole', 'DetectLogGroup', 'FindingsNotificationRule'];

  it('is on by default and entirely absent with Findings=false', () => {
    expect(parameter('Findings')).toMatchObject({ Default: 'true', AllowedValues: ['true', 'false'] });
    for (const id of onlyWithFindings) {
      expect(resource(id).Condition, id).toBe('HasFindings');
      expect(deployedIds(defaults).has(id), id).toBe(true);
      expect(deployedIds(resolveTemplate(template, { Findings: 'false' })).has(id), id).toBe(false);
    }
  });

  it('runs its own bundle every minute on nodejs22.x, arm64, logging to its own log group', () => {
    expect(resource('DetectFunction').Metadata).toEqual({ BuildMethod: 'makefile' });
    expect(props('DetectFunction')).toMatchObject({
      CodeUri: '.',
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Role: { 'Fn::GetAtt': ['DetectRole', 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: 'DetectLogGroup' } },
      Events: { EveryMinute: { Type: 'Schedule', Properties: { Schedule: 'rate(1 minute)' } } },
    });
    expect(props('DetectLogGroup').RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
    expect(props('DetectFunction').Policies).toBeUndefined();
    expect(props('DetectRole').ManagedPolicyArns).toBeUndefined();
  });

  it('sets exactly the variables it exposes, and reads the cells the processor writes', () => {
    const variables = env('DetectFunction');
    expect(Object.keys(variables).sort()).toEqual(
      [
        'CFRT_TABLE_NAME',
        'CFRT_WINDOW_SECONDS',
        'CFRT_ALLOWED_LATENESS_SECONDS',
        'CFRT_DIMENSIONS',
        'CFRT_CLIENT_IP',
        'CFRT_EVENT_BUS_NAME',
        'CFRT_EVENT_SOURCE',
        'CFRT_DETECT_BASELINE_WINDOWS',
        'CFRT_DETECT_CLIENT_RPM',
        'CFRT_DETECT_ERROR_RATE',
        'CFRT_DETECT_JUMP_FACTOR',
      ].sort(),
    );
    // Each one the detector reads (DETECTOR_ENV) or tolerates as the processor's (lateness).
    const read = new Set([
      ...Object.values(DETECTOR_ENV).map((e) => e.name),
      'CFRT_ALLOWED_LATENESS_SECONDS',
    ]);
    expect(Object.keys(variables).filter((name) => !read.has(name))).toEqual([]);
    // The same table, windows, dimension sets and client policy as the processor, by construction.
    const processor = env('ProcessorFunction');
    for (const name of [
      'CFRT_TABLE_NAME',
      'CFRT_WINDOW_SECONDS',
      'CFRT_ALLOWED_LATENESS_SECONDS',
      'CFRT_DIMENSIONS',
      'CFRT_CLIENT_IP',
    ])
      expect(variables[name], name).toEqual(processor[name]);
    expect(variables.CFRT_EVENT_BUS_NAME).toBe('default');
    expect(variables.CFRT_EVENT_SOURCE).toBe('cloudfront-realtime-logs');
  });

  it('takes each tuning parameter range from the setting it feeds, with the same default', () => {
    const byEnv = new Map(Object.entries(DETECTOR_ENV).map(([option, e]) => [e.name, option]));
    const checked: string[] = [];
    for (const [name, value] of Object.entries(env('DetectFunction'))) {
      const ref = isObject(value) ? (value.Ref as string | undefined) : undefined;
      const option = byEnv.get(name) as keyof typeof DETECTOR_SETTINGS | undefined;
      if (ref === undefined || !ref.startsWith('Detect') || option === undefined) continue;
      const spec = parameter(ref);
      const facts = optionFacts(DETECTOR_SETTINGS[option]);
      checked.push(ref);
      expect(spec.Type, ref).toBe('Number');
      // Both bounds are values the setting accepts (optionFacts reads no bounds off `.check()`
      // refinements, so the schema itself is asked), and the default is the setting's.
      for (const bound of [spec.MinValue, spec.MaxValue]) {
        expect(bound, `${ref} is bounded`).toBeDefined();
        expect(DETECTOR_SETTINGS[option].safeParse(Number(bound)).success, `${ref}: ${String(bound)}`).toBe(
          true,
        );
      }
      expect(String(spec.Default), `${ref}.Default`).toBe(String(facts.default));
    }
    expect(checked.sort()).toEqual(
      [
        'DetectBaselineWindows',
        'DetectClientRequestsPerMinute',
        'DetectErrorRate',
        'DetectJumpFactor',
      ].sort(),
    );
    expect([1200, 0.5, 4, 30]).toEqual(
      ['DetectClientRequestsPerMinute', 'DetectErrorRate', 'DetectJumpFactor', 'DetectBaselineWindows'].map(
        (p) => parameter(p).Default,
      ),
    );
  });

  it('lets no parameter value through that the detector would reject at cold start', () => {
    const cases: Record<string, string>[] = [{}];
    for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
      const values = [
        ...(Array.isArray(spec.AllowedValues) ? spec.AllowedValues.map(String) : []),
        ...[spec.MinValue, spec.MaxValue].filter((v) => v !== undefined).map(String),
      ];
      for (const value of values) cases.push({ [name]: value });
    }
    cases.push({ Dimensions: 'none;behavior;country,statusClass' }, { ClientIp: 'hash' });
    const rejected: string[] = [];
    for (const overrides of cases) {
      const variables = resolveTemplate(template, { ...overrides, Findings: 'true' }).resolve(
        env('DetectFunction'),
      ) as Record<string, string>;
      try {
        const settings = detectorSettingsFromEnv(variables);
        expect(settings.eventSource).toBe('cloudfront-realtime-logs');
        expect(settings.windowSeconds).toBe(Number(variables.CFRT_WINDOW_SECONDS));
      } catch (error) {
        rejected.push(`${JSON.stringify(overrides)}: ${(error as Error).message}`);
      }
    }
    expect(rejected).toEqual([]);
    expect(cases.length).toBeGreaterThan(60);
    // The same check refuses what the constraints keep out (it can fail).
    const outside = resolveTemplate(template, { DetectErrorRate: '0' }).resolve(
      env('DetectFunction'),
    ) as Record<string, string>;
    expect(() => detectorSettingsFromEnv(outside)).toThrow(/CFRT_DETECT_ERROR_RATE/);
  });

  it('may Query the table, keep only its #detect# item, and put events on the default bus only', () => {
    const grants = grantsOf(defaults, 'DetectRole');
    expect(grants).toEqual([
      {
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: ['DetectLogGroup.Arn'],
      },
      { sid: 'QueryWindowState', actions: ['dynamodb:Query'], resources: ['WindowTable.Arn'] },
      {
        sid: 'KeepTheWatermark',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: ['WindowTable.Arn'],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#detect#*'] } },
      },
      {
        sid: 'PublishFindings',
        actions: ['events:PutEvents'],
        resources: ['arn:aws:events:us-east-1:123456789012:event-bus/default'],
      },
    ]);
  });

  it("writes only partition keys under #detect#: never a window cell, a series index or the responder's", () => {
    const watermark = grantsOf(defaults, 'DetectRole').find((g) => g.sid === 'KeepTheWatermark')!.condition;
    const respond = grantsOf(resolveTemplate(template, { WafResponse: 'on' }), 'RespondRole').find(
      (g) => g.sid === 'KeepTheExpiries',
    )!.condition;
    const dimensions = fc.dictionary(
      fc.constantFrom('host', 'country', 'behavior', 'statusClass'),
      fc.string(),
      {
        maxKeys: 4,
      },
    );
    fc.assert(
      fc.property(fc.string(), (key) => {
        expect(leadingKeysAllow(watermark, key)).toBe(key.startsWith('#detect#'));
        expect(leadingKeysAllow(respond, key)).toBe(key.startsWith('#respond#'));
        expect(leadingKeysAllow(watermark, `#detect#${key}`)).toBe(true);
      }),
    );
    // The keys the two functions really use (src/api/detector.ts, src/respond/state.ts).
    expect(leadingKeysAllow(watermark, DETECTOR_STATE_PK)).toBe(true);
    expect(leadingKeysAllow(respond, `${STATE_KEY_PREFIX}WafIpSetV4-1A2B3C`)).toBe(true);
    expect(leadingKeysAllow(respond, DETECTOR_STATE_PK)).toBe(false);
    fc.assert(
      fc.property(dimensions, (dims) => {
        // What the processor and its series index write (src/sinks/dynamodb-keys.ts).
        for (const key of [seriesKey(dims), seriesIndexKey(Object.keys(dims))]) {
          expect(leadingKeysAllow(watermark, key)).toBe(false);
          expect(leadingKeysAllow(respond, key)).toBe(false);
        }
      }),
    );
  });

  it('makes the processor count distinct query strings (CFRT_DISTINCT_QUERIES) with findings only', () => {
    // The handler refuses a CFRT_* variable it does not declare, at cold start: the template may
    // set only what it reads.
    expect(Object.values(ENV_NAMES)).toContain('CFRT_DISTINCT_QUERIES');
    const variables = env('ProcessorFunction');
    const on = resolveTemplate(template, { Findings: 'true' }).resolve(variables) as Record<string, string>;
    const off = resolveTemplate(template, { Findings: 'false' }).resolve(variables) as Record<string, string>;
    expect(on.CFRT_DISTINCT_QUERIES).toBe('true');
    expect(off).not.toHaveProperty('CFRT_DISTINCT_QUERIES');
    expect(settingsFromEnv(on).distinctQueries).toBe(true);
    expect(settingsFromEnv(off).distinctQueries).toBe(false);
  });
});

describe('infra/template.yaml: findings to the alarm topic', () => {
  const rule = () => props('FindingsNotificationRule');
  const responderPattern = () =>
    getPath(props('RespondFunction'), 'Events', 'ClientFlood', 'Properties', 'Pattern') as Json;

  it('matches warning and critical findings of this source on the default bus, and sends them to the topic', () => {
    expect(rule()).toMatchObject({
      EventBusName: 'default',
      State: 'ENABLED',
      EventPattern: {
        source: ['cloudfront-realtime-logs'],
        'detail-type': ['CloudFront Traffic Finding'],
        detail: { severity: ['warning', 'critical'] },
      },
    });
    const targets = rule().Targets as Record<string, Json>[];
    expect(targets).toHaveLength(1);
    expect(targets[0]!.Arn).toEqual({ Ref: 'AlarmTopic' });
  });

  it('routes exactly the findings the patterns promise (a property over every kind and severity)', () => {
    const severities: FindingSeverity[] = ['info', 'warning', 'critical'];
    fc.assert(
      fc.property(
        fc.constantFrom(...FINDING_KINDS),
        fc.constantFrom(...severities),
        fc.constantFrom('cloudfront-realtime-logs', 'aws.events', 'another-app'),
        (kind, severity, source) => {
          const event = findingEvent(sampleFinding({ kind, severity }), source);
          const ours = source === 'cloudfront-realtime-logs';
          expect(patternMatches(rule().EventPattern!, event)).toBe(ours && severity !== 'info');
          expect(patternMatches(responderPattern(), event)).toBe(
            ours && kind === 'client-flood' && severity === 'critical',
          );
        },
      ),
    );
    // The matcher can say no to a field it cannot read (it can fail).
    expect(patternMatches({ detail: { kind: [{ prefix: 'client' }] } }, findingEvent(sampleFinding()))).toBe(
      false,
    );
  });

  it('turns a finding into one readable line: its summary, kind, severity, window and id', () => {
    const transformer = (rule().Targets as Record<string, Json>[])[0]!.InputTransformer as {
      InputPathsMap: Record<string, string>;
      InputTemplate: string;
    };
    const finding = sampleFinding();
    const event = findingEvent(finding);
    const values = Object.fromEntries(
      Object.entries(transformer.InputPathsMap).map(([name, path]) => {
        expect(path, name).toMatch(/^\$\.detail(\.[a-z]+)+$/);
        const value = getPath(event, ...path.slice(2).split('.'));
        expect(typeof value, `${name}: ${path} names a text field of a finding`).toBe('string');
        return [name, String(value)];
      }),
    );
    const placeholders = [...transformer.InputTemplate.matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
    expect(new Set(placeholders)).toEqual(new Set(Object.keys(values)));
    const text = transformer.InputTemplate.replace(/<([^>]+)>/g, (_, name: string) => values[name]!);
    for (const part of [
      finding.summary,
      finding.kind,
      finding.severity,
      finding.window.start,
      finding.window.end,
      finding.id,
    ])
      expect(text).toContain(part);
    // Plain text, not JSON (SNS mails it as it is), within EventBridge's 8,192 characters.
    expect(transformer.InputTemplate.startsWith('{')).toBe(false);
    expect(transformer.InputTemplate.length).toBeLessThanOrEqual(8192);
  });

  it('lets CloudWatch alarms and that one rule (only with findings) publish to the topic', () => {
    const policy = (overrides: Record<string, string>) =>
      resolveTemplate(template, overrides).resolve(props('AlarmTopicPolicy').PolicyDocument!) as {
        Statement: Record<string, Json>[];
      };
    expect(props('AlarmTopicPolicy').Topics).toEqual([{ Ref: 'AlarmTopic' }]);
    const cloudwatch = {
      Sid: 'AllowCloudWatchAlarms',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: 'AlarmTopic',
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    };
    expect(policy({}).Statement).toEqual([
      cloudwatch,
      {
        Sid: 'AllowTheFindingsRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: 'AlarmTopic',
        Condition: { ArnEquals: { 'aws:SourceArn': 'FindingsNotificationRule.Arn' } },
      },
    ]);
    expect(policy({ Findings: 'false' }).Statement).toEqual([cloudwatch]);
  });

  it("lets EventBridge use the topic's KMS key only with findings, for the two calls SNS needs", () => {
    expect(props('AlarmTopic').KmsMasterKeyId).toEqual({ Ref: 'StreamKey' });
    const events = (overrides: Record<string, string>) =>
      (
        resolveTemplate(template, overrides).resolve(props('StreamKey').KeyPolicy!) as {
          Statement: Record<string, Json>[];
        }
      ).Statement.filter((s) => getPath(s, 'Principal', 'Service') === 'events.amazonaws.com');
    expect(events({})).toEqual([
      {
        Sid: 'AllowEventBridgeToUseTheTopic',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
      },
    ]);
    expect(events({ Findings: 'false' })).toEqual([]);
  });
});

describe('infra/template.yaml: the WAF response', () => {
  const responderIds = ['RespondFunction', 'RespondRole', 'RespondLogGroup'];
  const respondEnv = (d: Deployment) => resolved(d).resolve(env('RespondFunction')) as Record<string, string>;

  it('is off by default: no responder, no IP set, no output', () => {
    expect(parameter('WafResponse')).toMatchObject({
      Default: 'off',
      AllowedValues: ['off', 'dry-run', 'on'],
    });
    const deployed = deployedIds(defaults);
    for (const id of [...responderIds, 'WafIpSetV4', 'WafIpSetV6']) expect(deployed.has(id), id).toBe(false);
    expect(defaults.condition('IsWafResponseAsked')).toBe(false);
  });

  it('dry-run (the first step) and on differ only in CFRT_WAF_DRY_RUN', () => {
    const dry = respondEnv({ overrides: { WafResponse: 'dry-run' }, region: 'us-east-1' });
    const on = respondEnv({ overrides: { WafResponse: 'on' }, region: 'us-east-1' });
    expect(dry.CFRT_WAF_DRY_RUN).toBe('true');
    expect(on.CFRT_WAF_DRY_RUN).toBe('false');
    expect({ ...dry, CFRT_WAF_DRY_RUN: 'false' }).toEqual(on);
    expect(dry).toEqual({
      CFRT_TABLE_NAME: 'WindowTable',
      CFRT_WAF_IPV4_SET_ARN: 'WafIpSetV4.Arn',
      CFRT_WAF_IPV6_SET_ARN: 'WafIpSetV6.Arn',
      CFRT_WAF_BLOCK_SECONDS: 3600,
      CFRT_WAF_MAX_ADDRESSES: '1000',
      CFRT_WAF_DRY_RUN: 'true',
    });
  });

  it('lets no parameter value or IP set combination through that the responder would reject at cold start', () => {
    const cases: Deployment[] = [];
    for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
      const values = [
        ...(Array.isArray(spec.AllowedValues) ? spec.AllowedValues.map(String) : []),
        ...[spec.MinValue, spec.MaxValue].filter((v) => v !== undefined).map(String),
      ];
      for (const value of values) {
        if (name !== 'WafResponse' && name !== 'Findings')
          cases.push({ overrides: { WafResponse: 'on', [name]: value }, region: 'us-east-1' });
      }
    }
    for (const d of combinations()) {
      if (deployedIds(resolved(d)).has('RespondFunction') && brokenRules(resolved(d)).length === 0)
        cases.push(d);
    }
    // What GetAtt <IPSet>.Arn returns once the stack has made the set (the resolver's stand-in is
    // only its name).
    const created: Record<string, string> = {
      'WafIpSetV4.Arn': V4_ARN.replace('blocked-v4', 'WafIpSetV4-1A2B3C'),
      'WafIpSetV6.Arn': V6_ARN.replace('blocked-v6', 'WafIpSetV6-4D5E6F'),
    };
    const deployedEnv = (d: Deployment) =>
      Object.fromEntries(Object.entries(respondEnv(d)).map(([k, v]) => [k, created[String(v)] ?? String(v)]));
    const rejected: string[] = [];
    for (const d of cases) {
      const variables = deployedEnv(d);
      try {
        const settings = responderSettingsFromEnv(variables);
        expect(settings.dryRun).toBe(d.overrides.WafResponse !== 'on');
        expect(settings.blockSeconds).toBe(Number(variables.CFRT_WAF_BLOCK_SECONDS));
      } catch (error) {
        rejected.push(`${JSON.stringify(d)}: ${(error as Error).message}`);
      }
    }
    expect(rejected).toEqual([]);
    expect(cases.length).toBeGreaterThan(100);
    // The same check refuses what the constraints keep out (it can fail).
    const outside = deployedEnv({
      overrides: { WafResponse: 'on', WafMaxAddresses: '10001' },
      region: 'us-east-1',
    });
    expect(() => responderSettingsFromEnv(outside)).toThrow(/CFRT_WAF_MAX_ADDRESSES/);
  });

  it('creates empty CLOUDFRONT-scope IP sets in us-east-1 for the families given no ARN', () => {
    expect(props('WafIpSetV4')).toMatchObject({
      Scope: 'CLOUDFRONT',
      IPAddressVersion: 'IPV4',
      Addresses: [],
    });
    expect(props('WafIpSetV6')).toMatchObject({
      Scope: 'CLOUDFRONT',
      IPAddressVersion: 'IPV6',
      Addresses: [],
    });
    const cases: [Record<string, string>, string[], Record<string, string | undefined>][] = [
      [{}, ['WafIpSetV4', 'WafIpSetV6'], { v4: 'WafIpSetV4.Arn', v6: 'WafIpSetV6.Arn' }],
      [{ WafIpSetArnV4: V4_ARN }, ['WafIpSetV6'], { v4: V4_ARN, v6: 'WafIpSetV6.Arn' }],
      [{ WafIpSetArnV6: V6_ARN }, ['WafIpSetV4'], { v4: 'WafIpSetV4.Arn', v6: V6_ARN }],
      [{ WafIpSetArnV4: V4_ARN, WafIpSetArnV6: V6_ARN }, [], { v4: V4_ARN, v6: V6_ARN }],
    ];
    for (const [arns, created, expected] of cases) {
      const d = { overrides: { WafResponse: 'on', ...arns }, region: 'us-east-1' };
      const deployed = deployedIds(resolved(d));
      expect(
        ['WafIpSetV4', 'WafIpSetV6'].filter((id) => deployed.has(id)),
        JSON.stringify(arns),
      ).toEqual(created);
      const variables = respondEnv(d);
      expect([variables.CFRT_WAF_IPV4_SET_ARN, variables.CFRT_WAF_IPV6_SET_ARN]).toEqual([
        expected.v4,
        expected.v6,
      ]);
    }
  });

  it('outside us-east-1 manages only the IP sets given by ARN, and says so when there is none', () => {
    const none = resolved({ overrides: { WafResponse: 'dry-run' }, region: 'eu-west-1' });
    for (const id of [...responderIds, 'WafIpSetV4', 'WafIpSetV6'])
      expect(deployedIds(none).has(id), id).toBe(false);
    expect(String(none.resolve(template.Outputs!.WafResponder!.Value!))).toMatch(/^not created: .*us-east-1/);
    const v4 = { overrides: { WafResponse: 'on', WafIpSetArnV4: V4_ARN }, region: 'eu-west-1' };
    expect(
      ['RespondFunction', 'WafIpSetV4', 'WafIpSetV6'].filter((id) => deployedIds(resolved(v4)).has(id)),
    ).toEqual(['RespondFunction']);
    const variables = respondEnv(v4);
    expect(variables.CFRT_WAF_IPV4_SET_ARN).toBe(V4_ARN);
    expect(variables).not.toHaveProperty('CFRT_WAF_IPV6_SET_ARN');
    expect(String(resolved(v4).resolve(template.Outputs!.WafResponder!.Value!))).toBe('RespondFunction (on)');
  });

  it('may read and update exactly its IP sets and keep only its #respond# items, in every combination', () => {
    for (const d of combinations()) {
      const r = resolved(d);
      if (brokenRules(r).length > 0 || !deployedIds(r).has('RespondRole')) continue;
      const variables = respondEnv(d);
      const sets = [variables.CFRT_WAF_IPV4_SET_ARN, variables.CFRT_WAF_IPV6_SET_ARN].filter(
        (a) => a !== undefined,
      );
      expect(sets.length, JSON.stringify(d)).toBeGreaterThan(0);
      expect(grantsOf(r, 'RespondRole'), JSON.stringify(d)).toEqual([
        {
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: ['RespondLogGroup.Arn'],
        },
        { sid: 'KeepTheIpSets', actions: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'], resources: sets },
        {
          sid: 'KeepTheExpiries',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          resources: ['WindowTable.Arn'],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#respond#*'] } },
        },
      ]);
    }
    expect(props('RespondRole').ManagedPolicyArns).toBeUndefined();
    expect(props('RespondFunction').Policies).toBeUndefined();
  });

  it('blocks for WafBlockMinutes x 60 seconds, for every value the parameter allows', () => {
    const allowed = (parameter('WafBlockMinutes').AllowedValues as number[]).map(String);
    expect(allowed).toContain(String(parameter('WafBlockMinutes').Default));
    expect(Object.keys(template.Mappings?.WafBlockSeconds ?? {}).sort()).toEqual([...allowed].sort());
    for (const minutes of allowed) {
      const seconds = respondEnv({
        overrides: { WafResponse: 'on', WafBlockMinutes: minutes },
        region: 'us-east-1',
      }).CFRT_WAF_BLOCK_SECONDS;
      expect(Number(seconds), minutes).toBe(Number(minutes) * 60);
      // The responder's range (docs/response.md): 60 s to 7 days.
      expect(Number(seconds)).toBeGreaterThanOrEqual(60);
      expect(Number(seconds)).toBeLessThanOrEqual(604_800);
    }
    expect(parameter('WafMaxAddresses')).toMatchObject({ Default: 1000, MinValue: 1, MaxValue: 10000 });
  });

  it('accepts only CLOUDFRONT-scope IP set ARNs (us-east-1, global/ipset)', () => {
    for (const name of ['WafIpSetArnV4', 'WafIpSetArnV6']) {
      const pattern = new RegExp(`^(?:${String(parameter(name).AllowedPattern)})$`);
      for (const ok of ['', V4_ARN, V6_ARN]) expect(pattern.test(ok), ok).toBe(true);
      for (const bad of [
        V4_ARN.replace('global/', 'regional/'),
        V4_ARN.replace('us-east-1', 'eu-west-1'),
        V4_ARN.replace(/\/[^/]+$/, ''),
        `${V4_ARN},${V6_ARN}`,
        ' ',
      ])
        expect(pattern.test(bad), bad).toBe(false);
    }
  });

  it('acts on critical client floods as they come and sweeps every 5 minutes', () => {
    expect(resource('RespondFunction').Metadata).toEqual({ BuildMethod: 'makefile' });
    expect(props('RespondFunction')).toMatchObject({
      CodeUri: '.',
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Role: { 'Fn::GetAtt': ['RespondRole', 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: 'RespondLogGroup' } },
    });
    const events = props('RespondFunction').Events as Record<string, { Type: string; Properties: Json }>;
    expect(Object.keys(events).sort()).toEqual(['ClientFlood', 'Sweep']);
    expect(events.ClientFlood!.Type).toBe('EventBridgeRule');
    expect(getPath(events.ClientFlood!.Properties, 'EventBusName')).toBe('default');
    expect(events.Sweep).toMatchObject({ Type: 'Schedule', Properties: { Schedule: 'rate(5 minutes)' } });
    // No web ACL: attaching the IP sets is the operator's step (docs/deploy.md).
    expect(Object.values(template.Resources).filter((r) => r.Type.startsWith('AWS::WAFv2::WebACL'))).toEqual(
      [],
    );
  });
});

describe('the detector and responder bundles against their roles', () => {
  /** The service of every SDK command these functions may send; one missing here fails the test. */
  const SERVICE_OF: Readonly<Record<string, string>> = {
    GetItem: 'dynamodb',
    PutItem: 'dynamodb',
    UpdateItem: 'dynamodb',
    DeleteItem: 'dynamodb',
    Query: 'dynamodb',
    Scan: 'dynamodb',
    BatchGetItem: 'dynamodb',
    BatchWriteItem: 'dynamodb',
    PutEvents: 'events',
    GetIPSet: 'wafv2',
    UpdateIPSet: 'wafv2',
    ListIPSets: 'wafv2',
  };

  /** `service:Action` for every `<Action>Command` a bundle names. */
  const actionsSent = (bundle: string): string[] => {
    const path = new URL(`dist/${bundle}/index.mjs`, repo);
    expect(existsSync(path), `dist/${bundle}/index.mjs is missing: run \`npm run build\` first`).toBe(true);
    const names = new Set(
      [...readFileSync(path, 'utf8').matchAll(/\b([A-Z][A-Za-z0-9]+)Command\b/g)].map((m) => m[1]!),
    );
    return [...names].map((name) => `${SERVICE_OF[name] ?? 'unknown'}:${name}`).sort();
  };

  const roleActions = (r: ResolvedTemplate, role: string): string[] =>
    grantsOf(r, role)
      .flatMap((g) => g.actions)
      .filter((a) => !a.startsWith('logs:'))
      .sort();

  it('grants the detector exactly the API actions its bundle sends', () => {
    expect(roleActions(defaults, 'DetectRole')).toEqual(actionsSent('detect-lambda'));
  });

  it('grants the responder exactly the API actions its bundle sends', () => {
    const on = resolveTemplate(template, { WafResponse: 'on' });
    expect(roleActions(on, 'RespondRole')).toEqual(actionsSent('respond-lambda'));
  });

  it('ships each as one self-contained file (sam build copies it alone)', () => {
    for (const bundle of ['detect-lambda', 'respond-lambda']) {
      const text = readFileSync(new URL(`dist/${bundle}/index.mjs`, repo), 'utf8');
      expect(text.match(/from\s*"\.{1,2}\/[^"]*"/g) ?? [], bundle).toEqual([]);
      expect(text.match(/import\("\.{1,2}\/[^"]*"\)/g) ?? [], bundle).toEqual([]);
    }
  });
});

describe('infra/Makefile: the detector and responder builds', () => {
  for (const [target, bundle] of [
    ['build-DetectFunction', 'detect-lambda'],
    ['build-RespondFunction', 'respond-lambda'],
  ] as const) {
    it(`${target} copies dist/${bundle}/index.mjs and its map into ARTIFACTS_DIR, as sam build runs it`, () => {
      const makefile = readFileSync(MAKEFILE_PATH, 'utf8');
      expect(makefile).toMatch(new RegExp(`^${target}: bundle$`, 'm'));
      const path = new URL(`dist/${bundle}/index.mjs`, repo);
      expect(existsSync(path), `dist/${bundle}/index.mjs is missing: run \`npm run build\` first`).toBe(true);
      const scratch = mkdtempSync(join(tmpdir(), 'cfrt-sam-scratch-'));
      const artifacts = mkdtempSync(join(tmpdir(), 'cfrt-sam-artifacts-'));
      try {
        cpSync(fileURLToPath(new URL('infra/', repo)), scratch, { recursive: true });
        const make = spawnSync('make', ['--makefile', fileURLToPath(MAKEFILE_PATH), target], {
          cwd: scratch,
          encoding: 'utf8',
          timeout: 30_000,
          env: { PATH: process.env.PATH ?? '', ARTIFACTS_DIR: artifacts, CFRT_SKIP_NPM_BUILD: '1' },
        });
        expect(make.error, 'GNU make must be installed').toBeUndefined();
        expect(make.status, make.stderr).toBe(0);
        expect(readFileSync(join(artifacts, 'index.mjs')).equals(readFileSync(path))).toBe(true);
        expect(readdirSync(artifacts).sort()).toEqual(
          existsSync(new URL(`dist/${bundle}/index.mjs.map`, repo))
            ? ['index.mjs', 'index.mjs.map']
            : ['index.mjs'],
        );
      } finally {
        rmSync(scratch, { recursive: true, force: true });
        rmSync(artifacts, { recursive: true, force: true });
      }
    });
  }

  it('fails the build, naming the file, when a bundle is missing', () => {
    const makefile = readFileSync(MAKEFILE_PATH, 'utf8');
    for (const dir of ['DETECT_BUNDLE_DIR', 'RESPOND_BUNDLE_DIR']) {
      expect(makefile).toContain(`@test -f "$(${dir})/index.mjs" || { echo "$(${dir})/index.mjs is missing`);
    }
    expect(makefile).toContain('DETECT_BUNDLE_DIR := $(REPO_ROOT)/dist/detect-lambda');
    expect(makefile).toContain('RESPOND_BUNDLE_DIR := $(REPO_ROOT)/dist/respond-lambda');
  });
});

describe('infra/template.yaml: the console form and WAF names', () => {
  it('puts every parameter in exactly one group, each labelled with text', () => {
    const groups = getPath(
      template.Metadata as Json,
      'AWS::CloudFormation::Interface',
      'ParameterGroups',
    ) as Record<string, Json>[];
    const seen: string[] = [];
    for (const group of groups) {
      // A flow mapping with an unquoted comma ({ default: A (B, C) }) parses into extra keys.
      expect(Object.keys(group.Label as Record<string, Json>)).toEqual(['default']);
      expect(typeof getPath(group.Label, 'default')).toBe('string');
      seen.push(...(group.Parameters as string[]));
    }
    expect([...seen].sort()).toEqual(Object.keys(template.Parameters ?? {}).sort());
  });

  it('describes the IP sets with the characters WAF accepts', () => {
    // The WAFv2 API's pattern for descriptions.
    const pattern = /^[a-zA-Z0-9=:#@/\-,.][a-zA-Z0-9+=:#@/\-,.\s]+[a-zA-Z0-9+=:#@/\-,.]{1,256}$/;
    for (const id of ['WafIpSetV4', 'WafIpSetV6']) {
      for (const stack of ['cfrt-test', 'A'.repeat(128)]) {
        const text = String(
          resolveTemplate(template, {}, { 'AWS::StackName': stack }).resolve(props(id).Description!),
        );
        expect(pattern.test(text), text).toBe(true);
      }
    }
    expect(pattern.test('Client ranges (IPv4; managed)')).toBe(false);
  });
});

describe('docs/deploy.md: the new parameters', () => {
  it('documents every parameter of the template in its Parameters table', () => {
    const doc = readFileSync(new URL('docs/deploy.md', repo), 'utf8');
    const section = doc.split(/^### /m).find((part) => part.startsWith('Parameters'));
    if (!section) throw new Error('docs/deploy.md has no "Parameters" section');
    const missing = Object.keys(template.Parameters ?? {}).filter((name) => !section.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
