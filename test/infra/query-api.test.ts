/**
 * The Analytics API in infra/template.yaml, offline: never public, a role that may only Query the
 * window table, the build that ships dist/query-lambda/index.mjs, and its output. (The schema and
 * resource-specification checks of template.test.ts cover these resources too.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isObject, type Json, loadTemplate, walk } from './cfn-yaml.js';
import { identityStatements } from './iam.js';

const repo = new URL('../../', import.meta.url);
const template = loadTemplate(new URL('infra/template.yaml', repo));
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};
const props = (id: string): Record<string, Json> => resource(id).Properties ?? {};
const list = (value: Json | undefined): Json[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

describe('infra/template.yaml: the query API', () => {
  it('serves the query function through a Function URL with AWS_IAM auth', () => {
    expect(resource('QueryFunctionUrl').Type).toBe('AWS::Lambda::Url');
    expect(props('QueryFunctionUrl')).toEqual({
      TargetFunctionArn: { 'Fn::GetAtt': ['QueryFunction', 'Arn'] },
      AuthType: 'AWS_IAM',
    });
  });

  it('makes nothing public: no URL without auth, no invoke permission for any principal', () => {
    for (const [id, r] of Object.entries(template.Resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::Lambda::Url') expect(p.AuthType, id).toBe('AWS_IAM');
      if (r.Type === 'AWS::Serverless::Function' && isObject(p.FunctionUrlConfig))
        expect(p.FunctionUrlConfig.AuthType, id).toBe('AWS_IAM');
      if (r.Type === 'AWS::Lambda::Permission') expect(p.Principal, id).not.toBe('*');
      for (const [path, value] of walk(p))
        expect(`${path.join('.')}=${String(value)}`, id).not.toMatch(/AuthType=NONE$/);
    }
  });

  it('runs under a role that may only Query the window table (and write its own logs)', () => {
    expect(props('QueryFunction').Role).toEqual({ 'Fn::GetAtt': ['QueryRole', 'Arn'] });
    const statements = identityStatements(template).filter((s) => s.owner === 'QueryRole');
    const grants = statements.flatMap(({ statement }) =>
      list(statement.Action).map((action) => ({
        action,
        resource: statement.Resource,
        effect: statement.Effect,
      })),
    );
    expect(grants).toEqual([
      {
        action: 'logs:CreateLogStream',
        resource: { 'Fn::GetAtt': ['QueryLogGroup', 'Arn'] },
        effect: 'Allow',
      },
      { action: 'logs:PutLogEvents', resource: { 'Fn::GetAtt': ['QueryLogGroup', 'Arn'] }, effect: 'Allow' },
      { action: 'dynamodb:Query', resource: { 'Fn::GetAtt': ['WindowTable', 'Arn'] }, effect: 'Allow' },
    ]);
    // No managed policies either: the inline statements are all it has.
    expect(props('QueryRole').ManagedPolicyArns).toBeUndefined();
    expect(props('QueryFunction').Policies).toBeUndefined();
  });

  it('reads the table the processor writes, named by CFRT_TABLE_NAME only', () => {
    const env = (props('QueryFunction').Environment as { Variables: Record<string, Json> }).Variables;
    expect(env).toEqual({ CFRT_TABLE_NAME: { Ref: 'WindowTable' } });
  });

  it('builds from its own bundle: a Makefile target copying dist/query-lambda/index.mjs', () => {
    expect(resource('QueryFunction').Metadata).toEqual({ BuildMethod: 'makefile' });
    expect(props('QueryFunction')).toMatchObject({
      CodeUri: '.',
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    const makefile = readFileSync(new URL('infra/Makefile', repo), 'utf8');
    expect(makefile).toMatch(/^build-QueryFunction: bundle$/m);
    expect(makefile).toContain('QUERY_BUNDLE_DIR := $(REPO_ROOT)/dist/query-lambda');
    expect(makefile).toContain('cp "$(QUERY_BUNDLE_DIR)/index.mjs" "$(ARTIFACTS_DIR)/index.mjs"');
  });

  it('has a timeout the API limits fit in, and outputs its URL', () => {
    expect(props('QueryFunction').Timeout).toBe(30);
    expect(template.Outputs?.QueryUrl?.Value).toEqual({ 'Fn::GetAtt': ['QueryFunctionUrl', 'FunctionUrl'] });
    expect(template.Outputs?.QueryFunctionName?.Value).toEqual({ Ref: 'QueryFunction' });
  });
});

describe('the query bundle (dist/query-lambda/index.mjs)', () => {
  const path = new URL('dist/query-lambda/index.mjs', repo);

  it('is one self-contained file that leaves the AWS SDK to the runtime', () => {
    expect(existsSync(path), 'dist/query-lambda/index.mjs is missing: run `npm run build` first').toBe(true);
    const bundle = readFileSync(path, 'utf8');
    // SAM copies it alone: no sibling chunk may be imported.
    expect(bundle.match(/from\s*"\.{1,2}\/[^"]*"/g) ?? []).toEqual([]);
    expect(bundle.match(/import\("\.{1,2}\/[^"]*"\)/g) ?? []).toEqual([]);
    // The runtime's SDK, not a bundled copy.
    expect(bundle).toMatch(/from\s*"@aws-sdk\/client-dynamodb"|import\("@aws-sdk\/client-dynamodb"\)/);
    expect(bundle).not.toContain('AwsJson1_0Protocol');
  });
});
