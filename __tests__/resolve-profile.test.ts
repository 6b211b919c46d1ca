/**
 * resolveProfileChain: botocore's assume-role resolution for an explicitly selected profile
 * (profile-semantics.md §1.3–§1.9), its error catalogue (§1.12) with exact texts, files and lines,
 * and the labelled preflight checks botocore does not make.
 */
import { parseConfigText } from '../src/config/configparser.js';
import { buildProfileMap, type ProfileMap } from '../src/config/profiles.js';
import { ConfigError } from '../src/base/errors.js';
import { CHAINED_DURATION_MESSAGE } from '../src/base/constraints.js';
import { pyInt, pyListRepr, pyRepr } from '../src/config/python.js';
import { PreflightError, resolveProfileChain, type ResolveContext, type ResolvedProfile } from '../src/plan/resolveProfileChain.js';
import type { Hop } from '../src/base/types.js';

const CONFIG = '/repo/.aws/config';
const CREDS = '/repo/.aws/credentials';
const TOKEN = '/tmp/web-identity-token';

const baseCtx: ResolveContext = {
  defaultSessionName: 'gha-run-42',
  fileExists: (path) => path === TOKEN,
};

interface Files {
  config?: string[];
  credentials?: string[];
}

function mapOf(files: Files): ProfileMap {
  const config = files.config && { doc: parseConfigText(`${files.config.join('\n')}\n`, CONFIG), path: CONFIG };
  const credentials = files.credentials && {
    doc: parseConfigText(`${files.credentials.join('\n')}\n`, CREDS),
    path: CREDS,
  };
  return buildProfileMap(config, credentials);
}

function resolve(profile: string, files: Files, ctx: Partial<ResolveContext> = {}): ResolvedProfile {
  return resolveProfileChain(mapOf(files), profile, { ...baseCtx, ...ctx });
}

