/**
 * A self-hosted runner's own AWS identity as the source (no source input, no OIDC permission), through
 * the bundled action against the emulator: environment keys, the EKS web-identity environment, the
 * container endpoint (token and token file), IMDSv2, and the clean, fast failure when there is none or
 * when 169.254.169.254 is not AWS's (an Azure-like stand-in). Also `use-existing-credentials`.
 */
import { exec } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, assertNoLeaks, type StepResult } from './support/harness.js';
import { closeStandIns, standIn } from './support/stand-ins.js';
import { DEPLOY, HUB, Scenario, USER } from './support/scenario.js';

const CONTAINER_TOKEN = 'ctr-auth-Z8q4T1w7YpK2mN6vB3xR';
const BASE = { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42' };
/** The harness disables IMDS for every step; the IMDS tests turn it back on. */
const IMDS_ON = { AWS_EC2_METADATA_DISABLED: undefined };
const STS_ACTIONS = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'GetCallerIdentity']);

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  closeStandIns();
  await s.stop();
});

const stsCalls = () => s.calls().filter((c) => STS_ACTIONS.has(c.action));

/** No secret anywhere but on ::add-mask:: lines; `extra` are this test's own secrets. */
function noLeaks(r: StepResult, extra: string[] = [], allowFiles: string[] = []): void {
  assertNoLeaks(r, [...s.secrets(), ...extra], { allowFiles });
  for (const secret of extra) expect(r.masks).toContain(secret);
}

function expectAssumedFromUser(r: StepResult): void {
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(stsCalls().map((c) => c.action)).toEqual(['AssumeRole']);
  const call = stsCalls()[0]!;
  expect(call.params['RoleArn']).toBe(DEPLOY);
  expect(call.signer).toMatchObject({ principalArn: USER.arn, verified: true });
  expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toMatch(/^ASIA/);
  expect(r.outputs['aws-account-id']).toBe('222222222222');
}

