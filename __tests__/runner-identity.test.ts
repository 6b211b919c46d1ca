/**
 * The runner's own identity, pure part: which source the environment gives (the AWS SDKs' order), the
 * plan built from it, and the environment checks of the container and IMDS clients (no network here;
 * e2e-runner-identity.test.ts runs them against stand-ins).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSettings } from '../src/settings/settings.js';
import { buildInputPlan } from '../src/plan/buildInputPlan.js';
import { detectRunnerIdentity } from '../src/sources/runnerIdentity.js';
import { containerAuthorization, containerUrl } from '../src/sources/containerCredentials.js';
import { metadataEndpoint } from '../src/sources/instanceMetadata.js';
import type { GithubContext } from '../src/plan/github.js';
import { ACTION_YML, inputEnvName, readActionInputDefaults } from './support/harness.js';

const github: GithubContext = {
  repository: 'octo-org/octo-repo',
  workflow: 'ci',
  action: '__self',
  actor: 'octocat',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  runId: '1234',
  runAttempt: '1',
};
const declared = readActionInputDefaults(ACTION_YML);
const IRSA_ROLE = 'arn:aws:iam::111111111111:role/eks-pod';
const TARGET = 'arn:aws:iam::222222222222:role/deploy';
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIAENVKEY0000000001', AWS_SECRET_ACCESS_KEY: 'env/secret+value0000000' };
const IRSA = { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token', AWS_ROLE_ARN: IRSA_ROLE };
const CONTAINER = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc' };
const OFF = { AWS_EC2_METADATA_DISABLED: 'true' };

/** The env the runner hands the step: only the inputs given (plus action.yml's defaults) and `extra`. */
function env(inputs: Record<string, string>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: process.env['PATH'] };
  for (const [k, v] of Object.entries({ ...declared, ...inputs })) out[inputEnvName(k)] = v;
  return { ...out, ...extra };
}
const plan = (inputs: Record<string, string>, extra: Record<string, string>) => buildInputPlan(readSettings(env(inputs, extra)), github);
const ROLE = { 'aws-region': 'us-east-1', 'role-to-assume': TARGET };

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('detectRunnerIdentity: the AWS SDKs order', () => {
  test.each([
    ['keys beat everything', { ...KEYS, ...IRSA, ...CONTAINER }, 'environment'],
    ['IRSA beats the container endpoint', { ...IRSA, ...CONTAINER }, 'web-identity-env'],
    ['the container endpoint beats IMDS', { ...CONTAINER }, 'container'],
    ['a FULL_URI counts too', { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/c' }, 'container'],
    ['IMDS when nothing else and not disabled', {}, 'instance-metadata'],
    ['IMDS disabled (any case): none', { AWS_EC2_METADATA_DISABLED: 'TRUE' }, 'none'],
    ['IMDS "false" is not disabled', { AWS_EC2_METADATA_DISABLED: 'false' }, 'instance-metadata'],
    ['one key alone is not credentials', { AWS_ACCESS_KEY_ID: KEYS.AWS_ACCESS_KEY_ID, ...OFF }, 'none'],
    ['a token file without AWS_ROLE_ARN is not IRSA', { AWS_WEB_IDENTITY_TOKEN_FILE: '/t', ...OFF }, 'none'],
    ['empty values are unset', { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', ...OFF }, 'none'],
  ])('%s', (_name, vars, kind) => {
    expect(detectRunnerIdentity(vars).kind).toBe(kind);
  });
});

describe('the plan from the runner identity', () => {
  test('a job that can mint an OIDC token uses it, not the runner; force-skip-oidc turns to the runner', () => {
    const oidc = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/x?a=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req' };
    const withOidc = plan(ROLE, { ...oidc, ...CONTAINER });
    expect(withOidc.targets[0]!.chain.source).toEqual({ kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } });
    expect(withOidc.runnerSource).toBeUndefined();
    const skipped = plan({ ...ROLE, 'force-skip-oidc': 'true' }, { ...oidc, ...CONTAINER });
    expect(skipped.targets[0]!.chain.source).toMatchObject({ kind: 'container' });
    expect(skipped.runnerSource).toContain('container credentials endpoint');
  });

  test('IRSA: AssumeRoleWithWebIdentity to AWS_ROLE_ARN with nothing of the inputs, then role-to-assume as a chained AssumeRole', () => {
    const p = plan({ ...ROLE, 'role-duration-seconds': '3600', 'role-external-id': 'ext-1' }, { ...IRSA, AWS_ROLE_SESSION_NAME: 'pod-a' });
    const { source, hops } = p.targets[0]!.chain;
    expect(source).toEqual({ kind: 'web-identity', token: { kind: 'file', path: IRSA.AWS_WEB_IDENTITY_TOKEN_FILE } });
    expect(hops.map((h) => [h.action, h.roleArn])).toEqual([
      ['AssumeRoleWithWebIdentity', IRSA_ROLE],
      ['AssumeRole', TARGET],
    ]);
    expect(hops[0]).toMatchObject({ roleSessionName: 'pod-a', tags: [], policyArns: [] });
    expect([hops[0]!.durationSeconds, hops[0]!.externalId]).toEqual([undefined, undefined]);
    expect(hops[1]).toMatchObject({ externalId: 'ext-1', durationSeconds: 3600 });
    expect(hops[1]!.tags.length).toBeGreaterThan(0);
    expect(p.runnerSource).toContain('EKS IRSA');
  });

  test('IRSA: the hops after it are role chaining, so a duration over an hour is refused before any call', () => {
    expect(failure(() => plan({ ...ROLE, 'role-duration-seconds': '7200' }, IRSA))).toMatch(/^Input 'role-duration-seconds': .*3600/);
  });

  test('IRSA: fan-out targets share the one web-identity hop', () => {
    const p = plan({ ...ROLE, 'fan-out-roles': 'arn:aws:iam::333333333333:role/a\narn:aws:iam::444444444444:role/a' }, IRSA);
    expect(p.targets).toHaveLength(2);
    for (const t of p.targets) expect(t.chain.hops.map((h) => h.roleArn)).toEqual([IRSA_ROLE, TARGET, expect.stringMatching(/:role\/a$/)]);
  });

  test('a bad AWS_ROLE_ARN or AWS_ROLE_SESSION_NAME is named by its variable, its value never echoed', () => {
    const badArn = failure(() => plan(ROLE, { ...IRSA, AWS_ROLE_ARN: 'arn:aws:iam::1:role/x\u001b[31m' }));
    expect(badArn).toMatch(/^Environment variable AWS_ROLE_ARN: /);
    expect(badArn).not.toContain('\u001b');
    expect(failure(() => plan({ ...ROLE, 'aws-region': 'cn-north-1', 'role-to-assume': 'arn:aws-cn:iam::222222222222:role/d' }, IRSA))).toMatch(
      /^Environment variable AWS_ROLE_ARN: the role is in partition "aws" but the region "cn-north-1"/,
    );
    expect(failure(() => plan(ROLE, { ...IRSA, AWS_ROLE_SESSION_NAME: 'has space' }))).toMatch(/^Environment variable AWS_ROLE_SESSION_NAME: session name/);
  });

  test('keys, container and IMDS become their sources; the origin says they are the runner', () => {
    expect(plan(ROLE, KEYS).targets[0]!.chain.source).toEqual({ kind: 'environment', origin: { where: "the runner's own identity" } });
    expect(plan(ROLE, CONTAINER).targets[0]!.chain.source).toMatchObject({ kind: 'container' });
    const imds = plan(ROLE, {});
    expect(imds.targets[0]!.chain.source).toMatchObject({ kind: 'instance-metadata' });
    expect(imds.runnerSource).toBe("the runner's own identity: the instance profile (IMDSv2)");
  });

  test('nothing found: one line listing every place looked at, with the id-token hint', () => {
    const message = failure(() => plan(ROLE, OFF));
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^Input 'role-to-assume': no source identity: .*permissions: id-token: write/);
    for (const part of ['aws-access-key-id', 'web-identity-token-file', 'role-chaining', 'AWS_ACCESS_KEY_ID', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN']) {
      expect(message).toContain(part);
    }
    expect(message).toContain('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
    expect(message).toContain('instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)');
  });

  test('without a role the runner identity is not a target by itself', () => {
    expect(failure(() => plan({ 'aws-region': 'us-east-1' }, KEYS))).toMatch(/^Input 'role-to-assume': nothing to do/);
  });
});

describe('container endpoint settings (as the SDKs document them)', () => {
  test('RELATIVE_URI is under 169.254.170.2 and wins over FULL_URI', () => {
    expect(containerUrl({ ...CONTAINER, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/x' }).href).toBe('http://169.254.170.2/v2/credentials/abc');
    expect(() => containerUrl({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: 'v2/creds' })).toThrow(/must be a path starting with "\/"/);
  });

  test.each([
    ['http://127.0.0.1:8080/creds', true],
    ['http://127.10.20.30/creds', true],
    ['http://localhost/creds', true],
    ['http://[::1]:9/creds', true],
    ['http://169.254.170.2/creds', true],
    ['http://169.254.170.23/v1/credentials', true],
    ['http://[fd00:ec2::23]/v1/credentials', true],
    ['https://creds.example.com/x', true],
    ['http://169.254.169.254/x', false],
    ['http://10.0.0.1/x', false],
    ['http://127.0.0.1.evil.example/x', false],
    ['ftp://127.0.0.1/x', false],
    ['not a url', false],
  ])('FULL_URI %s accepted: %s', (uri, ok) => {
    const run = () => containerUrl({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri });
    if (ok) expect(run().href).toBe(new URL(uri).href);
    else expect(run).toThrow(/AWS_CONTAINER_CREDENTIALS_FULL_URI/);
  });

  test('the token file wins over the token, loses its trailing newline, and a header-breaking token is refused unquoted', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-token-'));
    try {
      const file = path.join(dir, 'token');
      fs.writeFileSync(file, 'file-token-value\n');
      expect(containerAuthorization({ AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'env-token' })).toBe('file-token-value');
      expect(containerAuthorization({ AWS_CONTAINER_AUTHORIZATION_TOKEN: 'env-token' })).toBe('env-token');
      expect(containerAuthorization({})).toBeUndefined();
      fs.writeFileSync(file, 'abc\r\nX-Injected: 1');
      const message = failure(() => containerAuthorization({ AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file }));
      expect(message).toContain('characters a header cannot carry');
      expect(message).not.toContain('Injected');
      expect(failure(() => containerAuthorization({ AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: path.join(dir, 'missing') }))).toContain('does not exist');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('IMDS endpoint settings', () => {
  test.each([
    [{}, 'http://169.254.169.254'],
    [{ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' }, 'http://[fd00:ec2::254]'],
    [{ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'ipv4' }, 'http://169.254.169.254'],
    [{ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1338/', AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' }, 'http://127.0.0.1:1338'],
  ])('%j → %s', (vars, base) => {
    expect(metadataEndpoint(vars)).toBe(base);
  });

  test('a bad mode or endpoint is named', () => {
    expect(() => metadataEndpoint({ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv5' })).toThrow('AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6');
    expect(() => metadataEndpoint({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'file:///etc/passwd' })).toThrow('must be an http(s) URL');
  });
});
