/**
 * Issue 13 items 1 and 7, through the bundle: hostile text in every field the action prints (config
 * values, inputs, paths, STS replies) never starts a workflow command, never puts a control or bidi
 * character on a line (lines read as the runner reads them: CR, LF or CRLF), and renders as literal
 * text in the job summary; mask-aws-account-id hides every account ID the action prints or writes.
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario, HUB, DEPLOY, TARGET, MFA_ROLE, USER, THREE_HOP_CONFIG, memberRole } from './support/scenario.js';
import { Job, NODE24_BIN, type StepResult } from './support/harness.js';
import { hostilePayload, markdownProblems, outputProblems } from './support/payloads.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.start({ members: 2 });
});
afterAll(async () => {
  await s.stop();
});
afterEach(() => {
  for (const role of [HUB, DEPLOY, TARGET]) s.sts.setFault(role, null);
});

interface Run {
  inputs: Record<string, string>;
  env?: Record<string, string>;
  /** workspace-relative path → content */
  files?: Record<string, string>;
}

/** Each run in a fresh job (its own HOME and workspace) against the shared emulator. */
async function step(run: Run): Promise<StepResult> {
  const job = new Job({ secrets: [USER.secretAccessKey, USER.accessKeyId] });
  try {
    for (const [rel, text] of Object.entries(run.files ?? {})) {
      mkdirSync(join(job.workspace, rel, '..'), { recursive: true });
      writeFileSync(join(job.workspace, rel), text);
    }
    // `$HOME` in a value stands for this job's home directory.
    const home = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replace('$HOME', job.home)]));
    return await job.runStep({ node: NODE24_BIN, inputs: home(run.inputs), env: home({ ...s.oidcEnv, ...(run.env ?? {}) }) });
  } finally {
    await job.cleanup();
  }
}

function expectInert(r: StepResult): void {
  expect(r.timedOut).toBe(false);
  expect([0, 1]).toContain(r.exitCode);
  expect(outputProblems(r)).toEqual([]);
}

const CONFIG_FILE = '.github/aws/config';

/** The issue's config: a value with a continuation line, in a profile the run selects. */
function configWith(key: string, value: string): string {
  const base: Record<string, string> = {
    web_identity_token_file: '/nonexistent/token',
    role_arn: HUB,
    role_session_name: 'ci-root',
  };
  base[key] = value;
  return `[profile ci]\n${Object.entries(base)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n\n[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = ci\n`;
}

describe('property: hostile text in any printed field gets nowhere (through dist/)', () => {
  const opts = { numRuns: 16, endOnFailure: true };

  test('config values, continuation lines included, in dry-run and real runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostilePayload,
        fc.constantFrom('web_identity_token_file', 'role_session_name', 'mfa_serial', 'role_arn', 'duration_seconds', 'region'),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (payload, key, continuation, dryRun, mask) => {
          // As a continuation every line of the payload is indented, so the file parses and the value reaches the plan.
          const value = continuation ? `start\n  ${payload.split(/\r\n|\r|\n/).join('\n  ')}` : `start${payload}`;
          const r = await step({
            inputs: {
              'config-file': CONFIG_FILE,
              profile: 'deploy',
              'aws-region': 'us-east-1',
              'dry-run': String(dryRun),
              'mask-aws-account-id': String(mask),
            },
            files: { [CONFIG_FILE]: configWith(key, value) },
          });
          expectInert(r);
        },
      ),
      opts,
    );
  }, 300_000);

  test('inputs, paths and environment, in dry-run and real runs', async () => {
    const field = fc.constantFrom(
      'sts-endpoint',
      'role-session-name',
      'custom-tags',
      'profiles-credentials-file',
      'AWS_SHARED_CREDENTIALS_FILE',
      'role-to-assume',
      'profile-name-template',
      'aws-region',
    );
    await fc.assert(
      fc.asyncProperty(hostilePayload, field, fc.boolean(), fc.boolean(), async (payload, name, dryRun, mask) => {
        const inputs: Record<string, string> = {
          'aws-region': 'us-east-1',
          'role-to-assume': HUB,
          'dry-run': String(dryRun),
          'mask-aws-account-id': String(mask),
        };
        const env: Record<string, string> = {};
        if (name === 'sts-endpoint') inputs[name] = `${s.sts.url}${payload}`;
        else if (name === 'custom-tags') inputs[name] = JSON.stringify({ [`k${payload}`]: `v${payload}` });
        else if (name === 'profiles-credentials-file') Object.assign(inputs, { [name]: `$HOME/creds${payload}`, 'write-profiles': 'true' });
        else if (name === 'AWS_SHARED_CREDENTIALS_FILE') {
          inputs['write-profiles'] = 'true';
          env[name] = `$HOME/shared${payload}`;
        } else if (name === 'role-to-assume') inputs[name] = `${HUB}${payload}`;
        else if (name === 'profile-name-template') Object.assign(inputs, { [name]: `p-{account}${payload}`, 'fan-out-roles': `${DEPLOY}\n${TARGET}` });
        else inputs[name] = `x${payload}`;
        expectInert(await step({ inputs, env }));
      }),
      { ...opts, numRuns: 20 },
    );
  }, 300_000);

  test('STS replies: AssumedRoleUser.Arn and error Code/Message from the endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePayload, fc.constantFrom('arn', 'code', 'message'), fc.constantFrom(1, -1), fc.boolean(), async (payload, part, count, mask) => {
        if (part === 'arn') s.sts.setFault(DEPLOY, { count, assumedArn: `arn:aws:sts::222222222222:assumed-role/deployer/x${payload}` });
        else if (part === 'code') s.sts.setFault(DEPLOY, { count, code: `Throttling${payload}`, status: 503 });
        else s.sts.setFault(DEPLOY, { count, code: 'AccessDenied', message: `denied${payload}` });
        const r = await step({
          inputs: { 'aws-region': 'us-east-1', 'role-chain': `${HUB}\n${DEPLOY}`, 'mask-aws-account-id': String(mask), 'retry-max-attempts': '2' },
        });
        expectInert(r);
      }),
      { ...opts, numRuns: 12 },
    );
  }, 300_000);
});