/** A local HTTP stand-in; `handle` answers every request, `seen` records them. */
function lookedForEverything(message: string): void {
  for (const part of ['no source identity', 'id-token: write', 'aws-access-key-id', 'AWS_ACCESS_KEY_ID', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN']) {
    expect(message).toContain(part);
  }
  expect(message).toContain('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
  expect(message).toMatch(/instance metadata/);
}

describe('container credentials', () => {
  test('_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN: one STS call, signed with the container identity', async () => {
    s.sts.world.containerAuthorizationToken = CONTAINER_TOKEN;
    const r = await s.main({
      inputs: BASE,
      env: {
        ...s.stsEnv,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: s.sts.containerCredentialsUrl(USER.accessKeyId),
        AWS_CONTAINER_AUTHORIZATION_TOKEN: CONTAINER_TOKEN,
      },
    });
    expectAssumedFromUser(r);
    // The stand-in refuses a request without the exact Authorization header (401): it saw it.
    expect(s.calls('ContainerCredentials').map((c) => c.status)).toEqual([200]);
    expect(stsCalls()[0]!.signer!.accessKeyId).toBe(s.calls('ContainerCredentials')[0]!.result['accessKeyId']);
    expect(r.stdout).toContain("Source identity: the runner's own identity: the container credentials endpoint");
    noLeaks(r, [CONTAINER_TOKEN]);
  });

  test('_TOKEN_FILE (a trailing newline is not part of the token) wins over _TOKEN', async () => {
    s.sts.world.containerAuthorizationToken = CONTAINER_TOKEN;
    const file = path.join(s.job.dirs.runnerTemp, 'pod-identity-token');
    fs.writeFileSync(file, `${CONTAINER_TOKEN}\n`);
    const r = await s.main({
      inputs: BASE,
      env: {
        ...s.stsEnv,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: s.sts.containerCredentialsUrl(USER.accessKeyId),
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'stale-token-not-used',
      },
    });
    expectAssumedFromUser(r);
    noLeaks(r, [CONTAINER_TOKEN], [file]);
  });

  test('a refused token: one error line naming the endpoint answer, no STS call, token not printed', async () => {
    s.sts.world.containerAuthorizationToken = CONTAINER_TOKEN;
    const wrong = 'wrong-token-Qm3Lr8Vt2Xc9';
    const r = await s.main({
      inputs: BASE,
      env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: s.sts.containerCredentialsUrl(USER.accessKeyId), AWS_CONTAINER_AUTHORIZATION_TOKEN: wrong },
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual(['Source identity: the container credentials endpoint failed: the endpoint answered HTTP 401 (authorization refused)']);
    expect(s.calls('ContainerCredentials').map((c) => c.status)).toEqual([401]);
    expect(stsCalls()).toEqual([]);
    expect(r.exportedEnv).toEqual({});
    noLeaks(r, [wrong]);
  });

  test('plain http to another host is refused before any request', async () => {
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://192.0.2.10/creds' } });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain('plain http is allowed only to loopback, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]');
    expect(s.calls()).toEqual([]);
  });

  test('with the OIDC env but force-skip-oidc: the container identity, and no GitHub token minted', async () => {
    const r = await s.main({
      inputs: { ...BASE, 'force-skip-oidc': 'true' },
      env: { ...s.oidcEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: s.sts.containerCredentialsUrl(USER.accessKeyId) },
    });
    expectAssumedFromUser(r);
    expect(s.oidc.tokens).toEqual([]);
    noLeaks(r);
  });
});

describe('IMDSv2', () => {
  test('token PUT, role listing, credentials (all with the token header): one STS call', async () => {
    // The stand-in refuses a credentials request without the token: an IMDSv1 fallback could not pass.
    const v1 = await fetch(`${s.sts.url}/latest/meta-data/iam/security-credentials/`);
    expect(v1.status).toBe(401);
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, ...IMDS_ON, AWS_EC2_METADATA_SERVICE_ENDPOINT: `${s.sts.url}/` } });
    expectAssumedFromUser(r);
    expect(s.calls('InstanceMetadata').map((c) => c.params['profile'])).toEqual(['runner-instance']);
    expect(stsCalls()[0]!.signer!.accessKeyId).toBe(s.calls('InstanceMetadata')[0]!.result['accessKeyId']);
    expect(r.stdout).toContain("Source identity: the runner's own identity: the instance profile (IMDSv2)");
    noLeaks(r);
  });

  test('an Azure-like metadata service (400 to the token PUT): the looked-for error, at once', async () => {
    const azure = await standIn((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"Bad request. Required metadata header not specified"}');
    });
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, ...IMDS_ON, AWS_EC2_METADATA_SERVICE_ENDPOINT: azure.url } });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    lookedForEverything(r.errors[0]!);
    expect(r.errors[0]).toContain("the IMDSv2 token request was answered with HTTP 400: not AWS's IMDSv2");
    // One request (no retry of a real answer, no IMDSv1 GET), and the TTL header was sent.
    expect(azure.seen.map((q) => `${q.method} ${q.url}`)).toEqual(['PUT /latest/api/token']);
    expect(azure.seen[0]!.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
    expect(stsCalls()).toEqual([]);
    expect(r.durationMs).toBeLessThan(20_000);
  });

  test('a service that answers 200 with an HTML page: refused as not IMDSv2, nothing of it quoted', async () => {
    const page = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome AKIA-LIKE-SECRET-VALUE</body></html>');
    });
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, ...IMDS_ON, AWS_EC2_METADATA_SERVICE_ENDPOINT: page.url } });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    lookedForEverything(r.errors[0]!);
    expect(r.errors[0]).toContain("not AWS's IMDSv2");
    expect(r.stdout + r.stderr).not.toContain('Welcome');
  });

  test('an address that never answers: two 1 s attempts, then the looked-for error', async () => {
    const silent = await standIn(() => undefined);
    const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, ...IMDS_ON, AWS_EC2_METADATA_SERVICE_ENDPOINT: silent.url } });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    lookedForEverything(r.errors[0]!);
    expect(r.errors[0]).toMatch(/did not answer within 1 s \(2 attempts\)/);
    expect(silent.seen).toHaveLength(2);
    expect(r.durationMs).toBeLessThan(20_000);
  });
});

