/**
 * Evaluates a template the way CloudFormation would with every parameter at its default: conditions,
 * `Ref`, `Fn::If`, `Fn::Join`, `Fn::Sub`, `Fn::Equals`/`Not`/`And`/`Or`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`.
 * Resources resolve to stand-in names (`<LogicalId>` for Ref, `<LogicalId>.<Attribute>` for
 * GetAtt), pseudo parameters to fixed test values. Used to check the defaults a user deploys with
 * `sam deploy --guided` and pressing enter.
 */
import { intrinsicOf, isObject, type Json, type Template } from './cfn-yaml.js';

/** Pseudo parameters, as a test account in us-east-1. */
export const PSEUDO_PARAMETERS: Readonly<Record<string, Json>> = {
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'us-east-1',
  'AWS::Partition': 'aws',
  'AWS::StackName': 'cfrt-test',
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:123456789012:stack/cfrt-test/0',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::NotificationARNs': [],
};

/** Marks a value removed by `AWS::NoValue`. */
const NO_VALUE = Symbol('NoValue');
type Resolved = Json | typeof NO_VALUE;

/** A template evaluated with chosen parameter values (defaults for the rest). */
export interface ResolvedTemplate {
  parameter(name: string): Json;
  condition(name: string): boolean;
  /** The value with every intrinsic evaluated; `undefined` when `AWS::NoValue` removed it. */
  resolve(value: Json): Json | undefined;
}

/**
 * Evaluates `template` with `overrides` on top of the parameters' defaults, and `pseudo` on top of
 * the test account's pseudo parameters (another region, say).
 *
 * @example
 * resolveTemplate(template).resolve({ 'Fn::Join': [',', { Ref: 'Fields' }] }); // 'timestamp,c-ip,...'
 */
export const resolveTemplate = (
  template: Template,
  overrides: Record<string, string> = {},
  pseudo: Readonly<Record<string, Json>> = {},
): ResolvedTemplate => {
  const pseudoParameters: Record<string, Json> = { ...PSEUDO_PARAMETERS, ...pseudo };
  const parameters = new Map<string, Json>();
  for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
    const raw = overrides[name] ?? spec.Default;
    if (raw === undefined) throw new Error(`parameter ${name} has no default and no override`);
    parameters.set(name, spec.Type === 'CommaDelimitedList' ? String(raw).split(',') : String(raw));
  }
  const conditions = new Map<string, boolean>();

  const parameter = (name: string): Json => {
    if (parameters.has(name)) return parameters.get(name)!;
    if (name in pseudoParameters) return pseudoParameters[name]!;
    if (name in template.Resources) return name;
    throw new Error(`Ref to unknown name ${name}`);
  };

  const condition = (name: string): boolean => {
    const known = conditions.get(name);
    if (known !== undefined) return known;
    const body = template.Conditions?.[name];
    if (body === undefined) throw new Error(`unknown condition ${name}`);
    const value = evaluate(body);
    if (typeof value !== 'boolean') throw new Error(`condition ${name} is not a boolean`);
    conditions.set(name, value);
    return value;
  };

  // `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
  const sub = (text: string, variables: Record<string, Json>): string =>
    text.replace(/\$\{(!?)([^}]*)\}/g, (_, escaped: string, name: string) => {
      if (escaped === '!') return `$${'{'}${name}}`;
      const value = name in variables ? variables[name]! : name.includes('.') ? name : parameter(name);
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new Error(`\${${name}} is not a scalar`);
      return String(value);
    });

  const evaluate = (value: Json): Resolved => {
    const intrinsic = intrinsicOf(value);
    if (intrinsic === null || !isObject(value)) {
      if (Array.isArray(value)) return value.map(evaluate).filter((item): item is Json => item !== NO_VALUE);
      if (isObject(value)) {
        const out: { [key: string]: Json } = {};
        for (const [key, item] of Object.entries(value)) {
          const resolved = evaluate(item);
          if (resolved !== NO_VALUE) out[key] = resolved;
        }
        return out;
      }
      return value;
    }
    const args = value[intrinsic]!;
    const list = (): Json[] => {
      if (!Array.isArray(args)) throw new Error(`${intrinsic} needs a list`);
      return args;
    };
    switch (intrinsic) {
      case 'Ref':
        return args === 'AWS::NoValue' ? NO_VALUE : parameter(String(args));
      case 'Condition':
        return condition(String(args));
      case 'Fn::GetAtt':
        return Array.isArray(args) ? args.join('.') : String(args);
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = list();
        return evaluate(condition(String(name)) ? whenTrue! : whenFalse!);
      }
      case 'Fn::Equals': {
        const [a, b] = list().map(evaluate);
        return String(a) === String(b);
      }
      case 'Fn::Not':
        return !(evaluate(list()[0]!) as boolean);
      case 'Fn::And':
        return list().every((item) => evaluate(item) === true);
      case 'Fn::Or':
        return list().some((item) => evaluate(item) === true);
      case 'Fn::Join': {
        const [separator, items] = list();
        const resolved = evaluate(items!);
        if (!Array.isArray(resolved)) throw new Error('Fn::Join needs a list');
        return resolved.map(String).join(String(separator));
      }
      case 'Fn::Split': {
        const [separator, text] = list();
        return String(evaluate(text!)).split(String(separator));
      }
      case 'Fn::Select': {
        const [index, items] = list();
        const resolved = evaluate(items!);
        if (!Array.isArray(resolved)) throw new Error('Fn::Select needs a list');
        return resolved[Number(evaluate(index!))] ?? null;
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = list().map(evaluate);
        const found = template.Mappings?.[String(map)]?.[String(top)]?.[String(second)];
        if (found === undefined)
          throw new Error(`Fn::FindInMap: no ${String(map)}.${String(top)}.${String(second)}`);
        return found;
      }
      case 'Fn::Sub': {
        if (typeof args === 'string') return sub(args, {});
        const [text, variables] = list();
        const resolved = evaluate(variables ?? {});
        return sub(String(text), resolved !== NO_VALUE && isObject(resolved) ? resolved : {});
      }
      default:
        throw new Error(`${intrinsic} is not evaluated by the test resolver`);
    }
  };

  return {
    parameter,
    condition,
    resolve: (value) => {
      const resolved = evaluate(value);
      return resolved === NO_VALUE ? undefined : resolved;
    },
  };
};