describe('issue 13 item 1, as reproduced', () => {
  const INJECTED = [
    '::warning file=README.md,line=1::INJECTED',
    '::add-mask::INJECTED',
    '::error::INJECTED',
    '::stop-commands::INJECTED',
    '::save-state name=cleanup::INJECTED',
    '::warning::a%0A::error::INJECTED',
  ];

  test.each(INJECTED)('a continuation line `%s` in a checked-in config, dry-run', async (line) => {
    const config = `[profile ci]\nweb_identity_token_file = /nonexistent/token\n  ${line}\nrole_arn = arn:aws:iam::111111111111:role/gh-oidc\n`;
    const r = await step({
      inputs: { 'config-file': CONFIG_FILE, profile: 'ci', 'dry-run': 'true', 'aws-region': 'us-east-1' },
      files: { [CONFIG_FILE]: config },
    });
    expectInert(r);
    expect(r.annotations.filter((a) => a.message.includes('INJECTED') && !a.message.startsWith('ConfigError') && a.level !== 'error')).toEqual([]);
    // The only mask of a dry run is the token-service request token, masked before anything else.
    expect(r.masks).toEqual([r.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']]);
    expect(r.lines.filter((l) => l.command?.data.startsWith('INJECTED'))).toEqual([]);
    // Where the config reader refuses such a value at parse time, the refusal is the one error line.
    if (r.exitCode === 0) {
      // The value is shown, escaped, on the plan's Source line.
      expect(r.stdout).toContain(`/nonexistent/token\\\\u{a}${line.replace(/[[\]_]/g, (c) => `\\${c}`)}`);
      expect(r.state).toEqual({});
    }
  });

  test('a lone CR ends a line for the runner: it is escaped too', async () => {
    const config = `[profile ci]\nweb_identity_token_file = /nonexistent/token\u2028::warning::INJECTED\u0085::error::INJECTED\nrole_arn = ${HUB}\n`;
    const r = await step({
      inputs: { 'config-file': CONFIG_FILE, profile: 'ci', 'dry-run': 'true', 'aws-region': 'us-east-1' },
      files: { [CONFIG_FILE]: config },
    });
    expectInert(r);
    // The config reader refuses the line breaks at parse time, by code point, without echoing the value.
    expect([r.exitCode, r.errors.length]).toEqual([1, 1]);
    expect(r.errors[0]).toMatch(/^InvalidConfigError: The setting "web_identity_token_file" of profile "ci" contains a line break \(U\+2028\)/);
    expect(r.errors[0]).not.toContain('INJECTED');
  });

  test('a line break in profiles-credentials-file is refused by name before anything is written', async () => {
    const job = new Job();
    try {
      const file = join(job.home, 'creds\r::warning::INJECTED\n::add-mask::INJECTED');
      const r = await job.runStep({
        node: NODE24_BIN,
        inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'profiles-credentials-file': file, 'aws-profile': 'dev' },
        env: s.oidcEnv,
      });
      expectInert(r);
      expect([r.exitCode, r.errors.length]).toEqual([1, 1]);
      expect(r.errors[0]).toMatch(/^Input 'profiles-credentials-file': /);
      expect(r.errors[0]).not.toContain('INJECTED');
      expect(r.masks.filter((m) => m.includes('INJECTED'))).toEqual([]);
      expect(r.stdout).not.toContain('Wrote ');
    } finally {
      await job.cleanup();
    }
  });

  test('a line break in AWS_SHARED_CREDENTIALS_FILE reaches the `Wrote …` line escaped', async () => {
    const job = new Job();
    try {
      const file = join(job.home, 'shared\n::error::INJECTED');
      const r = await job.runStep({
        node: NODE24_BIN,
        inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'aws-profile': 'dev' },
        env: { ...s.oidcEnv, AWS_SHARED_CREDENTIALS_FILE: file },
      });
      expectInert(r);
      expect(r.exitCode).toBe(0);
      expect(r.errors).toEqual([]);
      expect(r.stdout).toContain(`to ${job.home}/shared\\u{a}::error::INJECTED and `);
    } finally {
      await job.cleanup();
    }
  });

  test('a line break in sts-endpoint', async () => {
    for (const dryRun of ['true', 'false']) {
      const r = await step({
        inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'sts-endpoint': `${s.sts.url}/\n::warning::INJECTED`, 'dry-run': dryRun },
      });
      expectInert(r);
      expect(r.warnings).toEqual([]);
    }
  });

  test("STS's AssumedRoleUser.Arn in the `Assumed … as …` line", async () => {
    s.sts.setFault(HUB, {
      count: 1,
      assumedArn: 'arn:aws:sts::111111111111:assumed-role/github-hub/x\r::warning::INJECTED\u001b]8;;https://evil.example/\u001b\\',
    });
    const r = await step({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB } });
    expectInert(r);
    expect(r.warnings).toEqual([]);
    // The reply is not the session asked for: refused (one error line, the ARN escaped), nothing exported.
    expect([r.exitCode, r.errors.length]).toEqual([1, 1]);
    expect(r.errors[0]).toContain('UnexpectedReply: the STS reply was refused');
    expect(r.errors[0]).toContain('is not an STS session ARN');
    expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBeUndefined();
  });

  test('an error Code from STS in the retry line, and in the final error', async () => {
    s.sts.setFault(HUB, { count: 1, code: 'Throttling\r::add-mask::INJECTED', status: 503 });
    const r = await step({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB } });
    expectInert(r);
    expect(r.exitCode).toBe(0);
    // A code that is not an identifier is not believed: the retry line names no code from the peer.
    expect(r.stdout).toMatch(/attempt 1 failed \(UnknownError\); retrying/);
    expect(r.masks.filter((m) => m.includes('INJECTED'))).toEqual([]);
    s.sts.setFault(HUB, { count: -1, code: 'Denied\n::warning::INJECTED', message: 'no\r::error::INJECTED', status: 403 });
    const failed = await step({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB } });
    expectInert(failed);
    expect(failed.exitCode).toBe(1);
    expect(failed.warnings).toEqual([]);
    expect(failed.errors).toHaveLength(1);
  });
});

