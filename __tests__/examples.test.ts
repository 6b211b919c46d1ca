/**
 * The examples are tests: each examples/NAME/workflow.yml runs (its jobs, its steps of this action through the
 * bundled dist/, its `aws sts` lines with the AWS CLI) against the STS emulator, whose world is the example's
 * world.json with the example's IAM trust policies enforced. An example that stops working fails here.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startOidcIssuer, type Claims, type OidcIssuer } from './support/oidc-issuer.js';
import { startStsEmulator, type StsEmulator } from './support/sts-emulator.js';
import { resolveWorld, type World } from './support/world.js';
import { GITHUB_OIDC_HOST, readWorldWithPolicies, trustFromPolicy } from './support/trust-policy.js';
import { readWorkflow, runWorkflow, type JobRun, type Workflow } from './support/example-workflow.js';
import { REPO_ROOT, assertNoLeaks, type Job } from './support/harness.js';
import { hasAwsCli } from './support/peers.js';

const EXAMPLES = join(REPO_ROOT, 'examples');
const THIS_ACTION = /^your-org\/aws-assume-chain@v1$/;

if (!hasAwsCli) {
  // eslint-disable-next-line no-console
  console.warn('SKIPPED (missing the AWS CLI): the examples run, but their `aws sts` lines are not executed');
}

interface Example {
  dir: string;
  workflow?: string;
  event: { event_name: string; ref: string; repository: string };
  vars?: Record<string, string>;
  /** example file → workspace path (what the checkout would bring). */
  files?: Record<string, string>;
  /** The runner is an EC2 instance: IMDS answers (from the emulator). */
  imds?: boolean;
  /** Treat these `uses:` as this action too (the migration's before.yml). */
  alsoThisAction?: RegExp;
}

interface Run {
  runs: JobRun[];
  jobs: Job[];
  sts: StsEmulator;
  world: World;
}

const started: Array<{ sts: StsEmulator; oidc: OidcIssuer; jobs: Job[] }> = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    for (const j of s.jobs) await j.cleanup();
    await s.sts.close();
    await s.oidc.close();
  }
});

/** Runs one example workflow; `claimsOverride` changes the token's claims (to prove the trust policy refuses). */
async function runExample(ex: Example, claimsOverride: Partial<Claims> = {}): Promise<Run> {
  const dir = join(EXAMPLES, ex.dir);
  // The stand-in reads its claims object at every mint: the job's environment is set in it before each job.
  const claims: Partial<Claims> = { repository: ex.event.repository, ref: ex.event.ref, event_name: ex.event.event_name, ...claimsOverride };
  const oidc = await startOidcIssuer({ claims });
  const world = resolveWorld(readWorldWithPolicies(join(dir, 'world.json'), { issuers: { [GITHUB_OIDC_HOST]: oidc.url } }));
  const sts = await startStsEmulator({ world });
  const jobs: Job[] = [];
  started.push({ sts, oidc, jobs });
  const wf: Workflow = readWorkflow(join(dir, ex.workflow ?? 'workflow.yml'));
  const result = await runWorkflow(wf, {
    event: ex.event,
    runCli: hasAwsCli,
    ...(ex.vars ? { vars: ex.vars } : {}),
    env: {
      AWS_ENDPOINT_URL_STS: sts.url,
      ...(ex.imds ? { AWS_EC2_METADATA_SERVICE_ENDPOINT: sts.url, AWS_EC2_METADATA_DISABLED: 'false' } : { AWS_EC2_METADATA_DISABLED: 'true' }),
    },
    oidcEnv: oidc.env,
    isThisAction: (uses) => THIS_ACTION.test(uses) || (ex.alsoThisAction?.test(uses) ?? false),
    beforeJob(job, info) {
      if (info.environment !== undefined) claims.environment = info.environment;
      else delete claims.environment;
      for (const [from, to] of Object.entries(ex.files ?? {})) {
        mkdirSync(dirname(join(job.workspace, to)), { recursive: true });
        copyFileSync(join(dir, from), join(job.workspace, to));
      }
    },
  });
  jobs.push(...result.jobs);
  // Every secret the run could know: keys of the world, everything the emulator issued, every minted token.
  const secrets = [...world.users.flatMap((u) => [u.secretAccessKey, ...(u.sessionToken ? [u.sessionToken] : [])]), ...sts.issuedSecrets(), ...oidc.tokens];
  for (const r of result.runs) {
    for (const s of r.steps) {
      if (s.action) {
        const allow = [
          join(s.action.dirs.home, '.aws'),
          ...readdirSync(s.action.dirs.runnerTemp)
            .filter((d) => d.startsWith('aws-assume-chain-'))
            .map((d) => join(s.action!.dirs.runnerTemp, d)),
        ];
        assertNoLeaks(s.action, secrets, { allowFiles: allow });
      }
      for (const c of s.cli ?? []) for (const secret of secrets) expect(`${c.stdout}${c.stderr}`.includes(secret)).toBe(false);
    }
  }
  return { ...result, sts, world };
}