test.each(['AWS_ENDPOINT_URL_STS', 'sts-endpoint'])(
  'the EKS web-identity environment: AssumeRoleWithWebIdentity to AWS_ROLE_ARN, then role-to-assume, both to the STS of %s',
  async (how) => {
    const token = s.oidc.mint({ aud: 'sts.amazonaws.com' });
    const file = path.join(s.job.dirs.runnerTemp, 'eks-token');
    fs.writeFileSync(file, token);
    const endpoint: { inputs: Record<string, string>; env: Record<string, string> } =
      how === 'sts-endpoint' ? { inputs: { 'sts-endpoint': s.sts.url }, env: {} } : { inputs: {}, env: s.stsEnv };
    const r = await s.main({
      inputs: { ...BASE, ...endpoint.inputs },
      env: { ...endpoint.env, AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: HUB, AWS_ROLE_SESSION_NAME: 'eks-runner-pod' },
    });
    expect(r.errors).toEqual([]);
    expect(stsCalls().map((c) => [c.action, c.params['RoleArn'], c.status])).toEqual([
      ['AssumeRoleWithWebIdentity', HUB, 200],
      ['AssumeRole', DEPLOY, 200],
    ]);
    expect(stsCalls()[0]!.params['RoleSessionName']).toBe('eks-runner-pod');
    // The IRSA hop carries nothing the workflow's inputs set for its own roles.
    expect(stsCalls()[0]!.params['DurationSeconds']).toBeUndefined();
    expect(stsCalls()[1]!.signer).toMatchObject({ principalArn: expect.stringMatching(/:assumed-role\/github-hub\/eks-runner-pod$/), verified: true });
    expect(r.stdout).toContain("Source identity: the runner's own identity: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (EKS IRSA)");
    noLeaks(r, [token], [file]);
  },
);

test('keys in the environment and no source input: assumed from them', async () => {
  const r = await s.main({ inputs: BASE, env: { ...s.stsEnv, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey } });
  expectAssumedFromUser(r);
  expect(stsCalls()[0]!.signer!.accessKeyId).toBe(USER.accessKeyId);
  expect(r.stdout).toContain("Source identity: the runner's own identity: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment");
  noLeaks(r);
});

test('nothing on the runner (metadata disabled): one error line listing what was looked for, no call', async () => {
  const r = await s.main({ inputs: BASE, env: s.stsEnv });
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  lookedForEverything(r.errors[0]!);
  expect(r.errors[0]).toContain('instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)');
  expect(r.errors[0]).toMatch(/^Input 'role-to-assume': /);
  expect(s.calls()).toEqual([]);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.durationMs).toBeLessThan(20_000);
});

test('a dry run names the runner source in the plan, and calls nothing', async () => {
  const r = await s.main({
    inputs: { ...BASE, 'dry-run': 'true' },
    env: { ...s.stsEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: s.sts.containerCredentialsUrl(USER.accessKeyId) },
  });
  expect(r.errors).toEqual([]);
  expect(r.outputs['plan']).toContain("Source identity: the runner's own identity: the container credentials endpoint");
  expect(s.calls()).toEqual([]);
});