describe('issue 13 item 7: the job summary renders names and ARNs as text', () => {
  test('profile names and role-ARN paths with Markdown and HTML, dry-run', async () => {
    const evilRole = 'arn:aws:iam::222222222222:role/<img/src=x/onerror=alert(1)>/deployer';
    const config = `[profile ci]\nweb_identity_token_file = /nonexistent/token\nrole_arn = ${HUB}\n\n[profile [text](https://evil.example/)]\nrole_arn = ${evilRole}\nsource_profile = ci\nrole_session_name = s@x\n`;
    const r = await step({
      inputs: { 'config-file': CONFIG_FILE, profile: '?text?(https*', 'dry-run': 'true', 'aws-region': 'us-east-1' },
      files: { [CONFIG_FILE]: config },
    });
    expectInert(r);
    expect(markdownProblems(r.summary)).toEqual([]);
    if (r.exitCode === 0) {
      expect(r.summary).toContain('### \\[text\\](https://evil.example/)');
      expect(r.summary).toContain('role/&lt;img/src=x/onerror=alert(1)&gt;/deployer');
      expect(r.outputs['plan']).toBe(`${r.summary.trimEnd()}\n`);
    } else {
      // A profile-name rule may refuse the name at plan time: then one error line, and no summary.
      expect(r.errors).toHaveLength(1);
    }
  });
});