/** Every action step succeeded with no error annotation, and every CLI line exited 0. */
function expectGreen(run: Run): void {
  expect(run.runs.length).toBeGreaterThan(0);
  for (const r of run.runs) {
    for (const s of r.steps) {
      if (s.action) expect([r.job, s.step.name, s.action.exitCode, s.action.errors]).toEqual([r.job, s.step.name, 0, []]);
      for (const c of s.cli ?? []) expect([r.job, c.command, c.status, c.stderr]).toEqual([r.job, c.command, 0, '']);
    }
    for (const p of r.posts) expect([r.job, 'post', p.exitCode, p.errors]).toEqual([r.job, 'post', 0, []]);
  }
}

const cliOut = (run: Run, job: string): string[] =>
  run.runs.filter((r) => r.job === job).flatMap((r) => r.steps.flatMap((s) => (s.cli ?? []).map((c) => c.stdout.trim())));
/** The action's STS calls (the AWS CLI's GetCallerIdentity calls left out). */
const assumeCalls = (run: Run) => run.sts.calls.filter((c) => c.action.startsWith('AssumeRole'));
const actionSteps = (run: Run) => run.runs.flatMap((r) => r.steps.filter((s) => s.action).map((s) => s.action!));
/** With the CLI absent the `aws sts` lines are skipped (warned above); the rest of the test still runs. */
const whenCli = (f: () => void): void => {
  if (hasAwsCli) f();
};

/** The first action step of the first job is refused by the hub's trust policy, naming the role. */
async function expectRefusedFor(ex: Example, claims: Partial<Claims>, role: string): Promise<void> {
  const run = await runExample(ex, claims);
  const first = actionSteps(run)[0]!;
  expect(first.exitCode).not.toBe(0);
  expect(first.errors).toHaveLength(1);
  expect(first.errors[0]).toContain(role);
  expect(first.errors[0]).toMatch(/AccessDenied|not authorized/);
  expect(run.sts.calls.filter((c) => c.status === 200)).toHaveLength(0);
}

