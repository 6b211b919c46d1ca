/**
 * Reliability against the emulator's fault injection: classified retries, timeouts, deadlines, hints,
 * nothing exported on failure — and no leak on any of these paths.
 */
import { Scenario, HUB, DEPLOY, NO_TAGS, USER } from './support/scenario.js';
import type { StepResult } from './support/harness.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

const keys = { 'aws-access-key-id': USER.accessKeyId, 'aws-secret-access-key': USER.secretAccessKey };

function failedCleanly(r: StepResult): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.exportedEnv).toEqual({});
  expect(r.outputs).toEqual({});
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  s.noLeaks(r);
}

test('2 × Throttling then success: exactly 3 calls to that role', async () => {
  s.sts.setFault(DEPLOY, { code: 'Throttling', count: 2 });
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42` },
    env: s.oidcEnv,
  });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  const deployCalls = s.calls('AssumeRole').filter((c) => c.params['RoleArn'] === DEPLOY);
  expect(deployCalls.map((c) => c.status)).toEqual([400, 400, 200]);
  expect(deployCalls.map((c) => c.result.errorCode ?? 'ok')).toEqual(['Throttling', 'Throttling', 'ok']);
  expect(s.calls('AssumeRoleWithWebIdentity')).toHaveLength(1); // the hub hop is not repeated
  expect(r.maskedLog).toMatch(/attempt 1 failed \(Throttling\); retrying in \d+ ms/);
  s.noLeaks(r);
});

test('AccessDenied for sts:TagSession fails fast with the hint, after exactly one call', async () => {
  const started = Date.now();
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': NO_TAGS, ...keys }, env: s.stsEnv });
  expect(Date.now() - started).toBeLessThan(2000);
  failedCleanly(r);
  expect(s.calls()).toHaveLength(1);
  expect(r.errors[0]).toContain('sts:TagSession');
  expect(r.errors[0]).toContain('role-skip-session-tagging');
});

test('the same role works with role-skip-session-tagging', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': NO_TAGS, 'role-skip-session-tagging': 'true', ...keys },
    env: s.stsEnv,
  });
  expect(r.errors).toEqual([]);
  expect(Object.keys(s.calls()[0]!.params).some((k) => k.startsWith('Tags'))).toBe(false);
});

test('persistent 500: fails within the deadline after retry-max-attempts calls', async () => {
  s.sts.setFault(DEPLOY, { code: 'InternalFailure', status: 500, count: -1 });
  const started = Date.now();
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42', ...keys },
    env: s.stsEnv,
  });
  failedCleanly(r);
  expect(s.calls()).toHaveLength(5); // the documented default
  expect(Date.now() - started).toBeLessThan(10000);
  expect(r.errors[0]).toMatch(/InternalFailure \(HTTP 500\)/);
});

test('disable-retry makes one attempt; retry-max-attempts bounds the calls', async () => {
  s.sts.setFault(DEPLOY, { code: 'InternalFailure', status: 500, count: -1 });
  const base = { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42', ...keys };
  failedCleanly(await s.main({ inputs: { ...base, 'disable-retry': 'true' }, env: s.stsEnv }));
  expect(s.calls()).toHaveLength(1);
  s.sts.clearCalls();
  failedCleanly(await s.main({ inputs: { ...base, 'retry-max-attempts': '2' }, env: s.stsEnv }));
  expect(s.calls()).toHaveLength(2);
});

test('an endpoint that accepts the connection and never answers fails by timeout', async () => {
  s.sts.setFault(DEPLOY, { hang: true, count: -1 });
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42', 'action-timeout-s': '3', ...keys },
    env: s.stsEnv,
    timeoutMs: 20000,
  });
  expect(r.timedOut).toBe(false);
  expect(r.durationMs).toBeLessThan(8000);
  failedCleanly(r);
  expect(r.errors[0]).toMatch(/Timeout|timed out/);
});

test('each request has its own response timeout, well inside the deadline', async () => {
  s.sts.setFault(DEPLOY, { hang: true, count: -1 });
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': DEPLOY, 'role-external-id': 'deploy-ext-42', 'disable-retry': 'true', ...keys },
    env: s.stsEnv,
    timeoutMs: 30000,
  });
  failedCleanly(r);
  expect(r.errors[0]).toMatch(/Timeout: http:\/\/127\.0\.0\.1:\d+ did not answer within 10 s/);
  expect(r.durationMs).toBeGreaterThan(9000); // the 10 s response timeout, not the 300 s deadline
  expect(r.durationMs).toBeLessThan(20000);
});

test('an expired web-identity token on the first attempt is minted again, then succeeds', async () => {
  // The emulator sees the first AssumeRoleWithWebIdentity 10 minutes in the future: the token has expired.
  s.clockShift = () => (s.calls('AssumeRoleWithWebIdentity').length === 0 ? 600_000 : 0);
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB }, env: s.oidcEnv });
  expect(r.errors).toEqual([]);
  const calls = s.calls('AssumeRoleWithWebIdentity');
  expect(calls.map((c) => c.result.errorCode ?? 'ok')).toEqual(['ExpiredTokenException', 'ok']);
  expect(s.oidc.requests).toBe(2);
  expect(r.masks).toEqual(expect.arrayContaining([...s.oidc.tokens]));
  s.noLeaks(r);
});

test('the GitHub token request is retried', async () => {
  s.oidc.setFault({ status: 503, count: 1 });
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB }, env: s.oidcEnv });
  expect(r.errors).toEqual([]);
  expect(s.oidc.tokenRequests.map((t) => t.status)).toEqual([503, 200]);
  s.noLeaks(r);
});

test('OIDC trust mismatch: the token claims are shown next to what the trust must match', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, audience: 'wrong-audience' },
    env: s.oidcEnv,
  });
  failedCleanly(r);
  expect(s.calls()).toHaveLength(1);
  expect(r.errors[0]).toContain('AccessDenied');
  expect(r.errors[0]).toContain('aud=wrong-audience');
  expect(r.errors[0]).toContain('sub=repo:octo-org/octo-repo:ref:refs/heads/main');
  expect(r.errors[0]).toContain(`iss=${s.oidc.url}`);
});

test('a failure in the middle of a chain exports nothing, neither earlier hops nor the source', async () => {
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'role-chain': `${HUB}\n${DEPLOY} external-id=wrong-external-id`, ...keys },
    env: s.stsEnv,
  });
  failedCleanly(r);
  expect(s.calls().map((c) => c.status)).toEqual([200, 403]);
  expect(s.job.env['AWS_ACCESS_KEY_ID']).toBeUndefined();
});

test('the deadline bounds the whole step even with many retryable failures', async () => {
  s.sts.setFault(DEPLOY, { code: 'Throttling', count: -1, delayMs: 400 });
  const r = await s.main({
    inputs: {
      'aws-region': 'us-east-1',
      'role-to-assume': DEPLOY,
      'role-external-id': 'deploy-ext-42',
      'retry-max-attempts': '50',
      'action-timeout-s': '2',
      ...keys,
    },
    env: s.stsEnv,
  });
  failedCleanly(r);
  expect(r.durationMs).toBeLessThan(6000);
  expect(s.calls().length).toBeLessThan(10);
});
