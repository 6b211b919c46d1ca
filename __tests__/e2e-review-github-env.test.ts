/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * REVIEW (issue 13 item 1): the GitHub variables the default session tags come from are partly chosen
 * by whoever pushes (branch names may hold any Unicode but ASCII controls; the workflow name is free
 * text). Nothing of them may steer the runner, reach the log raw, or break STS's tag rules.
 */
import { HUB, Scenario } from './support/scenario.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

const BRANCH = 'feature/\u0085::warning::BRANCH-INJ\u2028##[warning]x\u202e\u200b%0A::error::y';
const GH = {
  GITHUB_REF: `refs/heads/${BRANCH}`,
  GITHUB_REF_NAME: BRANCH,
  GITHUB_HEAD_REF: BRANCH,
  GITHUB_WORKFLOW: 'CI \u2028::warning::WF-INJ',
  GITHUB_ACTOR: 'octo\u0085::notice::ACTOR',
};

for (const dryRun of ['true', 'false']) {
  test(`hostile branch, workflow and actor names (dry-run ${dryRun})`, async () => {
    const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'dry-run': dryRun }, env: { ...s.oidcEnv, ...GH } });
    const cmds = r.lines
      .filter((l) => l.command)
      .map((l) => l.command!.name)
      .filter((n) => n !== 'add-mask');
    expect(cmds).toEqual([]);
    expect(r.exitCode).toBe(0);
    for (const t of [r.stdout, r.summary, ...Object.values(r.outputs)]) expect(t).not.toMatch(/[\u0085\u2028\u202e\u200b]/);
  });
}
