/**
 * Fan-out at scale with throttling (not timed; `npm run bench` row (g) times 1 000 accounts): 200 member
 * accounts through one hub, every tenth member's AssumeRole throttled twice, max-concurrency 16, each STS
 * answer a little late so that calls really overlap. Every target succeeds, with exact call counts: one
 * web-identity call, one answered AssumeRole per member, two throttled ones per tenth member before it.
 */
import { join } from 'node:path';
import { HUB, memberRole, Scenario } from './support/scenario.js';

const MEMBERS = 200;
const THROTTLED = Array.from({ length: MEMBERS / 10 }, (_, i) => memberRole((i + 1) * 10));

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.start({ members: MEMBERS });
});
afterAll(async () => {
  await s.stop();
});

test('200 members, every tenth throttled twice: all succeed; calls, retries, profiles and masks exact', async () => {
  for (const arn of THROTTLED) s.sts.setFault(arn, { code: 'Throttling', count: 2 });
  s.sts.setResponseDelay(5);
  const r = await s.main({
    inputs: {
      'aws-region': 'us-east-1',
      'role-to-assume': HUB,
      'max-concurrency': '16',
      'fan-out-roles': Array.from({ length: MEMBERS }, (_, i) => memberRole(i + 1)).join('\n'),
    },
    env: s.oidcEnv,
    timeoutMs: 120_000,
  });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);

  expect(s.calls('AssumeRoleWithWebIdentity').map((c) => c.status)).toEqual([200]);
  const assumes = s.calls('AssumeRole');
  expect(assumes).toHaveLength(MEMBERS + 2 * THROTTLED.length);
  expect(s.calls()).toHaveLength(1 + MEMBERS + 2 * THROTTLED.length);
  for (let i = 1; i <= MEMBERS; i++) {
    const mine = assumes.filter((c) => c.params['RoleArn'] === memberRole(i)).map((c) => c.result.errorCode ?? c.status);
    expect(mine).toEqual(THROTTLED.includes(memberRole(i)) ? ['Throttling', 'Throttling', 200] : [200]);
  }
  // Each retry is logged once, with the code; none for the members that were answered at once.
  const retries = r.lines.filter((l) => /attempt \d failed \(Throttling\); retrying in \d+ ms/.test(l.text));
  expect(retries).toHaveLength(2 * THROTTLED.length);
  for (const arn of THROTTLED) expect(retries.filter((l) => l.text.includes(arn))).toHaveLength(2);

  const profiles = JSON.parse(r.outputs['profiles']!) as Array<{ accountId: string }>;
  expect(profiles.map((p) => p.accountId).sort()).toEqual(Array.from({ length: MEMBERS }, (_, i) => String(400000000001 + i)));
  expect(r.summary.match(/^### /gm)).toHaveLength(MEMBERS);
  expect(r.summary).not.toContain('failed');

  // Every issued session's secret and token is masked before use; none leaks anywhere but the credentials file.
  const sessions = s.sts.issuedSessions();
  expect(sessions).toHaveLength(1 + MEMBERS);
  for (const session of sessions) {
    expect(r.masks).toContain(session.secretAccessKey);
    expect(r.masks).toContain(session.sessionToken);
  }
  s.noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
}, 180_000);