describe('mask-aws-account-id covers every place an account ID is printed or written', () => {
  const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];

  /** No account ID on any line but its own add-mask line, and each mask issued before any other output names it. */
  function expectHidden(r: StepResult, accounts: string[]): void {
    for (const line of r.lines) {
      if (line.command?.name === 'add-mask') continue;
      for (const id of accounts) expect([id, line.text.includes(id)]).toEqual([id, false]);
    }
    for (const text of [r.summary, r.outputs['plan'] ?? '']) for (const id of accounts) expect(text).not.toContain(id);
  }

  test('dry-run: the log, the summary and the plan output', async () => {
    const r = await step({
      inputs: { 'config-file': CONFIG_FILE, profile: 'target', 'dry-run': 'true', 'mask-aws-account-id': 'true' },
      files: { [CONFIG_FILE]: THREE_HOP_CONFIG },
    });
    expect(r.exitCode).toBe(0);
    expect(r.masks).toEqual(expect.arrayContaining(ACCOUNTS));
    expectHidden(r, ACCOUNTS);
    expect(r.outputs['plan']).toContain('| 3 | AssumeRole | arn:aws:iam::\\*\\*\\*:role/target |');
  });

  test('a real three-hop run: the `Assumed … as …` lines and the summary', async () => {
    const r = await step({
      inputs: { 'config-file': CONFIG_FILE, profile: 'target', 'mask-aws-account-id': 'true' },
      files: { [CONFIG_FILE]: THREE_HOP_CONFIG },
    });
    expect(r.errors).toEqual([]);
    expect(r.stdout).toContain('Assumed arn:aws:iam::***:role/target as arn:aws:sts::***:assumed-role/target/');
    expectHidden(r, ACCOUNTS);
    expect(r.summary).toContain('| 3 | AssumeRole | arn:aws:iam::\\*\\*\\*:role/target |');
  });

  test('a hop error naming both accounts', async () => {
    // The MFA role trusts only the IAM user: STS answers AccessDenied naming the hub session and the role.
    const r = await step({ inputs: { 'aws-region': 'us-east-1', 'role-chain': `${HUB}\n${MFA_ROLE}`, 'mask-aws-account-id': 'true' } });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain('arn:aws:iam::***:role/mfa-admin');
    expectHidden(r, ['111111111111', '222222222222']);
  });

  test('fan-out profiles named by account: the main and the post step', async () => {
    const job = new Job();
    try {
      const inputs = { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'fan-out-roles': `${memberRole(1)}\n${memberRole(2)}`, 'mask-aws-account-id': 'true' };
      const main = await job.runStep({ node: NODE24_BIN, inputs, env: s.oidcEnv });
      expect(main.errors).toEqual([]);
      expectHidden(main, ['111111111111', '400000000001', '400000000002']);
      const post = await job.runPost({ node: NODE24_BIN, env: s.oidcEnv });
      expect(post.errors).toEqual([]);
      expect(post.stdout).toContain('Removed profile(s) ***-audit, ***-audit');
      expectHidden(post, ['400000000001', '400000000002']);
    } finally {
      await job.cleanup();
    }
  });

  test('an account ID from an STS reply the plan did not name', async () => {
    s.sts.setFault(HUB, { count: 1, assumedArn: 'arn:aws:sts::999988887777:assumed-role/github-hub/x' });
    const r = await step({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'mask-aws-account-id': 'true' } });
    // The reply names another account: refused, and that account is hidden in the error like any other.
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toContain('UnexpectedReply');
    expectHidden(r, ['111111111111', '999988887777']);
  });
});
