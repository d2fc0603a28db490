/**
 * Checks CloudFormation resources against the CloudFormation resource specification shipped in
 * `@aws-cdk/aws-service-spec` (the database the AWS CDK generates its L1 constructs from): the
 * resource type exists, every property name exists (at every depth, through nested property
 * types, lists, maps and both branches of `Fn::If`), and required properties are present.
 * Values behind other intrinsics (`!Ref`, `!GetAtt`, `!Sub`, ...) are only known at deploy time
 * and are not inspected.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { intrinsicOf, isObject, type Json } from './cfn-yaml.js';

/** The slice of the spec's property types these checks read (`@aws-cdk/service-spec-types`). */
type SpecType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'date-time' | 'null' | 'tag' | 'json' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] };

interface SpecProperty {
  type: SpecType;
  required?: boolean;
}

interface SpecShape {
  /** Set on nested property types (`EndPoint`, `KinesisStreamConfig`, ...). */
  name?: string;
  properties: Record<string, SpecProperty>;
}

/** The two lookups used from the spec database. */
export interface ResourceSpec {
  /** The resource's top-level property shape, or `undefined` for an unknown type. */
  resource(cloudFormationType: string): SpecShape | undefined;
  /** A nested property type by its reference. */
  definition(id: string): SpecShape | undefined;
}

interface SpecDatabase {
  lookup(collection: 'resource', index: 'cloudFormationType', lookup: 'equals', value: string): unknown[];
  get(collection: 'typeDefinition', id: string): unknown;
}

/**
 * Loads the spec database once (about a second: a gzip'd JSON of every AWS resource).
 *
 * @example
 * const spec = loadResourceSpec();
 * spec.resource('AWS::SQS::Queue')?.properties.QueueName; // { type: { type: 'string' }, ... }
 */
export const loadResourceSpec = (): ResourceSpec => {
  const db = loadAwsServiceSpecSync() as unknown as SpecDatabase;
  return {
    resource: (type) =>
      db.lookup('resource', 'cloudFormationType', 'equals', type)[0] as SpecShape | undefined,
    definition: (id) => db.get('typeDefinition', id) as SpecShape | undefined,
  };
};

/** The logical id a path starts with, as a prefix for nested type names. */
const owner = (path: string): string => `${path.split(/[.[]/)[0]} `;

const IS_PRIMITIVE = new Set(['string', 'number', 'integer', 'boolean', 'date-time', 'null', 'tag']);

/**
 * Problems of one resource's `Properties` against the spec, as `path: message` strings; empty when
 * the resource conforms.
 *
 * @example
 * checkResourceProperties(spec, 'AWS::SQS::Queue', { QueueNme: 'q' }, 'Q');
 * // ['Q.QueueNme: AWS::SQS::Queue has no property QueueNme']
 */
export const checkResourceProperties = (
  spec: ResourceSpec,
  type: string,
  properties: Record<string, Json> | undefined,
  path: string,
): string[] => {
  const shape = spec.resource(type);
  if (!shape) return [`${path}: unknown resource type ${type}`];
  const problems: string[] = [];
  checkShape(spec, shape, type, properties ?? {}, path, problems);
  return problems;
};

const checkShape = (
  spec: ResourceSpec,
  shape: SpecShape,
  owner: string,
  value: { [key: string]: Json },
  path: string,
  problems: string[],
): void => {
  for (const [name, item] of Object.entries(value)) {
    const property = shape.properties[name];
    if (!property) {
      problems.push(`${path}.${name}: ${owner} has no property ${name}`);
      continue;
    }
    checkValue(spec, property.type, item, `${path}.${name}`, problems);
  }
  for (const [name, property] of Object.entries(shape.properties)) {
    if (property.required && !(name in value)) problems.push(`${path}: ${owner} requires ${name}`);
  }
};

const checkValue = (
  spec: ResourceSpec,
  type: SpecType,
  value: Json,
  path: string,
  problems: string[],
): void => {
  const intrinsic = intrinsicOf(value);
  if (intrinsic === 'Fn::If' && isObject(value)) {
    // Both branches must fit the property; `AWS::NoValue` removes it.
    const branches = value[intrinsic];
    if (Array.isArray(branches)) {
      for (const [index, branch] of branches.slice(1).entries()) {
        if (intrinsicOf(branch) === 'Ref' && isObject(branch) && branch.Ref === 'AWS::NoValue') continue;
        checkValue(spec, type, branch, `${path}[if ${index === 0 ? 'true' : 'false'}]`, problems);
      }
    }
    return;
  }
  if (intrinsic !== null) return;
  switch (type.type) {
    case 'json':
      return;
    case 'union': {
      const attempts = type.types.map((member) => {
        const found: string[] = [];
        checkValue(spec, member, value, path, found);
        return found;
      });
      const best = attempts.reduce((a, b) => (b.length < a.length ? b : a));
      problems.push(...best);
      return;
    }
    case 'array':
      if (!Array.isArray(value)) {
        problems.push(`${path}: expected a list`);
        return;
      }
      value.forEach((item, index) => {
        checkValue(spec, type.element, item, `${path}[${index}]`, problems);
      });
      return;
    case 'map':
      if (!isObject(value)) {
        problems.push(`${path}: expected a map`);
        return;
      }
      for (const [key, item] of Object.entries(value))
        checkValue(spec, type.element, item, `${path}.${key}`, problems);
      return;
    case 'ref': {
      const definition = spec.definition(type.reference.$ref);
      if (!definition) return;
      if (!isObject(value)) {
        problems.push(`${path}: expected an object`);
        return;
      }
      checkShape(spec, definition, `${owner(path)}${definition.name ?? 'property'}`, value, path, problems);
      return;
    }
    default:
      if (IS_PRIMITIVE.has(type.type) && (Array.isArray(value) || isObject(value))) {
        problems.push(
          `${path}: expected a ${type.type}, got ${Array.isArray(value) ? 'a list' : 'an object'}`,
        );
      }
  }
};