function failure(profile: string, files: Files, ctx: Partial<ResolveContext> = {}): ConfigError {
  try {
    resolve(profile, files, ctx);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const BASE = ['[profile base]', 'aws_access_key_id = AKIABASE', 'aws_secret_access_key = basesecret'];
const APP = ['[profile app]', 'role_arn = arn:aws:iam::111111111111:role/app', 'source_profile = base', 'region = us-east-1'];

/** A hop with the empty lists every config-mode hop has. */
function hop(fields: Partial<Hop> & Pick<Hop, 'roleArn' | 'roleSessionName' | 'origin'>): Hop {
  return { action: 'AssumeRole', tags: [], transitiveTagKeys: [], policyArns: [], ...fields };
}

describe('chains', () => {
  test('a role whose source profile has static keys in the credentials file', () => {
    const resolved = resolve('dev', {
      config: ['[profile dev]', 'role_arn = arn:aws:iam::111111111111:role/dev-role', 'source_profile = base', 'region = eu-west-1'],
      credentials: ['[base]', 'aws_access_key_id = AKIABASE', 'aws_secret_access_key = basesecret', 'aws_session_token = tok'],
    });
    expect(resolved).toEqual<ResolvedProfile>({
      profile: 'dev',
      chain: {
        source: {
          kind: 'static',
          credentials: { accessKeyId: 'AKIABASE', secretAccessKey: 'basesecret', sessionToken: 'tok' },
          origin: { where: CREDS, line: 2, profile: 'base' },
        },
        hops: [
          hop({
            roleArn: 'arn:aws:iam::111111111111:role/dev-role',
            roleSessionName: 'gha-run-42',
            origin: { where: CONFIG, line: 2, profile: 'dev' },
          }),
        ],
      },
      region: 'eu-west-1',
      regionOrigin: { where: CONFIG, line: 4, profile: 'dev' },
      origin: { where: CONFIG, line: 1, profile: 'dev' },
    });
  });

  test('three hops: each hop has its own session name, external id and duration; only the selected region counts', () => {
    const resolved = resolve('hop3', {
      config: [
        ...BASE,
        'region = us-west-2',
        '[profile hop1]',
        'role_arn = arn:aws:iam::111111111111:role/hop1',
        'source_profile = base',
        'role_session_name = s1',
        'external_id = ext-one',
        'duration_seconds = 3600',
        'region = eu-central-1',
        '[profile hop2]',
        'role_arn = arn:aws:iam::222222222222:role/hop2',
        'source_profile = hop1',
        'role_session_name = s2',
        'duration_seconds = 1800',
        '[profile hop3]',
        'role_arn = arn:aws:iam::333333333333:role/hop3',
        'source_profile = hop2',
        'external_id = ext-three',
        'region = ap-southeast-2',
      ],
    });
    expect(resolved.chain.hops).toEqual([
      hop({
        roleArn: 'arn:aws:iam::111111111111:role/hop1',
        roleSessionName: 's1',
        externalId: 'ext-one',
        durationSeconds: 3600,
        origin: { where: CONFIG, line: 6, profile: 'hop1' },
      }),
      hop({
        roleArn: 'arn:aws:iam::222222222222:role/hop2',
        roleSessionName: 's2',
        durationSeconds: 1800,
        origin: { where: CONFIG, line: 13, profile: 'hop2' },
      }),
      hop({
        roleArn: 'arn:aws:iam::333333333333:role/hop3',
        roleSessionName: 'gha-run-42',
        externalId: 'ext-three',
        origin: { where: CONFIG, line: 18, profile: 'hop3' },
      }),
    ]);
    expect(resolved.region).toBe('ap-southeast-2');
  });

  test('selected profile: role_arn wins over its own static keys and credential_process', () => {
    const resolved = resolve('a', {
      config: [
        ...BASE,
        '[profile a]',
        'aws_access_key_id = AKIAA',
        'aws_secret_access_key = s',
        'credential_process = /bin/creds',
        'role_arn = arn:aws:iam::111111111111:role/a',
        'source_profile = base',
      ],
    });
    expect(resolved.chain.source).toMatchObject({ kind: 'static', credentials: { accessKeyId: 'AKIABASE' } });
    expect(resolved.chain.hops.map((h) => h.roleArn)).toEqual(['arn:aws:iam::111111111111:role/a']);
  });

  test('source profile: any static key wins and its role_arn is ignored', () => {
    const resolved = resolve('top', {
      config: [
        '[profile mid]',
        'aws_access_key_id = AKIAMID',
        'aws_secret_access_key = midsecret',
        'role_arn = arn:aws:iam::111111111111:role/mid-role-ignored',
        'source_profile = other',
        '[profile top]',
        'role_arn = arn:aws:iam::222222222222:role/top',
        'source_profile = mid',
      ],
    });
    expect(resolved.chain.source).toMatchObject({ kind: 'static', credentials: { accessKeyId: 'AKIAMID' } });
    expect(resolved.chain.hops.map((h) => h.roleArn)).toEqual(['arn:aws:iam::222222222222:role/top']);
  });

  test('a profile may name itself as source_profile when it has static keys', () => {
    const resolved = resolve('a', {
      config: ['[profile a]', 'aws_access_key_id = AKIAA', 'aws_secret_access_key = s', 'role_arn = arn:aws:iam::111111111111:role/a', 'source_profile = a'],
    });
    expect(resolved.chain.source).toMatchObject({ kind: 'static', credentials: { accessKeyId: 'AKIAA' } });
    expect(resolved.chain.hops.map((h) => h.roleArn)).toEqual(['arn:aws:iam::111111111111:role/a']);
  });

  test.each([
    ['Environment', 'environment'],
    ['Ec2InstanceMetadata', 'instance-metadata'],
    ['EcsContainer', 'container'],
  ] as const)('credential_source = %s', (value, kind) => {
    const resolved = resolve('a', { config: ['[profile a]', 'role_arn = arn:aws:iam::111111111111:role/a', `credential_source = ${value}`] });
    expect(resolved.chain.source).toEqual({ kind, origin: { where: CONFIG, line: 3, profile: 'a' } });
  });

  test('credential_source on a middle hop', () => {
    const resolved = resolve('top', {
      config: [
        '[profile mid]',
        'role_arn = arn:aws:iam::111111111111:role/mid',
        'credential_source = Environment',
        '[profile top]',
        'role_arn = arn:aws:iam::222222222222:role/top',
        'source_profile = mid',
      ],
    });
    expect(resolved.chain.source.kind).toBe('environment');
    expect(resolved.chain.hops.map((h) => h.roleArn)).toEqual(['arn:aws:iam::111111111111:role/mid', 'arn:aws:iam::222222222222:role/top']);
  });

  test('credential_process in a source profile is a process source', () => {
    const resolved = resolve('app', {
      config: ['[profile proc]', 'credential_process = /opt/creds --flag "a b"', ...APP.map((l) => l.replace('= base', '= proc'))],
    });
    expect(resolved.chain.source).toEqual({
      kind: 'process',
      command: '/opt/creds --flag "a b"',
      origin: { where: CONFIG, line: 2, profile: 'proc' },
    });
  });

  test('source profile: credentials-file keys beat credential_process, which beats config-file keys', () => {
    const processAndConfigKeys = resolve('app', {
      config: ['[profile base]', 'credential_process = /bin/creds', 'aws_access_key_id = AKIACONFIG', 'aws_secret_access_key = s', ...APP],
    });
    expect(processAndConfigKeys.chain.source.kind).toBe('process');
    const credentialsFileKeys = resolve('app', {
      config: ['[profile base]', 'credential_process = /bin/creds', ...APP],
      credentials: ['[base]', 'aws_access_key_id = AKIACREDFILE', 'aws_secret_access_key = s'],
    });
    expect(credentialsFileKeys.chain.source).toMatchObject({ kind: 'static', credentials: { accessKeyId: 'AKIACREDFILE' } });
  });

  test('aws_security_token wins over aws_session_token', () => {
    const resolved = resolve('app', {
      config: [...BASE, 'aws_security_token = legacy-token', 'aws_session_token = base-session-token', ...APP],
    });
    expect(resolved.chain.source).toMatchObject({ credentials: { sessionToken: 'legacy-token' } });
  });

  test('keys come from one file: a config-file key id is used with the config-file secret', () => {
    const resolved = resolve('app', { config: [...BASE, ...APP], credentials: ['[base]', 'aws_secret_access_key = other'] });
    expect(resolved.chain.source).toMatchObject({ credentials: { accessKeyId: 'AKIABASE', secretAccessKey: 'basesecret' } });
  });

  test('a selected profile with only keys has no hops', () => {
    const resolved = resolve('base', { config: BASE });
    expect(resolved.chain).toEqual({
      source: {
        kind: 'static',
        credentials: { accessKeyId: 'AKIABASE', secretAccessKey: 'basesecret' },
        origin: { where: CONFIG, line: 2, profile: 'base' },
      },
      hops: [],
    });
  });

  test('role_session_name = (empty) means the default name; a non-integer duration is not sent', () => {
    const resolved = resolve('app', { config: [...BASE, ...APP, 'role_session_name =', 'duration_seconds = 1h'] });
    expect(resolved.chain.hops[0]?.roleSessionName).toBe('gha-run-42');
    expect(resolved.chain.hops[0]).not.toHaveProperty('durationSeconds');
  });

  test('duration_seconds follows Python int(): spaces, sign, underscores', () => {
    const durationOf = (value: string) => resolve('app', { config: [...BASE, ...APP, `duration_seconds = ${value}`] }).chain.hops[0]?.durationSeconds;
    expect(durationOf('  3600  ')).toBe(3600);
    expect(durationOf('+0900')).toBe(900);
    expect(durationOf('1_800')).toBe(1800);
    expect(durationOf('900.0')).toBeUndefined();
    expect(durationOf('0x400')).toBeUndefined();
  });

  test('inline ";" text and quotes are part of the session name (which STS then refuses)', () => {
    const quoted = failure('app', { config: [...BASE, ...APP, 'role_session_name = "quoted-name"'] });
    expect(quoted).toBeInstanceOf(PreflightError);
    expect(quoted.detail).toContain(`Value '"quoted-name"' at 'roleSessionName'`);
    const comment = failure('app', { config: [...BASE, ...APP, 'role_session_name = my-session ; not a comment'] });
    expect(comment.detail).toContain(`Value 'my-session ; not a comment' at 'roleSessionName'`);
  });

  test('[DEFAULT] leaks source_profile and region into every profile', () => {
    const resolved = resolve('app', {
      config: ['[DEFAULT]', 'region = sa-east-1', 'source_profile = base', ...BASE, '[profile app]', 'role_arn = arn:aws:iam::111111111111:role/app'],
    });
    expect(resolved.chain.source).toMatchObject({ credentials: { accessKeyId: 'AKIABASE' } });
    expect(resolved.region).toBe('sa-east-1');
  });

  test('everything may live in the credentials file; credentials-file values win per key', () => {
    const resolved = resolve('app', {
      config: [...APP, 'role_session_name = config-session', '[profile base]', 'aws_access_key_id = AKIACONFIG', 'aws_secret_access_key = c'],
      credentials: [
        '[app]',
        'role_arn = arn:aws:iam::111111111111:role/from-credentials',
        'region = eu-west-3',
        '[base]',
        'aws_access_key_id = AKIACREDS',
        'aws_secret_access_key = s',
      ],
    });
    expect(resolved.chain.source).toMatchObject({ credentials: { accessKeyId: 'AKIACREDS' } });
    expect(resolved.chain.hops[0]).toMatchObject({
      roleArn: 'arn:aws:iam::111111111111:role/from-credentials',
      roleSessionName: 'config-session',
      origin: { where: CREDS, line: 2, profile: 'app' },
    });
    expect(resolved.region).toBe('eu-west-3');
    expect(resolved.regionOrigin).toEqual({ where: CREDS, line: 3, profile: 'app' });
  });
});

describe('web identity', () => {
  const OIDC = [
    '[profile oidc]',
    'role_arn = arn:aws:iam::111111111111:role/oidc-role',
    `web_identity_token_file = ${TOKEN}`,
    'role_session_name = gha-session',
    'duration_seconds = 7200',
    'external_id = ignored-ext',
    'mfa_serial = arn:aws:iam::000000000000:mfa/ignored',
    'region = us-west-2',
  ];
  const TARGET = ['[profile target]', 'role_arn = arn:aws:iam::222222222222:role/target', 'source_profile = oidc', 'region = eu-west-1'];

  test('selected directly: one AssumeRoleWithWebIdentity hop using only role_arn and role_session_name', () => {
    const resolved = resolve('oidc', { config: OIDC });
    expect(resolved.chain).toEqual({
      source: { kind: 'web-identity', token: { kind: 'file', path: TOKEN } },
      hops: [
        hop({
          action: 'AssumeRoleWithWebIdentity',
          roleArn: 'arn:aws:iam::111111111111:role/oidc-role',
          roleSessionName: 'gha-session',
          origin: { where: CONFIG, line: 2, profile: 'oidc' },
        }),
      ],
    });
    expect(resolved.region).toBe('us-west-2');
  });

  test('as the start of a chain', () => {
    const resolved = resolve('target', { config: [...OIDC, ...TARGET] });
    expect(resolved.chain.hops.map((h) => [h.action, h.roleArn, h.roleSessionName])).toEqual([
      ['AssumeRoleWithWebIdentity', 'arn:aws:iam::111111111111:role/oidc-role', 'gha-session'],
      ['AssumeRole', 'arn:aws:iam::222222222222:role/target', 'gha-run-42'],
    ]);
    expect(resolved.region).toBe('eu-west-1');
  });

  test('a web-identity profile is never an AssumeRole profile, even with source_profile', () => {
    const resolved = resolve('w', {
      config: [...BASE, '[profile w]', `web_identity_token_file = ${TOKEN}`, 'role_arn = arn:aws:iam::111111111111:role/w', 'source_profile = base'],
    });
    expect(resolved.chain.hops.map((h) => h.action)).toEqual(['AssumeRoleWithWebIdentity']);
  });

  test('a source profile with web identity and static keys uses web identity', () => {
    const resolved = resolve('app', {
      config: [
        '[profile base]',
        'aws_access_key_id = AKIASRC',
        'aws_secret_access_key = s',
        'role_arn = arn:aws:iam::111111111111:role/src',
        `web_identity_token_file = ${TOKEN}`,
        ...APP,
      ],
    });
    expect(resolved.chain.source.kind).toBe('web-identity');
    expect(resolved.chain.hops).toHaveLength(2);
  });

  test('missing token file in a job that can mint a GitHub OIDC token: fall back to it', () => {
    const config = ['[profile oidc]', 'role_arn = arn:aws:iam::111111111111:role/oidc-role', 'web_identity_token_file = /missing/token'];
    const resolved = resolve('oidc', { config }, { githubOidc: { audience: 'sts.amazonaws.com' } });
    expect(resolved.chain.source).toEqual({
      kind: 'web-identity',
      token: { kind: 'file', path: '/missing/token', githubFallbackAudience: 'sts.amazonaws.com' },
    });
  });

  test('an existing token file is used even when GitHub OIDC is available', () => {
    const resolved = resolve('oidc', { config: OIDC }, { githubOidc: { audience: 'sts.amazonaws.com' } });
    expect(resolved.chain.source).toEqual({ kind: 'web-identity', token: { kind: 'file', path: TOKEN } });
  });

  test('use-github-oidc: true replaces the token file even when it exists', () => {
    const resolved = resolve('oidc', { config: OIDC }, { githubOidc: { audience: 'sts.amazonaws.com', always: true } });
    expect(resolved.chain.source).toEqual({ kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } });
  });

  test("missing token file outside CI: botocore's FileNotFoundError, naming the file and the line", () => {
    const config = ['[profile oidc]', 'role_arn = arn:aws:iam::111111111111:role/oidc-role', "web_identity_token_file = /missing/it's"];
    const error = failure('oidc', { config });
    expect(error.kind).toBe('FileNotFoundError');
    expect(error.detail).toMatch(/^\[Errno 2\] No such file or directory: "\/missing\/it's" \(/);
    expect(error.origin).toEqual({ where: CONFIG, line: 3, profile: 'oidc' });
  });

  test('web_identity_token_file = (empty) is no web identity at all', () => {
    const resolved = resolve('w', {
      config: [
        ...BASE,
        '[profile w]',
        'web_identity_token_file =',
        'role_arn = arn:aws:iam::111111111111:role/w',
        'source_profile = base',
        'aws_access_key_id = AKIAW',
        'aws_secret_access_key = s',
      ],
    });
    // not an AssumeRole profile (the key is present), not web identity (empty): its own keys
    expect(resolved.chain).toMatchObject({ source: { credentials: { accessKeyId: 'AKIAW' } }, hops: [] });
  });
});

describe('MFA', () => {
  const MID = ['[profile mid]', 'role_arn = arn:aws:iam::111111111111:role/mid', 'source_profile = base', 'mfa_serial = arn:aws:iam::000000000000:mfa/alice'];
  const TOP = ['[profile top]', 'role_arn = arn:aws:iam::222222222222:role/top', 'source_profile = mid', 'region = us-east-1'];

  test('mfa_serial on a middle hop: only that hop carries the MFA', () => {
    const code = { kind: 'code', code: '123456' } as const;
    const resolved = resolve('top', { config: [...BASE, ...MID, ...TOP] }, { mfaCode: code });
    expect(resolved.chain.hops.map((h) => h.mfa)).toEqual([{ serialNumber: 'arn:aws:iam::000000000000:mfa/alice', code }, undefined]);
  });

  test('a TOTP secret works too', () => {
    const totp = { kind: 'totp', secret: 'JBSWY3DPEHPK3PXP' } as const;
    const resolved = resolve('top', { config: [...BASE, ...MID, ...TOP] }, { mfaCode: totp });
    expect(resolved.chain.hops[0]?.mfa).toEqual({ serialNumber: 'arn:aws:iam::000000000000:mfa/alice', code: totp });
  });

  test('without a code: a clear error at the mfa_serial line of the last hop that needs one', () => {
    const config = [...BASE, ...MID, ...TOP, 'mfa_serial = arn:aws:iam::000000000000:mfa/bob'];
    const error = failure('top', { config });
    expect(error.kind).toBe('MissingMfaCode');
    expect(error.detail).toContain("'mfa-token-code' or 'mfa-totp-secret'");
    expect(error.detail).toContain('arn:aws:iam::000000000000:mfa/bob');
    expect(error.origin).toEqual({ where: CONFIG, line: 12, profile: 'top' });
  });

  test('a token code shorter than 6 characters fails like botocore', () => {
    const error = failure('top', { config: [...BASE, ...MID, ...TOP] }, { mfaCode: { kind: 'code', code: '123' } });
    expect(error.detail).toBe('Parameter validation failed:\nInvalid length for parameter TokenCode, value: 3, valid min length: 6');
  });
});

describe('region and STS endpoint come from the selected profile only', () => {
  test('no region on the selected profile: undefined, even if the source or [default] has one', () => {
    const resolved = resolve('app', {
      config: [
        '[default]',
        'region = eu-west-1',
        ...BASE,
        'region = eu-west-2',
        '[profile app]',
        'role_arn = arn:aws:iam::111111111111:role/app',
        'source_profile = base',
      ],
    });
    expect(resolved.region).toBeUndefined();
    expect(resolved).not.toHaveProperty('regionOrigin');
  });

  test('region = (empty) counts as no region', () => {
    expect(resolve('app', { config: [...BASE, ...APP.slice(0, 3), 'region ='] }).region).toBeUndefined();
  });

  test('endpoint_url on the selected profile', () => {
    const resolved = resolve('app', { config: [...BASE, ...APP, 'endpoint_url = http://127.0.0.1:4566'] });
    expect(resolved.endpointUrl).toBe('http://127.0.0.1:4566');
    expect(resolved.endpointOrigin).toEqual({ where: CONFIG, line: 8, profile: 'app' });
  });

  test('services = NAME → [services NAME] sts endpoint_url, which beats endpoint_url', () => {
    const resolved = resolve('app', {
      config: [
        '[services local]',
        'sts =',
        '  endpoint_url = http://sts.local',
        's3 =',
        '  endpoint_url = http://s3.local',
        ...BASE,
        ...APP,
        'services = local',
        'endpoint_url = http://global.local',
      ],
    });
    expect(resolved.endpointUrl).toBe('http://sts.local');
    expect(resolved.endpointOrigin).toEqual({ where: CONFIG, line: 2 });
  });

  test('a services section without sts falls back to endpoint_url', () => {
    const resolved = resolve('app', {
      config: ['[services local]', 's3 =', '  endpoint_url = http://s3.local', ...BASE, ...APP, 'services = local', 'endpoint_url = http://global.local'],
    });
    expect(resolved.endpointUrl).toBe('http://global.local');
  });

  test('ignore_configured_endpoint_urls = true turns them off', () => {
    const resolved = resolve('app', { config: [...BASE, ...APP, 'endpoint_url = http://127.0.0.1:4566', 'ignore_configured_endpoint_urls = True'] });
    expect(resolved.endpointUrl).toBeUndefined();
  });

  test('endpoint_url on a source profile is ignored', () => {
    const resolved = resolve('app', { config: [...BASE, 'endpoint_url = http://127.0.0.1:4566', ...APP] });
    expect(resolved.endpointUrl).toBeUndefined();
  });
});

/** Every error: kind, exact text, file and line. */
interface ErrorCase {
  readonly name: string;
  readonly profile: string;
  readonly files: Files;
  readonly ctx?: Partial<ResolveContext>;
  readonly kind: string;
  readonly detail: string;
  readonly origin: { where: string; line?: number; profile?: string };
}

const catalogue: ErrorCase[] = [
  {
    name: 'source_profile and credential_source',
    profile: 'a',
    files: { config: [...BASE, '[profile a]', 'role_arn = arn:aws:iam::111111111111:role/a', 'source_profile = base', 'credential_source = Environment'] },
    kind: 'InvalidConfigError',
    detail: 'The profile "a" contains both source_profile and credential_source.',
    origin: { where: CONFIG, line: 7, profile: 'a' },
  },
  {
    name: 'role_arn without a source',
    profile: 'a',
    files: { config: ['[profile a]', 'region = us-east-1', 'role_arn = arn:aws:iam::111111111111:role/a'] },
    kind: 'PartialCredentialsError',
    detail: 'Partial credentials found in assume-role, missing: source_profile or credential_source',
    origin: { where: CONFIG, line: 3, profile: 'a' },
  },
  {
    name: 'role_arn without a source, even with static keys',
    profile: 'a',
    files: { config: ['[profile a]', 'role_arn = arn:aws:iam::111111111111:role/a', 'aws_access_key_id = AKIAA', 'aws_secret_access_key = s'] },
    kind: 'PartialCredentialsError',
    detail: 'Partial credentials found in assume-role, missing: source_profile or credential_source',
    origin: { where: CONFIG, line: 2, profile: 'a' },
  },
  {
    name: 'an indented source_profile line is part of role_arn',
    profile: 'app',
    files: { config: [...BASE, '[profile app]', 'role_arn = arn:aws:iam::111111111111:role/app', '  source_profile = base'] },
    kind: 'PartialCredentialsError',
    detail: 'Partial credentials found in assume-role, missing: source_profile or credential_source',
    origin: { where: CONFIG, line: 5, profile: 'app' },
  },
  {
    name: 'credential_source is case-sensitive',
    profile: 'a',
    files: { config: ['[profile a]', 'role_arn = arn:aws:iam::111111111111:role/a', 'credential_source = environment'] },
    kind: 'InvalidConfigError',
    detail: 'The credential source "environment" referenced in profile "a" is not valid.',
    origin: { where: CONFIG, line: 3, profile: 'a' },
  },
  {
    name: 'source_profile that does not exist',
    profile: 'app',
    files: { config: APP },
    kind: 'InvalidConfigError',
    detail: 'The source_profile "base" referenced in the profile "app" does not exist.',
    origin: { where: CONFIG, line: 3, profile: 'app' },
  },
  {
    name: 'source_profile = (empty)',
    profile: 'app',
    files: { config: [...BASE, '[profile app]', 'role_arn = arn:aws:iam::111111111111:role/app', 'source_profile ='] },
    kind: 'InvalidConfigError',
    detail: 'The source_profile "" referenced in the profile "app" does not exist.',
    origin: { where: CONFIG, line: 6, profile: 'app' },
  },
  {
    name: '[profile base] in the credentials file is not "base"',
    profile: 'app',
    files: { config: APP, credentials: ['[profile base]', 'aws_access_key_id = A', 'aws_secret_access_key = s'] },
    kind: 'InvalidConfigError',
    detail: 'The source_profile "base" referenced in the profile "app" does not exist.',
    origin: { where: CONFIG, line: 3, profile: 'app' },
  },
  {
    name: 'self-reference without static keys',
    profile: 'self',
    files: { config: ['[profile self]', 'role_arn = arn:aws:iam::111111111111:role/self-role', 'source_profile = self'] },
    kind: 'InfiniteLoopConfigError',
    detail:
      "Infinite loop in credential configuration detected. Attempting to load from profile self which has already been visited. Visited profiles: ['self']",
    origin: { where: CONFIG, line: 3, profile: 'self' },
  },
  {
    name: 'cycle a → b → c → a',
    profile: 'a',
    files: {
      config: [
        '[profile a]',
        'role_arn = arn:aws:iam::111111111111:role/a',
        'source_profile = b',
        '[profile b]',
        'role_arn = arn:aws:iam::111111111111:role/b',
        'source_profile = c',
        '[profile c]',
        'role_arn = arn:aws:iam::111111111111:role/c',
        'source_profile = a',
      ],
    },
    kind: 'InfiniteLoopConfigError',
    detail:
      "Infinite loop in credential configuration detected. Attempting to load from profile a which has already been visited. Visited profiles: ['a', 'b', 'c']",
    origin: { where: CONFIG, line: 9, profile: 'c' },
  },
  {
    name: 'a later profile naming itself without keys (Python repr of odd names)',
    profile: "it's",
    files: {
      config: [
        '[profile "it\'s"]',
        'role_arn = arn:aws:iam::111111111111:role/a',
        'source_profile = b',
        '[profile b]',
        'role_arn = arn:aws:iam::111111111111:role/b',
        'source_profile = b',
      ],
    },
    kind: 'InfiniteLoopConfigError',
    detail:
      "Infinite loop in credential configuration detected. Attempting to load from profile b which has already been visited. Visited profiles: [\"it's\", 'b']",
    origin: { where: CONFIG, line: 6, profile: 'b' },
  },
  {
    name: 'source profile without credentials',
    profile: 'app',
    files: { config: ['[profile base]', 'region = us-east-1', ...APP] },
    kind: 'InvalidConfigError',
    detail: 'The source profile "base" must have credentials.',
    origin: { where: CONFIG, line: 1, profile: 'base' },
  },
  {
    name: 'source profile with only credential_source',
    profile: 'app',
    files: { config: ['[profile base]', 'credential_source = Environment', ...APP] },
    kind: 'InvalidConfigError',
    detail: 'The source profile "base" must have credentials.',
    origin: { where: CONFIG, line: 1, profile: 'base' },
  },
  {
    name: 'source profile with only a secret',
    profile: 'app',
    files: { config: ['[profile base]', 'aws_secret_access_key = s', ...APP] },
    kind: 'InvalidConfigError',
    detail: 'The source profile "base" must have credentials.',
    origin: { where: CONFIG, line: 1, profile: 'base' },
  },
  {
    name: 'key id without secret in the config file',
    profile: 'app',
    files: { config: ['[profile base]', 'aws_access_key_id = AKIABASE', ...APP] },
    kind: 'PartialCredentialsError',
    detail: 'Partial credentials found in config-file, missing: aws_secret_access_key',
    origin: { where: CONFIG, line: 2, profile: 'base' },
  },
  {
    name: "key id without secret in the credentials file (the config file's secret does not help)",
    profile: 'app',
    files: { config: ['[profile base]', 'aws_secret_access_key = s', ...APP], credentials: ['[base]', 'aws_access_key_id = AKIACRED'] },
    kind: 'PartialCredentialsError',
    detail: 'Partial credentials found in shared-credentials-file, missing: aws_secret_access_key',
    origin: { where: CREDS, line: 2, profile: 'base' },
  },
  {
    name: 'web identity without role_arn',
    profile: 'w',
    files: { config: ['[profile w]', `web_identity_token_file = ${TOKEN}`, 'role_arn ='] },
    kind: 'InvalidConfigError',
    detail:
      'The provided profile or the current environment is configured to assume role with web identity but has no role ARN configured. Ensure that the profile has the role_arnconfiguration set or the AWS_ROLE_ARN env var is set.',
    origin: { where: CONFIG, line: 2, profile: 'w' },
  },
  {
    name: 'profile that does not exist',
    profile: 'nope',
    files: { config: BASE },
    kind: 'ProfileNotFound',
    // The AWS CLI's words, then what exists (issue 15: the closest names, or all of few).
    detail: 'The config profile (nope) could not be found (the profiles are: base)',
    origin: { where: CONFIG, profile: 'nope' },
  },
  {
    name: '[profile two words] is not a profile',
    profile: 'two words',
    files: { config: ['[profile two words]', 'aws_access_key_id = A', 'aws_secret_access_key = s'] },
    kind: 'ProfileNotFound',
    detail: 'The config profile (two words) could not be found (the files define no profile)',
    origin: { where: CONFIG, profile: 'two words' },
  },
  {
    name: 'no credentials at all in the selected profile',
    profile: 'empty',
    files: { config: ['# x', '[profile empty]', 'region = us-east-1'] },
    kind: 'NoCredentialsError',
    detail: 'Unable to locate credentials',
    origin: { where: CONFIG, line: 2, profile: 'empty' },
  },
  {
    name: 'invalid region (inline comment)',
    profile: 'app',
    files: { config: [...BASE, ...APP.slice(0, 3), 'region = us-east-1 ; primary'] },
    kind: 'InvalidRegionError',
    detail: "Provided region_name 'us-east-1 ; primary' doesn't match a supported format.",
    origin: { where: CONFIG, line: 7, profile: 'app' },
  },
  {
    name: 'services section that does not exist',
    profile: 'app',
    files: { config: [...BASE, ...APP, 'services = nope'] },
    kind: 'InvalidConfigError',
    detail: 'The profile is configured to use the services section but the "nope" services configuration does not exist.',
    origin: { where: CONFIG, line: 8, profile: 'app' },
  },
  {
    name: 'SSO profile missing settings',
    profile: 'app',
    files: { config: ['[profile sso]', 'sso_account_id = 111111111111', 'sso_role_name = Admin', ...APP.map((l) => l.replace('= base', '= sso'))] },
    kind: 'InvalidConfigError',
    detail: 'The profile "sso" is configured to use SSO but is missing required configuration: sso_start_url, sso_region',
    origin: { where: CONFIG, line: 1, profile: 'sso' },
  },
  {
    name: 'sso-session that does not exist',
    profile: 's',
    files: { config: ['[profile s]', 'sso_account_id = 1', 'sso_session = nope'] },
    kind: 'InvalidConfigError',
    detail: 'The specified sso-session does not exist: "nope"',
    origin: { where: CONFIG, line: 3, profile: 's' },
  },
  {
    name: 'sso-session disagreeing with the profile',
    profile: 's',
    files: {
      config: ['[sso-session corp]', 'sso_region = us-east-1', '[profile s]', 'sso_account_id = 1', 'sso_region = eu-west-1', 'sso_session = corp'],
    },
    kind: 'InvalidConfigError',
    detail: 'The value for sso_region is inconsistent between profile (eu-west-1) and sso-session (us-east-1).',
    origin: { where: CONFIG, line: 5, profile: 's' },
  },
  {
    name: 'complete SSO profile: not supported in CI',
    profile: 's',
    files: {
      config: [
        '[sso-session corp]',
        'sso_region = us-east-1',
        'sso_start_url = https://corp.awsapps.com/start',
        '[profile s]',
        'sso_account_id = 1',
        'sso_role_name = r',
        'sso_session = corp',
      ],
    },
    kind: 'UnsupportedConfigError',
    detail:
      'The profile "s" uses IAM Identity Center (SSO), which needs an interactive "aws sso login"; it is not supported in CI. Use web_identity_token_file (GitHub OIDC) or credential_source instead.',
    origin: { where: CONFIG, line: 4, profile: 's' },
  },
  {
    name: 'login_session: not supported in CI',
    profile: 'l',
    files: { config: ['[profile l]', 'login_session = arn:aws:iam::1:user/x'] },
    kind: 'UnsupportedConfigError',
    detail: 'The profile "l" uses login_session (aws login), which needs an interactive sign-in; it is not supported in CI.',
    origin: { where: CONFIG, line: 2, profile: 'l' },
  },
  {
    name: 'a nested block where a value is expected',
    profile: 'app',
    files: { config: [...BASE, '[profile app]', 'source_profile = base', 'role_arn =', '  x = y'] },
    kind: 'InvalidConfigError',
    detail: 'The setting "role_arn" of profile "app" is a nested block ("role_arn =" followed by indented lines), not a value.',
    origin: { where: CONFIG, line: 6, profile: 'app' },
  },
  // ParamValidationError: the only client-side checks botocore makes (model minimums).
  {
    name: 'duration_seconds below 900',
    profile: 'app',
    files: { config: [...BASE, ...APP, 'duration_seconds = 600'] },
    kind: 'ParamValidationError',
    detail: 'Parameter validation failed:\nInvalid value for parameter DurationSeconds, value: 600, valid min value: 900',
    origin: { where: CONFIG, line: 8, profile: 'app' },
  },
  {
    name: 'external_id = (empty)',
    profile: 'app',
    files: { config: [...BASE, ...APP, 'external_id ='] },
    kind: 'ParamValidationError',
    detail: 'Parameter validation failed:\nInvalid length for parameter ExternalId, value: 0, valid min length: 2',
    origin: { where: CONFIG, line: 8, profile: 'app' },
  },
  {
    name: 'role_session_name of one character',
    profile: 'app',
    files: { config: [...BASE, ...APP, 'role_session_name = x'] },
    kind: 'ParamValidationError',
    detail: 'Parameter validation failed:\nInvalid length for parameter RoleSessionName, value: 1, valid min length: 2',
    origin: { where: CONFIG, line: 8, profile: 'app' },
  },
  {
    name: 'mfa_serial = (empty)',
    profile: 'app',
    files: { config: [...BASE, ...APP, 'mfa_serial ='] },
    ctx: { mfaCode: { kind: 'code', code: '123456' } },
    kind: 'ParamValidationError',
    detail: 'Parameter validation failed:\nInvalid length for parameter SerialNumber, value: 0, valid min length: 9',
    origin: { where: CONFIG, line: 8, profile: 'app' },
  },
  {
    name: 'role_arn = (empty)',
    profile: 'app',
    files: { config: [...BASE, '[profile app]', 'role_arn =', 'source_profile = base'] },
    kind: 'ParamValidationError',
    detail: 'Parameter validation failed:\nInvalid length for parameter RoleArn, value: 0, valid min length: 20',
    origin: { where: CONFIG, line: 5, profile: 'app' },
  },
  {
    name: "several parameters at once, in botocore's order",
    profile: 'app',
    files: { config: [...BASE, ...APP, 'duration_seconds = -5', 'external_id =', 'role_session_name = x'] },
    kind: 'ParamValidationError',
    detail: [
      'Parameter validation failed:',
      'Invalid length for parameter RoleSessionName, value: 1, valid min length: 2',
      'Invalid length for parameter ExternalId, value: 0, valid min length: 2',
      'Invalid value for parameter DurationSeconds, value: -5, valid min value: 900',
    ].join('\n'),
    origin: { where: CONFIG, line: 10, profile: 'app' },
  },
  {
    name: 'web identity: short role ARN and session name (default name comes after RoleArn)',
    profile: 'w',
    files: { config: ['[profile w]', `web_identity_token_file = ${TOKEN}`, 'role_arn = arn:aws:iam::1', 'role_session_name = x'] },
    kind: 'ParamValidationError',
    detail: [
      'Parameter validation failed:',
      'Invalid length for parameter RoleSessionName, value: 1, valid min length: 2',
      'Invalid length for parameter RoleArn, value: 14, valid min length: 20',
    ].join('\n'),
    origin: { where: CONFIG, line: 4, profile: 'w' },
  },
];

describe('error catalogue (§1.12): exact text, file and line', () => {
  test.each(catalogue)('$name', ({ profile, files, ctx, kind, detail, origin }) => {
    const error = failure(profile, files, ctx);
    expect(error).not.toBeInstanceOf(PreflightError);
    expect({ kind: error.kind, detail: error.detail, origin: error.origin }).toEqual({ kind, detail, origin });
    expect(error.message).toBe(ConfigError.format(kind, detail, origin));
  });

  test("a parse error keeps botocore's words first", () => {
    expect(() => mapOf({ config: ['[profile a]', 'x = 1', '[profile a]'] })).toThrow(
      `ConfigParseError: Unable to parse config file: ${CONFIG} (duplicate section [profile a]) [${CONFIG}:3]`,
    );
  });

  test('credential_source = Environment is planned, not read: the executor reports missing env keys', () => {
    const resolved = resolve('a', { config: ['[profile a]', 'role_arn = arn:aws:iam::111111111111:role/a', 'credential_source = Environment'] });
    expect(resolved.chain.source.kind).toBe('environment');
  });
});

describe('preflight checks (STS limits botocore does not check), labelled as such', () => {
  function preflight(profile: string, files: Files): PreflightError {
    const error = failure(profile, files);
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.detail).toMatch(/ \(checked before calling STS\)$/);
    return error as PreflightError;
  }
  const CHAIN = (duration: string) => [
    ...BASE,
    '[profile first]',
    'role_arn = arn:aws:iam::111111111111:role/first',
    'source_profile = base',
    'duration_seconds = 7200',
    '[profile second]',
    'role_arn = arn:aws:iam::222222222222:role/second',
    'source_profile = first',
    `duration_seconds = ${duration}`,
  ];

  test('a chained hop asking for more than an hour', () => {
    const error = preflight('second', { config: CHAIN('3601') });
    expect(error.kind).toBe('ValidationError');
    expect(error.detail).toBe(`${CHAINED_DURATION_MESSAGE} (checked before calling STS)`);
    expect(error.origin).toEqual({ where: CONFIG, line: 11, profile: 'second' });
  });

  test('the first hop may ask for more than an hour; a chained hop for exactly one', () => {
    expect(resolve('second', { config: CHAIN('3600') }).chain.hops.map((h) => h.durationSeconds)).toEqual([7200, 3600]);
  });

  test('a hop after a web-identity hop is chained', () => {
    const config = [
      '[profile oidc]',
      'role_arn = arn:aws:iam::111111111111:role/oidc',
      `web_identity_token_file = ${TOKEN}`,
      '[profile app]',
      'role_arn = arn:aws:iam::111111111111:role/app',
      'source_profile = oidc',
      'duration_seconds = 7200',
    ];
    expect(preflight('app', { config }).detail).toContain(CHAINED_DURATION_MESSAGE);
  });

  test('duration_seconds above 43200', () => {
    const error = preflight('app', { config: [...BASE, ...APP, 'duration_seconds = 50000'] });
    expect(error.detail).toBe(
      "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200 (checked before calling STS)",
    );
  });

  test('session name with characters STS refuses, and too long', () => {
    const error = preflight('app', { config: [...BASE, ...APP, `role_session_name = my session!${'x'.repeat(60)}`] });
    expect(error.detail).toBe(
      `2 validation errors detected: Value 'my session!${'x'.repeat(60)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64; ` +
        `Value 'my session!${'x'.repeat(60)}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* (checked before calling STS)`,
    );
    expect(error.origin).toEqual({ where: CONFIG, line: 8, profile: 'app' });
  });

  test('the default session name is checked too (an inline comment is not one)', () => {
    expect(failure('app', { config: [...BASE, ...APP, 'role_session_name = my-session ; comment'] })).toBeInstanceOf(PreflightError);
    expect(failure('app', { config: [...BASE, ...APP] }, { defaultSessionName: 'bad name' })).toBeInstanceOf(PreflightError);
  });

  test('external id and serial number patterns', () => {
    expect(preflight('app', { config: [...BASE, ...APP, 'external_id = abc#def'] }).detail).toContain("at 'externalId'");
    const serial = failure('app', { config: [...BASE, ...APP, 'mfa_serial = arn:aws:iam::1:mfa/a b'] }, { mfaCode: { kind: 'code', code: '123456' } });
    expect(serial).toBeInstanceOf(PreflightError);
    expect(serial.detail).toContain("at 'serialNumber'");
  });

  test.each([
    'arn:aws:iam::111111111111:user/someone',
    'arn:aws:iam::11111111111:role/short-account',
    'arn:aws:s3:::bucket/role/x-and-more',
    'role/app-name-without-arn-prefix',
  ])('role ARN shape: %s', (arn) => {
    const error = preflight('app', { config: [...BASE, '[profile app]', `role_arn = ${arn}`, 'source_profile = base'] });
    expect(error.detail).toContain(`Role ARN "${arn}"`);
    expect(error.origin).toEqual({ where: CONFIG, line: 5, profile: 'app' });
  });

  test.each([
    'arn:aws:iam::111111111111:role/app',
    'arn:aws-cn:iam::111111111111:role/path/to/app',
    'arn:aws-us-gov:iam::111111111111:role/service-role/a+b=c,d.e@f_g-h',
  ])('valid role ARN: %s', (arn) => {
    expect(resolve('app', { config: [...BASE, '[profile app]', `role_arn = ${arn}`, 'source_profile = base'] }).chain.hops[0]?.roleArn).toBe(arn);
  });
});

describe('order of errors (as botocore meets them)', () => {
  test('config errors anywhere in the chain come before any call-time error', () => {
    const config = [
      ...BASE,
      '[profile mid]',
      'role_arn = arn:aws:iam::1:role/m',
      'source_profile = nope',
      '[profile top]',
      'role_arn = x',
      'source_profile = mid',
    ];
    expect(failure('top', { config }).kind).toBe('InvalidConfigError');
  });

  test('config errors are found from the selected profile down', () => {
    const config = [
      '[profile mid]',
      'role_arn = arn:aws:iam::1:role/m',
      '[profile top]',
      'role_arn = arn:aws:iam::1:role/t',
      'source_profile = mid',
      'credential_source = Environment',
    ];
    expect(failure('top', { config }).detail).toBe('The profile "top" contains both source_profile and credential_source.');
  });

  test('a missing MFA code comes before parameter errors', () => {
    const config = [...BASE, ...APP, 'mfa_serial =', 'role_session_name = x'];
    expect(failure('app', { config }).kind).toBe('MissingMfaCode');
  });

  test("call-time errors come source first: the first hop's problem is reported", () => {
    const config = [
      ...BASE,
      '[profile first]',
      'role_arn = arn:aws:iam::111111111111:role/first',
      'source_profile = base',
      'role_session_name = my session',
      '[profile second]',
      'role_arn = arn:aws:iam::111111111111:role/second',
      'source_profile = first',
      'role_session_name = x',
    ];
    const error = failure('second', { config });
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.origin?.profile).toBe('first');
  });

  test('a missing token file comes before the region check', () => {
    const config = ['[profile w]', 'role_arn = arn:aws:iam::111111111111:role/w', 'web_identity_token_file = /missing', 'region = bad region'];
    expect(failure('w', { config }).kind).toBe('FileNotFoundError');
  });
});

describe('Python helpers', () => {
  test.each([
    ['3600', 3600n],
    [' 42 ', 42n],
    ['-5', -5n],
    ['+0900', 900n],
    ['1_000', 1000n],
    ['99999999999999999999', 99999999999999999999n],
    ['1__0', undefined],
    ['_1', undefined],
    ['1h', undefined],
    ['', undefined],
    ['1.0', undefined],
  ])('pyInt(%j)', (text, value) => {
    expect(pyInt(text)).toBe(value);
  });

  test.each([
    ['self', "'self'"],
    ["it's", `"it's"`],
    [`a'b"c`, `'a\\'b"c'`],
    ['back\\slash', "'back\\\\slash'"],
    ['tab\there', "'tab\\there'"],
    ['zero\u200bwidth', "'zero\\u200bwidth'"],
    ['é', "'é'"],
  ])('pyRepr(%j)', (text, repr) => {
    expect(pyRepr(text)).toBe(repr);
  });

  test('pyListRepr', () => {
    expect(pyListRepr(['a', 'b', 'c'])).toBe("['a', 'b', 'c']");
    expect(pyListRepr([])).toBe('[]');
  });
});
