/** Config-profile mode end to end: a checked-in AWS config resolved as the AWS CLI does, then its chain. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario, HUB, DEPLOY, TARGET, USER, memberRole } from './support/scenario.js';
import type { StepResult } from './support/harness.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start({ members: 3 });
});
afterEach(async () => {
  await s.stop();
});

const CONFIG = `# checked in at .github/aws/config
[profile ci]
web_identity_token_file = /var/run/not-in-ci/token
role_arn = ${HUB}
role_session_name = ci-root

[profile deploy]
role_arn = ${DEPLOY}
source_profile = ci
external_id = deploy-ext-42
duration_seconds = 900
role_session_name = deploy-session

[profile target]
role_arn = ${TARGET}
source_profile = deploy
region = ap-southeast-2
role_session_name = target-session

${[1, 2, 3].map((i) => `[profile audit-${i}]\nrole_arn = ${memberRole(i)}\nsource_profile = ci\nregion = eu-west-1\n`).join('\n')}
[profile broken-cycle]
role_arn = ${DEPLOY}
source_profile = broken-cycle2

[profile broken-cycle2]
role_arn = ${HUB}
source_profile = broken-cycle

[profile both]
role_arn = ${DEPLOY}
source_profile = ci
credential_source = Environment

[profile nosource]
role_arn = ${DEPLOY}

[profile badsource]
role_arn = ${DEPLOY}
credential_source = environment

[profile partial]
aws_access_key_id = AKIAPARTIAL

[profile uses-partial]
role_arn = ${DEPLOY}
source_profile = partial

[profile keys]
aws_access_key_id = ${USER.accessKeyId}
aws_secret_access_key = ${USER.secretAccessKey}

[profile from-keys]
role_arn = ${DEPLOY}
source_profile = keys
external_id = deploy-ext-42
region = us-east-1

[profile from-env]
role_arn = ${DEPLOY}
credential_source = Environment
external_id = deploy-ext-42
region = us-east-1
`;

/** The checked-in file holds a static key pair on purpose (profile "keys"). */
const configOnDisk = () => join(s.job.workspace, '.github', 'aws', 'config');
const noLeaks = (r: StepResult, more: string[] = []) => s.noLeaks(r, [configOnDisk(), ...more]);

function writeConfig(text = CONFIG): string {
  mkdirSync(join(s.job.workspace, '.github', 'aws'), { recursive: true });
  writeFileSync(join(s.job.workspace, '.github', 'aws', 'config'), text);
  return '.github/aws/config';
}

function configError(r: StepResult, message: string, line: number | undefined): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toContain(message);
  expect(s.calls()).toHaveLength(0);
  expect(r.exportedEnv).toEqual({});
  if (line !== undefined) {
    expect(r.annotations).toEqual([expect.objectContaining({ level: 'error', file: '.github/aws/config', line })]);
  }
  noLeaks(r);
}

test('CI root is a web-identity profile; the GitHub OIDC token stands in for its missing file; two hops further', async () => {
  const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'target' }, env: s.oidcEnv });
  expect(r.errors).toEqual([]);
  const calls = s.calls();
  expect(calls.map((c) => [c.action, c.params['RoleArn'], c.params['RoleSessionName']])).toEqual([
    ['AssumeRoleWithWebIdentity', HUB, 'ci-root'],
    ['AssumeRole', DEPLOY, 'deploy-session'],
    ['AssumeRole', TARGET, 'target-session'],
  ]);
  expect(calls[1]!.params).toMatchObject({ ExternalId: 'deploy-ext-42', DurationSeconds: '900' });
  expect(calls[2]!.params['DurationSeconds']).toBeUndefined();
  // Every hop is signed for the selected profile's region, each by the previous hop's key.
  const sessions = s.sts.issuedSessions();
  expect(calls[1]!.signer).toMatchObject({ region: 'ap-southeast-2', accessKeyId: sessions[0]!.accessKeyId, verified: true });
  expect(calls[2]!.signer).toMatchObject({ region: 'ap-southeast-2', accessKeyId: sessions[1]!.accessKeyId, verified: true });
  expect(r.exportedEnv).toMatchObject({ AWS_REGION: 'ap-southeast-2', AWS_ACCESS_KEY_ID: sessions[2]!.accessKeyId });
  expect(r.outputs['aws-account-id']).toBe('333333333333');
  noLeaks(r);
});