describe('each trust policy beside an example', () => {
  const dirs = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

  test('there is one example per use case', () => {
    expect(dirs.sort()).toEqual([
      'cross-account-deploy',
      'migrate-from-configure-aws-credentials',
      'org-audit-fanout',
      'pr-dry-run',
      'self-hosted-runner',
      'terraform-refresh',
    ]);
  });

  test.each(dirs)('%s: parses as IAM JSON, is loaded into the world by its world.json, and converts without loss', (dir) => {
    const files = readdirSync(join(EXAMPLES, dir)).filter((f) => /^trust-.*\.json$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const world = JSON.parse(readFileSync(join(EXAMPLES, dir, 'world.json'), 'utf8')) as { roles: Array<{ trustPolicyFile?: string; trust?: unknown }> };
    // Every role's trust comes from a policy file, and every policy file is used: what is shown is what is enforced.
    expect(world.roles.filter((r) => r.trustPolicyFile === undefined)).toEqual([]);
    expect(new Set(world.roles.map((r) => r.trustPolicyFile))).toEqual(new Set(files));
    for (const f of files) {
      const doc = JSON.parse(readFileSync(join(EXAMPLES, dir, f), 'utf8')) as { Version: string; Statement: unknown[] };
      expect(doc.Version).toBe('2012-10-17');
      expect(() => trustFromPolicy(doc)).not.toThrow();
    }
  });
});

const CROSS: Example = {
  dir: 'cross-account-deploy',
  event: { event_name: 'push', ref: 'refs/heads/main', repository: 'octo-org/website' },
  vars: { DEPLOYER_EXTERNAL_ID: 'website-deploy-7f3a' },
};

describe('cross-account-deploy', () => {
  test('GitHub → hub → deployer in one step; the AWS CLI is the deployer', async () => {
    const run = await runExample(CROSS);
    expectGreen(run);
    expect(assumeCalls(run).map((c) => `${c.action} ${c.params['RoleArn']}`)).toEqual([
      'AssumeRoleWithWebIdentity arn:aws:iam::111111111111:role/github-hub',
      'AssumeRole arn:aws:iam::222222222222:role/deployer',
    ]);
    expect(run.sts.calls[0]!.params['WebIdentityToken.sub']).toBe('repo:octo-org/website:environment:production');
    // The job summary draws the chain: source → hub → deployer → the target.
    const summary = actionSteps(run)[0]!.summary;
    expect(summary).toContain('```mermaid\nflowchart LR\n  n0["GitHub OIDC token"]');
    expect(summary).toMatch(/n\d+\["deployer<br\/>account 222222222222<br\/>session website-deploy<br\/>expires /);
    whenCli(() => expect(JSON.parse(cliOut(run, 'deploy')[0]!).Arn).toBe('arn:aws:sts::222222222222:assumed-role/deployer/website-deploy'));
  });

  test('the hub refuses a job outside the production environment, and the deployer a wrong external ID', async () => {
    await expectRefusedFor({ ...CROSS, dir: CROSS.dir }, { repository: 'octo-org/website-fork' }, 'arn:aws:iam::111111111111:role/github-hub');
    const run = await runExample({ ...CROSS, vars: { DEPLOYER_EXTERNAL_ID: 'guessed' } });
    const step = actionSteps(run)[0]!;
    expect(step.exitCode).not.toBe(0);
    expect(step.errors[0]).toContain('arn:aws:iam::222222222222:role/deployer');
  });
});

const AUDIT: Example = { dir: 'org-audit-fanout', event: { event_name: 'schedule', ref: 'refs/heads/main', repository: 'octo-org/org-audit' } };

describe('org-audit-fanout', () => {
  test('the fan-out job lists three accounts and one matrix job per account is that account', async () => {
    const run = await runExample(AUDIT);
    expectGreen(run);
    const accounts = run.runs.find((r) => r.job === 'accounts')!;
    const targets = JSON.parse(accounts.outputs['targets']!) as Array<{ profile: string; accountId: string }>;
    expect(targets.map((t) => t.profile)).toEqual(['audit-400000000001', 'audit-400000000002', 'audit-400000000003']);
    const audits = run.runs.filter((r) => r.job === 'audit');
    expect(audits.map((r) => (r.matrix?.['target'] as { accountId: string } | undefined)?.accountId)).toEqual(targets.map((t) => t.accountId));
    // One web-identity hop and three members in the first job; hub + member in each matrix job.
    expect(run.sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity')).toHaveLength(4);
    whenCli(() => {
      expect(cliOut(run, 'accounts')[0]!.split('\n')).toEqual(targets.map((t) => expect.stringContaining(`sts::${t.accountId}:assumed-role/audit-readonly/`)));
      expect(cliOut(run, 'audit')).toEqual(targets.map((t) => t.accountId));
    });
  });

  test('the hub refuses another repository', async () => {
    await expectRefusedFor(AUDIT, { repository: 'octo-org/other' }, 'arn:aws:iam::111111111111:role/org-auditor-hub');
  });
});

const TERRAFORM: Example = { dir: 'terraform-refresh', event: { event_name: 'push', ref: 'refs/heads/main', repository: 'octo-org/infrastructure' } };

describe('terraform-refresh', () => {
  test('the step exports AWS_PROFILE=infra and no keys; the AWS CLI gets the terraform role through credential_process', async () => {
    const run = await runExample(TERRAFORM);
    expectGreen(run);
    const step = actionSteps(run)[0]!;
    expect(step.exportedEnv).toMatchObject({ AWS_PROFILE: 'infra', AWS_REGION: 'eu-central-1' });
    expect(step.exportedEnv['AWS_ACCESS_KEY_ID']).toBeUndefined();
    whenCli(() => expect(JSON.parse(cliOut(run, 'apply')[0]!).Arn).toBe('arn:aws:sts::222222222222:assumed-role/terraform/terraform-apply'));
    // The post step at the end of the job removed the refreshing profile it wrote.
    const config = join(step.dirs.home, '.aws', 'config');
    expect(existsSync(config) ? readFileSync(config, 'utf8') : '').not.toContain('[profile infra]');
  });

  test('the hub refuses a job without the infrastructure environment', async () => {
    await expectRefusedFor(TERRAFORM, { repository: 'octo-org/app' }, 'arn:aws:iam::111111111111:role/github-hub');
  });
});

const PR: Example = {
  dir: 'pr-dry-run',
  event: { event_name: 'pull_request', ref: 'refs/pull/7/merge', repository: 'octo-org/platform' },
  files: { 'aws-config': '.github/aws/config' },
};

describe('pr-dry-run', () => {
  test('on a pull request: the plan of both profiles, no STS call, no token permission', async () => {
    const run = await runExample(PR);
    expectGreen(run);
    expect(run.runs.map((r) => r.job)).toEqual(['plan']);
    expect(run.sts.calls).toEqual([]);
    const step = actionSteps(run)[0]!;
    expect(step.env['ACTIONS_ID_TOKEN_REQUEST_URL']).toBeUndefined();
    expect(step.summary).toContain('arn:aws:iam::222222222222:role/deployer');
    expect(step.summary).toContain('arn:aws:iam::333333333333:role/deployer');
    expect(step.outputs['plan']).toContain('deploy-production');
    // One picture: the web-identity root shared by both profiles, each deployer with the duration asked for.
    expect(step.outputs['plan']).toMatch(
      /```mermaid\n[^`]*github-hub[^`]*deployer<br\/>account 333333333333<br\/>session [^"]*<br\/>duration STS default[^`]*```/,
    );
  });

  test('after the merge: the same profiles for real, read by the AWS CLI', async () => {
    const run = await runExample({ ...PR, event: { ...PR.event, event_name: 'push', ref: 'refs/heads/main' } });
    expectGreen(run);
    expect(run.runs.map((r) => r.job)).toEqual(['apply']);
    expect(
      assumeCalls(run)
        .map((c) => c.action)
        .sort(),
    ).toEqual(['AssumeRole', 'AssumeRole', 'AssumeRoleWithWebIdentity']);
    whenCli(() =>
      expect(cliOut(run, 'apply').map((o) => (JSON.parse(o) as { Arn: string }).Arn)).toEqual([
        expect.stringMatching(/^arn:aws:sts::222222222222:assumed-role\/deployer\//),
        expect.stringMatching(/^arn:aws:sts::333333333333:assumed-role\/deployer\//),
      ]),
    );
  });

  test('the hub refuses a pull request that tries the real thing', async () => {
    // The apply job's step run with a pull request's token: the trust policy names only the main branch.
    const run = await runExample({ ...PR, event: { ...PR.event, event_name: 'push' } }, { event_name: 'pull_request' });
    const step = actionSteps(run)[0]!;
    expect(step.exitCode).not.toBe(0);
    expect(step.errors.join('\n')).toContain('arn:aws:iam::111111111111:role/github-hub');
    expect(run.sts.calls.filter((c) => c.status === 200)).toHaveLength(0);
  });
});

describe('self-hosted-runner', () => {
  test("the runner's instance role (IMDSv2) → deployer, with no GitHub token", async () => {
    const run = await runExample({
      dir: 'self-hosted-runner',
      event: { event_name: 'push', ref: 'refs/heads/main', repository: 'octo-org/web' },
      files: { 'runner-config': '.github/aws/runner-config' },
      imds: true,
    });
    expectGreen(run);
    expect(actionSteps(run)[0]!.env['ACTIONS_ID_TOKEN_REQUEST_URL']).toBeUndefined();
    const assume = run.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0]!.signer?.accessKeyId).toBe('ASIAEXAMPLERUNNER001');
    whenCli(() => expect(JSON.parse(cliOut(run, 'deploy')[0]!).Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/deployer\//));
  });
});

describe('migrate-from-configure-aws-credentials', () => {
  const base: Example = {
    dir: 'migrate-from-configure-aws-credentials',
    event: { event_name: 'push', ref: 'refs/heads/main', repository: 'octo-org/shop' },
  };

  test('before.yml (two steps) with only `uses:` changed and workflow.yml (one role-chain) reach the same deployer', async () => {
    const before = await runExample({ ...base, workflow: 'before.yml', alsoThisAction: /^aws-actions\/configure-aws-credentials@[0-9a-f]{40}$/ });
    expectGreen(before);
    expect(actionSteps(before)).toHaveLength(2);
    const after = await runExample(base);
    expectGreen(after);
    expect(actionSteps(after)).toHaveLength(1);
    for (const run of [before, after]) {
      expect(assumeCalls(run).map((c) => c.action)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole']);
      whenCli(() => expect(JSON.parse(cliOut(run, 'deploy')[0]!).Arn).toBe('arn:aws:sts::222222222222:assumed-role/deployer/shop-deploy'));
    }
  });

  test('the hub refuses another repository', async () => {
    await expectRefusedFor(base, { repository: 'octo-org/not-shop' }, 'arn:aws:iam::111111111111:role/github-hub');
  });
});

test('examples/README.md links every example', () => {
  const index = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');
  const dirs = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  for (const d of dirs) expect([d, index.includes(`](${d}/)`)]).toEqual([d, true]);
});

test('example steps of this action pass only declared inputs; other actions are pinned by commit', () => {
  const declared = Object.keys((readWorkflow(join(REPO_ROOT, 'action.yml')) as unknown as { inputs: Record<string, unknown> }).inputs);
  let steps = 0;
  for (const dir of readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(EXAMPLES, dir.name)).filter((f) => f.endsWith('.yml'))) {
      const wf = readWorkflow(join(EXAMPLES, dir.name, file));
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps) {
          if (step.uses === undefined) continue;
          if (THIS_ACTION.test(step.uses) || step.uses.startsWith('aws-actions/configure-aws-credentials@')) {
            expect([file, Object.keys(step.with ?? {}).filter((k) => !declared.includes(k))]).toEqual([file, []]);
            steps++;
          }
          if (!THIS_ACTION.test(step.uses)) expect([file, step.uses]).toEqual([file, expect.stringMatching(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/)]);
        }
      }
    }
  }
  expect(steps).toBeGreaterThanOrEqual(9);
});
