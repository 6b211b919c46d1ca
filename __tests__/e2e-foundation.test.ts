/**
 * The bundled action (dist/) run as the runner runs it, against the STS emulator and the OIDC stand-in
 * over real HTTP with real SigV4: the walking skeleton and its bad inputs.
 */
import { Scenario, HUB, DEPLOY, USER } from './support/scenario.js';
import { assertNoLeaks, type StepResult } from './support/harness.js';
import { startForwardProxy, type ForwardProxy } from './support/forward-proxy.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

function expectOneError(r: StepResult, message: RegExp): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(message);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(r.exportedEnv).toEqual({});
}

test('GitHub OIDC → one role: credentials exported, outputs set, secrets masked first', async () => {
  const r = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB }, env: s.oidcEnv });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);

  const calls = s.calls();
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({ action: 'AssumeRoleWithWebIdentity', status: 200, signer: null });
  expect(calls[0]!.params['RoleArn']).toBe(HUB);
  expect(calls[0]!.params['WebIdentityToken.aud']).toBe('sts.amazonaws.com');
  expect(calls[0]!.params['RoleSessionName']).toMatch(/^GitHubActions/);
  expect(calls[0]!.params['Tags.member.1.Key']).toBeUndefined();

  const issued = s.sts.issuedSessions()[0]!;
  expect(r.exportedEnv).toMatchObject({
    AWS_ACCESS_KEY_ID: issued.accessKeyId,
    AWS_SECRET_ACCESS_KEY: issued.secretAccessKey,
    AWS_SESSION_TOKEN: issued.sessionToken,
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
  });
  expect(r.outputs['aws-account-id']).toBe('111111111111');
  expect(r.outputs['aws-role-arn']).toBe(HUB);
  expect(r.outputs['authenticated-arn']).toBe(issued.principalArn);
  expect(r.outputs['aws-expiration']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  expect(r.outputs['aws-access-key-id']).toBeUndefined();
  for (const secret of [issued.secretAccessKey, issued.sessionToken, issued.accessKeyId, s.oidc.tokens[0]!]) {
    expect(r.masks).toContain(secret);
  }
  expect(r.maskedLog).toContain(`Assumed ${HUB}`);
  s.noLeaks(r);
});

describe('behind a proxy: STS and the token request go through it', () => {
  let proxy: ForwardProxy;
  beforeEach(async () => {
    proxy = await startForwardProxy();
  });
  afterEach(async () => {
    await proxy.close();
  });
  const through = () => proxy.requests.map((r) => r.line.replace(/^(\w+ http:\/\/127\.0\.0\.1:)\d+\/(\S*?)(\?.*)?$/, '$1…/$2'));

  test('HTTPS_PROXY / HTTP_PROXY from the environment', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB },
      env: { ...s.oidcEnv, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(through()).toEqual(['GET http://127.0.0.1:…/_apis/idtoken', 'POST http://127.0.0.1:…/']);
    expect(s.calls().map((c) => c.action)).toEqual(['AssumeRoleWithWebIdentity']);
    s.noLeaks(r);
  });

  test('the http-proxy input, with credentials that are masked and sent as Proxy-Authorization', async () => {
    const withAuth = proxy.url.replace('http://', 'http://ci-user:pr0xy-s3cret@');
    const r = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'http-proxy': withAuth }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    expect(proxy.requests).toHaveLength(2);
    for (const req of proxy.requests) expect(req.proxyAuthorization).toBe(`Basic ${Buffer.from('ci-user:pr0xy-s3cret').toString('base64')}`);
    expect(r.masks).toContain('pr0xy-s3cret');
    assertNoLeaks(r, [...s.secrets(), 'pr0xy-s3cret']);
  });

  test('no-proxy exempts the hosts it names', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'no-proxy': '127.0.0.1' },
      env: { ...s.oidcEnv, HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
    });
    expect(r.errors).toEqual([]);
    expect(proxy.requests).toEqual([]);
    expect(s.calls()).toHaveLength(1);
  });

  test('a proxy URL that is not http(s) is refused before any request', async () => {
    const r = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'http-proxy': 'socks5://127.0.0.1:1080' }, env: s.oidcEnv });
    expectOneError(r, /^Input 'http-proxy': must be an http:\/\/ or https:\/\/ URL, got socks5:$/);
    expect(s.oidc.requests).toBe(0);
  });
});

test('a token service that refuses is not retried, and the error names the permission', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB },
    env: { ...s.oidcEnv, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-the-runner-token' },
  });
  expectOneError(r, /Could not get a GitHub OIDC token .*HTTP 40[13].*id-token: write/);
  expect(s.oidc.requests).toBe(1); // refused once, not retried
  expect(s.oidc.tokens).toHaveLength(0);
  expect(s.calls()).toHaveLength(0);
});