test('dry-run resolves and prints the plan without any STS call or token request', async () => {
  const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'target', 'dry-run': 'true' }, env: s.oidcEnv });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(s.calls()).toHaveLength(0);
  expect(s.oidc.requests).toBe(0);
  expect(r.exportedEnv).toEqual({});
  for (const text of [r.summary, r.outputs['plan']!]) {
    expect(text).toContain('dry run: no STS call made');
    expect(text).toContain(`| 1 | AssumeRoleWithWebIdentity | ${HUB} | ci-root |`);
    expect(text).toContain(`| 3 | AssumeRole | ${TARGET} | target-session |`);
    expect(text).toContain('.github/aws/config:15 (profile target)');
  }
  noLeaks(r);
});

test('several profiles by glob: shared root assumed once, profiles written with their own region', async () => {
  const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'audit-*' }, env: s.oidcEnv });
  expect(r.errors).toEqual([]);
  expect(s.calls('AssumeRoleWithWebIdentity')).toHaveLength(1);
  expect(
    s
      .calls('AssumeRole')
      .map((c) => c.params['RoleArn'])
      .sort(),
  ).toEqual([memberRole(1), memberRole(2), memberRole(3)]);
  const profiles = (JSON.parse(r.outputs['profiles']!) as Array<{ profile: string }>).map((p) => p.profile);
  expect(profiles).toEqual(['audit-1', 'audit-2', 'audit-3']);
  noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
});

test('aws-profile renames the one profile written in config mode', async () => {
  const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'audit-1', 'aws-profile': 'audit-live' }, env: s.oidcEnv });
  expect(r.errors).toEqual([]);
  expect((JSON.parse(r.outputs['profiles']!) as Array<{ profile: string }>).map((p) => p.profile)).toEqual(['audit-live']);
  expect(r.exportedEnv['AWS_PROFILE']).toBe('audit-live');
  noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
});

test('static keys in a source profile sign the first hop', async () => {
  const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'from-keys' }, env: s.stsEnv });
  expect(r.errors).toEqual([]);
  expect(s.calls()[0]!.signer).toMatchObject({ accessKeyId: USER.accessKeyId, region: 'us-east-1', verified: true });
  expect(r.masks).toEqual(expect.arrayContaining([USER.accessKeyId, USER.secretAccessKey]));
  noLeaks(r);
});

test('credential_source = Environment uses the env keys even though the profile is selected explicitly', async () => {
  const r = await s.main({
    inputs: { 'config-file': writeConfig(), profile: 'from-env' },
    env: { ...s.stsEnv, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey },
  });
  expect(r.errors).toEqual([]);
  expect(s.calls()[0]!.signer?.accessKeyId).toBe(USER.accessKeyId);
  noLeaks(r);
});