describe('use-existing-credentials', () => {
  test('valid keys in the environment: one GetCallerIdentity, aws-account-id set, only the region exported', async () => {
    const r = await s.main({
      inputs: { ...BASE, 'use-existing-credentials': 'true' },
      env: { ...s.stsEnv, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(s.calls().map((c) => [c.action, c.status])).toEqual([['GetCallerIdentity', 200]]);
    expect(r.outputs).toEqual({ 'aws-account-id': '111111111111' });
    expect(r.exportedEnv).toEqual({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' });
    expect(r.stdout).toContain('use-existing-credentials: the credentials in the environment are valid');
    noLeaks(r);
  });

  test('expired keys in the environment: the normal chain runs and exports new credentials', async () => {
    // Session keys from a first step, whose session the emulator then ends (as if their hour had passed).
    const first = await s.main({ inputs: { ...BASE, 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey }, env: s.stsEnv });
    expect(first.errors).toEqual([]);
    const old = first.exportedEnv;
    const session = s.sts.issuedSessions().find((x) => x.accessKeyId === old['AWS_ACCESS_KEY_ID'])!;
    session.expiresAt = s.sts.now() - 60_000;
    s.sts.clearCalls();
    const r = await s.main({
      inputs: { ...BASE, 'use-existing-credentials': 'true', 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey },
      env: {
        ...s.stsEnv,
        AWS_ACCESS_KEY_ID: old['AWS_ACCESS_KEY_ID'],
        AWS_SECRET_ACCESS_KEY: old['AWS_SECRET_ACCESS_KEY'],
        AWS_SESSION_TOKEN: old['AWS_SESSION_TOKEN'],
      },
    });
    expect(r.errors).toEqual([]);
    expect(stsCalls().map((c) => [c.action, c.status === 200])).toEqual([
      ['GetCallerIdentity', false],
      ['AssumeRole', true],
    ]);
    expect(r.stdout).toContain('use-existing-credentials: the credentials in the environment were refused (ExpiredToken)');
    expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toMatch(/^ASIA/);
    expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).not.toBe(old['AWS_ACCESS_KEY_ID']);
    noLeaks(r);
  });
});

test('refresh: the profile re-reads the container endpoint and re-assumes when the session has expired', async () => {
  const containerEnv = { AWS_CONTAINER_CREDENTIALS_FULL_URI: s.sts.containerCredentialsUrl(USER.accessKeyId) };
  const r = await s.main({ inputs: { ...BASE, refresh: 'true', 'aws-profile': 'deploy' }, env: { ...s.stsEnv, ...containerEnv } });
  expect(r.errors).toEqual([]);
  // The refresh dir holds the session cache by design; nothing else may hold a secret.
  const refreshDir = fs.readdirSync(s.job.dirs.runnerTemp).find((d) => d.startsWith('aws-assume-chain-'))!;
  noLeaks(r, [], [path.join(s.job.dirs.runnerTemp, refreshDir)]);
  const config = fs.readFileSync(path.join(s.job.dirs.home, '.aws', 'config'), 'utf8');
  const line = /^credential_process = (.*)$/m.exec(config)![1]!;
  // Two hours on (emulator and helper clocks), the cached session is stale: the chain runs again.
  const twoHours = 2 * 3600 * 1000;
  s.clockShift = () => twoHours;
  s.signerClockShifts = [0, twoHours];
  s.sts.clearCalls();
  const later = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: s.job.dirs.home,
      RUNNER_TEMP: s.job.dirs.runnerTemp,
      ...s.stsEnv,
      ...containerEnv,
      NODE_OPTIONS: `--import=${path.join(REPO_ROOT, '__tests__', 'fixtures', 'fake-clock.mjs')}`,
      FAKE_CLOCK_OFFSET_MS: String(twoHours),
    };
    exec(line, { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
  expect(later.stderr).toBe('');
  expect(later.code).toBe(0);
  expect(s.calls().map((c) => c.action)).toEqual(['ContainerCredentials', 'AssumeRole']);
  expect(JSON.parse(later.stdout).AccessKeyId).toBe(s.sts.issuedSessions().at(-1)!.accessKeyId);
});