test('access keys → one role, signed with the user key (SigV4 verified by the emulator)', async () => {
  const r = await s.main({
    inputs: {
      'aws-region': 'us-east-1',
      'role-to-assume': DEPLOY,
      'role-external-id': 'deploy-ext-42',
      'aws-access-key-id': USER.accessKeyId,
      'aws-secret-access-key': USER.secretAccessKey,
    },
    env: s.stsEnv,
  });
  expect(r.errors).toEqual([]);
  const [call] = s.calls();
  expect(call).toMatchObject({ action: 'AssumeRole', status: 200 });
  expect(call!.signer).toMatchObject({ accessKeyId: USER.accessKeyId, region: 'us-east-1', verified: true });
  expect(call!.params['ExternalId']).toBe('deploy-ext-42');
  expect(r.outputs['aws-account-id']).toBe('222222222222');
  expect(r.masks).toEqual(expect.arrayContaining([USER.accessKeyId, USER.secretAccessKey]));
  // Input secrets are masked before anything else is printed.
  const firstOther = r.lines.findIndex((l) => l.command?.name !== 'add-mask');
  const maskAt = r.lines.findIndex((l) => l.command?.name === 'add-mask' && l.command.data === USER.secretAccessKey);
  expect(maskAt).toBeGreaterThanOrEqual(0);
  expect(maskAt).toBeLessThan(firstOther);
  s.noLeaks(r);
});

test('sts-endpoint input is honoured without AWS_ENDPOINT_URL_STS', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'sts-endpoint': s.sts.url },
    env: s.oidc.env,
  });
  expect(r.errors).toEqual([]);
  expect(s.calls()).toHaveLength(1);
  s.noLeaks(r);
});

test('the post step blanks the credentials it exported', async () => {
  const main = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB }, env: s.oidcEnv });
  expect(main.exitCode).toBe(0);
  expect(s.job.env['AWS_ACCESS_KEY_ID']).toBe(s.sts.issuedSessions()[0]!.accessKeyId);
  const post = await s.post({ env: s.oidcEnv });
  expect(post.exitCode).toBe(0);
  expect(post.errors).toEqual([]);
  expect(post.exportedEnv['AWS_ACCESS_KEY_ID']).toBe('');
  expect(post.exportedEnv['AWS_SECRET_ACCESS_KEY']).toBe('');
  expect(post.exportedEnv['AWS_SESSION_TOKEN']).toBe('');
  expect(post.exportedEnv['AWS_REGION']).toBe('');
  s.noLeaks(post);
});

test('post restores the region an earlier step set, and leaves alone what a later step changed', async () => {
  s.job.env['AWS_REGION'] = 'us-west-2';
  const main = await s.main({ inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB }, env: s.oidcEnv });
  expect(main.exportedEnv['AWS_REGION']).toBe('eu-west-1');
  s.job.env['AWS_SECRET_ACCESS_KEY'] = 'changed-by-a-later-step';
  const post = await s.post({ env: s.oidcEnv });
  expect(post.errors).toEqual([]);
  expect(post.exportedEnv['AWS_REGION']).toBe('us-west-2');
  expect(post.exportedEnv['AWS_DEFAULT_REGION']).toBe('');
  expect(post.exportedEnv['AWS_ACCESS_KEY_ID']).toBe('');
  expect(post.exportedEnv['AWS_SECRET_ACCESS_KEY']).toBeUndefined();
  expect(JSON.stringify(main.state)).not.toContain(s.sts.issuedSessions()[0]!.secretAccessKey);
  s.noLeaks(post);
});

describe('bad input: one ::error:: naming the input, exit 1, nothing exported, no STS call', () => {
  const keys = { 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey };
  test('missing aws-region', async () => {
    const r = await s.main({ inputs: { 'role-to-assume': HUB }, env: s.oidcEnv });
    expectOneError(r, /^Input 'aws-region': is required/);
    expect(s.calls()).toHaveLength(0);
    s.noLeaks(r);
  });
  test('malformed role ARN', async () => {
    const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': 'arn:aws:iam:role/oops' }, env: s.oidcEnv });
    expectOneError(r, /^Input 'role-to-assume': "arn:aws:iam:role\/oops" is not an IAM role ARN/);
    expect(s.calls()).toHaveLength(0);
  });
  test('secret key without key id', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'aws-secret-access-key': USER.secretAccessKey },
      env: s.stsEnv,
    });
    expectOneError(r, /^Input 'aws-secret-access-key': was given without 'aws-access-key-id'/);
    expect(r.errors[0]).not.toContain(USER.secretAccessKey);
    expect(s.calls()).toHaveLength(0);
    s.noLeaks(r);
  });
  test('unreachable STS endpoint', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'sts-endpoint': 'http://127.0.0.1:9', ...keys },
    });
    expectOneError(r, /AssumeRole .*deployer failed: ECONNREFUSED: cannot reach the STS endpoint http:\/\/127\.0\.0\.1:9/);
    expect(r.durationMs).toBeLessThan(10000);
    s.noLeaks(r);
  });
});