describe('self-hosted runners: credential_source through the AWS SDK providers', () => {
  const profile = (source: string) =>
    `[profile runner]\nrole_arn = ${DEPLOY}\ncredential_source = ${source}\nexternal_id = deploy-ext-42\nregion = us-east-1\n`;

  test('EcsContainer reads the container credentials endpoint', async () => {
    const r = await s.main({
      inputs: { 'config-file': writeConfig(profile('EcsContainer')), profile: 'runner' },
      env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: s.sts.containerCredentialsUrl(USER.accessKeyId) },
    });
    expect(r.errors).toEqual([]);
    expect(s.calls().map((c) => c.action)).toEqual(['ContainerCredentials', 'AssumeRole']);
    expect(s.calls('AssumeRole')[0]!.signer).toMatchObject({ principalArn: USER.arn, accessKeyId: expect.stringMatching(/^ASIA/), verified: true });
    noLeaks(r);
  });

  test('Ec2InstanceMetadata reads IMDSv2', async () => {
    const r = await s.main({
      inputs: { 'config-file': writeConfig(profile('Ec2InstanceMetadata')), profile: 'runner' },
      env: { ...s.stsEnv, AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: s.sts.url },
    });
    expect(r.errors).toEqual([]);
    expect(s.calls('AssumeRole')[0]!.signer).toMatchObject({ principalArn: USER.arn, accessKeyId: expect.stringMatching(/^ASIA/), verified: true });
    noLeaks(r);
  });

  test('Ec2InstanceMetadata with metadata disabled fails with botocore wording and no STS call', async () => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(profile('Ec2InstanceMetadata')), profile: 'runner' }, env: s.stsEnv });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain(
      'Error when retrieving credentials from Ec2InstanceMetadata: No credentials found in credential_source referenced in profile runner',
    );
    expect(s.calls('AssumeRole')).toHaveLength(0);
    expect(r.exportedEnv).toEqual({});
  });
});

test('a web-identity root without a token file and without id-token permission fails naming the file', async () => {
  const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'deploy' }, env: s.stsEnv });
  configError(r, '/var/run/not-in-ci/token', 3);
});

describe('config mistakes: botocore wording, profile, file and line; no STS call', () => {
  test.each([
    ['unknown profile', 'nope', 'ProfileNotFound: The config profile (nope) could not be found', undefined],
    [
      'cycle',
      'broken-cycle',
      "InfiniteLoopConfigError: Infinite loop in credential configuration detected. Attempting to load from profile broken-cycle which has already been visited. Visited profiles: ['broken-cycle', 'broken-cycle2']",
      41,
    ],
    ['both sources', 'both', 'The profile "both" contains both source_profile and credential_source.', 46],
    ['missing source', 'nosource', 'Partial credentials found in assume-role, missing: source_profile or credential_source', 49],
    ['bad credential_source', 'badsource', 'The credential source "environment" referenced in profile "badsource" is not valid.', 53],
    ['partial static keys', 'uses-partial', 'Partial credentials found in config-file, missing: aws_secret_access_key', undefined],
  ])('%s', async (_name, profile, message, line) => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(), profile }, env: s.oidcEnv });
    configError(r, message, line as number | undefined);
  });

  test('parse error names the line', async () => {
    const r = await s.main({
      inputs: { 'config-file': writeConfig('[profile a]\nrole_arn = x\nrole_arn = y\n'), profile: 'a' },
      env: s.oidcEnv,
    });
    configError(r, 'ConfigParseError: Unable to parse config file: .github/aws/config', 3);
  });

  test('unreadable file', async () => {
    const r = await s.main({ inputs: { 'config-file': 'missing/config', profile: 'a' }, env: s.oidcEnv });
    configError(r, `Input 'config-file': file "missing/config" does not exist`, undefined);
  });

  test('a glob matching nothing', async () => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'prod-*' }, env: s.oidcEnv });
    configError(r, `Input 'profile': "prod-*" matches no profile in .github/aws/config`, undefined);
  });

  test('per-hop inputs that a profile would ignore are refused, not silently dropped', async () => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'deploy', 'role-external-id': 'x-123' }, env: s.oidcEnv });
    configError(r, `Input 'role-external-id': does not apply with config-file`, undefined);
  });

  test('aws-profile names one written profile, so a glob selecting several is refused rather than ignored', async () => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'audit-*', 'aws-profile': 'audit' }, env: s.oidcEnv });
    configError(r, `Input 'aws-profile': names one profile, but 'profile' selects 3 (audit-1, audit-2, audit-3)`, undefined);
  });

  test('inputs that describe a chain cannot be combined with config-file', async () => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(), profile: 'deploy', 'role-to-assume': HUB }, env: s.oidcEnv });
    configError(r, `Input 'role-to-assume': cannot be combined with config-file`, undefined);
  });
});
