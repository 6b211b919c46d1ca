/**
 * Review 4: which target's keys a later step finds in the environment after a fan-out where a target
 * failed and `fail-on-target-error: false` let the step go on. The README: "`env-profile` chooses which
 * target is in the environment: by default the first target". When that target failed, the next
 * one's keys (another account) must not take its place silently: a later `aws …` written for the
 * first account would act on another. No keys are exported then (the region still is), with a warning.
 */
import { HUB, Scenario, memberRole } from './support/scenario.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start({ members: 3 });
});
afterEach(async () => {
  await s.stop();
});

const fanOut = (n: number) => Array.from({ length: n }, (_, i) => memberRole(i + 1)).join('\n');
const INPUTS = { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': fanOut(3), 'fail-on-target-error': 'false' };

test('the first target failed: no other account takes its place in the environment', async () => {
  s.sts.setFault(memberRole(1), { code: 'AccessDenied', count: -1 });
  const r = await s.main({ inputs: INPUTS, env: s.oidcEnv });
  expect(r.exitCode).toBe(0);
  const profiles = (JSON.parse(r.outputs['profiles']!) as Array<{ profile: string }>).map((p) => p.profile);
  expect(profiles).toEqual(['400000000002-audit', '400000000003-audit']);
  expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBeUndefined();
  expect(r.exportedEnv['AWS_SECRET_ACCESS_KEY']).toBeUndefined();
  expect(r.exportedEnv['AWS_REGION']).toBe('eu-west-1');
  expect(r.warnings).toEqual(
    expect.arrayContaining([expect.stringMatching(/^Target failed: 400000000001-audit: /), expect.stringContaining('400000000001-audit')]),
  );
  expect(r.warnings.some((w) => /environment/.test(w) && w.includes('400000000001-audit'))).toBe(true);
  s.noLeaks(r, [`${s.job.home}/.aws/credentials`]);
});

test("the first target failed, with output-credentials: no other account's keys or ID in the step outputs", async () => {
  s.sts.setFault(memberRole(1), { code: 'AccessDenied', count: -1 });
  const r = await s.main({ inputs: { ...INPUTS, 'output-credentials': 'true' }, env: s.oidcEnv });
  expect(r.exitCode).toBe(0);
  for (const name of ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token', 'aws-account-id', 'aws-role-arn']) {
    expect(r.outputs[name]).toBeUndefined();
  }
  expect(JSON.parse(r.outputs['profiles']!)).toHaveLength(2);
  s.noLeaks(r, [`${s.job.home}/.aws/credentials`]);
});

test('env-profile names a target that failed: the error says it failed, not that there is no such target', async () => {
  s.sts.setFault(memberRole(2), { code: 'AccessDenied', count: -1 });
  const r = await s.main({ inputs: { ...INPUTS, 'env-profile': '400000000002-audit' }, env: s.oidcEnv });
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).not.toContain('no target named');
  expect(r.errors[0]).toContain('400000000002-audit');
  expect(r.errors[0]).toMatch(/failed/);
  expect(r.exportedEnv).toEqual({});
  s.noLeaks(r, [`${s.job.home}/.aws/credentials`]);
});

test('a later target failed: the first target is in the environment, as documented', async () => {
  s.sts.setFault(memberRole(3), { code: 'AccessDenied', count: -1 });
  const r = await s.main({ inputs: INPUTS, env: s.oidcEnv });
  expect(r.exitCode).toBe(0);
  const inEnv = s.sts.issuedSessions().find((x) => x.accessKeyId === r.exportedEnv['AWS_ACCESS_KEY_ID']);
  expect(inEnv?.roleArn).toBe(memberRole(1));
  s.noLeaks(r, [`${s.job.home}/.aws/credentials`]);
});
