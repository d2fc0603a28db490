/**
 * Collects the identity-policy statements of a template (inline role policies, AWS::IAM::Policy,
 * AWS::IAM::ManagedPolicy, SAM function `Policies` statements) and finds those that grant a
 * data-plane action of kinesis, dynamodb, sqs, kms, s3, firehose, aoss, glue, wafv2 or events on
 * every resource.
 *
 * Resource policies (a KMS key policy, a queue policy) are not identity statements: in a key
 * policy `Resource: '*'` means "this key", so they are checked for their principals instead.
 */
import { intrinsicOf, isObject, type Json, type Template } from './cfn-yaml.js';

/** One statement and the logical id of the resource it belongs to. */
export interface OwnedStatement {
  owner: string;
  statement: { [key: string]: Json };
}

/**
 * Services whose actions must always name their resource (the archive and search tiers', the WAF
 * responder's IP sets and the detector's event bus included).
 */
export const DATA_PLANE_SERVICES = [
  'kinesis',
  'dynamodb',
  'sqs',
  'kms',
  's3',
  'firehose',
  'aoss',
  'glue',
  'wafv2',
  'events',
] as const;

/** Both branches of a `Fn::If` (minus `AWS::NoValue`), or the value itself. */
const branches = (value: Json): Json[] => {
  if (intrinsicOf(value) === 'Fn::If' && isObject(value)) {
    const args = value['Fn::If'];
    if (Array.isArray(args)) return args.slice(1).flatMap(branches);
  }
  if (intrinsicOf(value) === 'Ref' && isObject(value) && value.Ref === 'AWS::NoValue') return [];
  return [value];
};

const statementsOf = (document: Json | undefined, owner: string): OwnedStatement[] => {
  if (!isObject(document)) return [];
  const list = document.Statement;
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return items
    .flatMap(branches)
    .filter(isObject)
    .map((statement) => ({ owner, statement }));
};

/**
 * Every identity-policy statement of the template.
 *
 * @example
 * identityStatements(template).filter((s) => s.owner === 'ProcessorRole');
 */
export const identityStatements = (template: Template): OwnedStatement[] =>
  Object.entries(template.Resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Role':
      case 'AWS::IAM::User':
      case 'AWS::IAM::Group': {
        const policies = properties.Policies;
        return (Array.isArray(policies) ? policies.flatMap(branches) : []).flatMap((policy) =>
          isObject(policy) ? statementsOf(policy.PolicyDocument, id) : [],
        );
      }
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        return statementsOf(properties.PolicyDocument, id);
      case 'AWS::Serverless::Function':
      case 'AWS::Serverless::StateMachine': {
        // Policies: a managed policy name, a policy template, a policy document, or a list of them.
        const policies = properties.Policies;
        const list = Array.isArray(policies) ? policies : policies === undefined ? [] : [policies];
        return list.flatMap(branches).flatMap((policy) => statementsOf(policy, id));
      }
      default:
        return [];
    }
  });

const asList = (value: Json | undefined): Json[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap(branches);

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

/** Whether an action pattern (`kinesis:Get*`, `*`, `k*:*`) can match an action of a data-plane service. */
const touchesDataPlane = (action: string): boolean => {
  if (action === '*') return true;
  const [service = ''] = action.split(':');
  const pattern = globToRegExp(service);
  return DATA_PLANE_SERVICES.some((name) => pattern.test(name));
};

/**
 * The Allow statements that grant a kinesis, dynamodb, sqs or kms action on `*` (including
 * `NotAction` and `NotResource`, which grant everything they do not name), as `owner: Sid` strings.
 *
 * @example
 * findWildcardDataPlaneGrants([{ owner: 'R', statement: { Effect: 'Allow', Action: 'sqs:*', Resource: '*' } }]);
 * // ['R: (no Sid) sqs:*']
 */
export const findWildcardDataPlaneGrants = (statements: readonly OwnedStatement[]): string[] =>
  statements.flatMap(({ owner, statement }) => {
    if (statement.Effect !== 'Allow') return [];
    const everyResource =
      statement.NotResource !== undefined || asList(statement.Resource).some((resource) => resource === '*');
    if (!everyResource) return [];
    const actions = statement.NotAction !== undefined ? ['*'] : asList(statement.Action).map(String);
    const offending = actions.filter(touchesDataPlane);
    return offending.length === 0
      ? []
      : [`${owner}: ${String(statement.Sid ?? '(no Sid)')} ${offending.join(', ')}`];
  });
