/**
 * Reads a CloudFormation/SAM YAML template into the JSON form CloudFormation itself sees: every
 * short-form intrinsic (`!Ref x`, `!GetAtt A.B`, `!Sub ...`, `!If [...]`, ...) becomes its long
 * form (`{ Ref: 'x' }`, `{ 'Fn::GetAtt': ['A', 'B'] }`, ...), so schema and spec checks run on
 * what would be deployed.
 */
import { readFileSync } from 'node:fs';
import { type CollectionTag, parseDocument, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

/** A JSON value as parsed from a template. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The parts of a template the checks read. */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Description?: string;
  Parameters?: Record<string, Record<string, Json>>;
  Rules?: Record<string, Json>;
  Mappings?: Record<string, Record<string, Record<string, Json>>>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, Record<string, Json>>;
  [key: string]: unknown;
}

/** One resource entry. */
export interface TemplateResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Metadata?: Record<string, Json>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties?: Record<string, Json>;
  [key: string]: Json | undefined;
}

/** Every short-form intrinsic CloudFormation accepts, by tag, with its long-form key. */
const FUNCTIONS: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!FindInMap': 'Fn::FindInMap',
  '!GetAtt': 'Fn::GetAtt',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!Sub': 'Fn::Sub',
  '!Transform': 'Fn::Transform',
  '!And': 'Fn::And',
  '!Equals': 'Fn::Equals',
  '!If': 'Fn::If',
  '!Not': 'Fn::Not',
  '!Or': 'Fn::Or',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
};

/** `!GetAtt A.B.C` is `['A', 'B.C']`: the logical id never contains a dot, attributes may. */
const getAttScalar = (text: string): Json => {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
};

const buildTags = (): (ScalarTag | CollectionTag)[] => {
  const tags: (ScalarTag | CollectionTag)[] = [];
  for (const [tag, key] of Object.entries(FUNCTIONS)) {
    tags.push({
      tag,
      resolve: (text: string) => ({ [key]: key === 'Fn::GetAtt' ? getAttScalar(text) : text }),
    });
    for (const collection of ['seq', 'map'] as const) {
      tags.push({
        tag,
        collection,
        resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: node.toJSON() as Json }),
      });
    }
  }
  return tags;
};

const CUSTOM_TAGS = buildTags();

/**
 * Parses template text; unknown tags are errors, so a typo such as `!GetAt` cannot pass unnoticed.
 *
 * @example
 * parseTemplate('Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref N\n');
 * // { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'N' } } } } }
 */
export const parseTemplate = (text: string): Template => {
  const document = parseDocument(text, { customTags: CUSTOM_TAGS, strict: true, uniqueKeys: true });
  // An unresolved tag is only a warning to the yaml package; for a template it is a typo.
  const [problem] = [...document.errors, ...document.warnings];
  if (problem) throw problem;
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (typeof value !== 'object' || value === null || !('Resources' in value)) {
    throw new Error('not a CloudFormation template: no Resources');
  }
  return value as Template;
};

/** Reads and parses a template file. */
export const loadTemplate = (path: string | URL): Template => parseTemplate(readFileSync(path, 'utf8'));

/** Narrows a JSON value to a plain object. */
export const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The intrinsic-function key of a value (`Ref`, `Fn::Sub`, ...) when it is one, else `null`. */
export const intrinsicOf = (value: Json | undefined): string | null => {
  if (!isObject(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const key = keys[0]!;
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? key : null;
};

/** Every value below `root` (depth first), with its path, intrinsic arguments included. */
export function* walk(root: Json, path: readonly string[] = []): Generator<[readonly string[], Json]> {
  yield [path, root];
  if (Array.isArray(root)) {
    for (const [index, item] of root.entries()) yield* walk(item, [...path, String(index)]);
  } else if (isObject(root)) {
    for (const [key, item] of Object.entries(root)) yield* walk(item, [...path, key]);
  }
}
