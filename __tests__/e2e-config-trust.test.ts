/**
 * A checked-in config is code (issue 14 items 5–7, issue 13 item 1), end to end through dist/: files
 * that are not small regular files, a 10 000-deep chain, a continuation line that tries to inject a
 * workflow command, an endpoint_url outside AWS, `.git/config` as a token file, and what dry-run
 * guarantees (runs nothing, reads no token file, shows every target's endpoint, command and token file).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY, HUB, Scenario, TARGET, USER } from './support/scenario.js';
import type { StepResult } from './support/harness.js';

const posixTest = process.platform === 'win32' ? test.skip : test; // FIFOs, /dev/zero, 0.0.0.0 are POSIX here

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

const CONFIG_PATH = '.github/aws/config';
function writeConfig(text: string): string {
  mkdirSync(join(s.job.workspace, '.github', 'aws'), { recursive: true });
  writeFileSync(join(s.job.workspace, CONFIG_PATH), text);
  return CONFIG_PATH;
}

/** The workflow commands the step gave, by name (the runner would obey exactly these). */
const commands = (r: StepResult) => r.lines.filter((l) => l.command).map((l) => l.command!.name);

/** One clear error, no STS call, no token minted, nothing exported or written, no command but masks and the error. */
function refused(r: StepResult, message: string | RegExp, allowFiles: string[] = []): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  if (typeof message === 'string') expect(r.errors[0]).toContain(message);
  else expect(r.errors[0]).toMatch(message);
  expect(r.stdout + r.stderr).not.toMatch(/Unexpected error|\n\s+at /);
  expect(s.calls()).toHaveLength(0);
  expect(s.oidc.requests).toBe(0);
  expect(r.exportedEnv).toEqual({});
  expect(existsSync(join(s.job.home, '.aws'))).toBe(false);
  expect(commands(r).filter((c) => c !== 'add-mask' && c !== 'error')).toEqual([]);
  s.noLeaks(r, [join(s.job.workspace, CONFIG_PATH), ...allowFiles]);
}

describe('config and credentials files must be small regular files', () => {
  posixTest('a config that is a symlink to /dev/zero is refused at once', async () => {
    mkdirSync(join(s.job.workspace, '.github', 'aws'), { recursive: true });
    symlinkSync('/dev/zero', join(s.job.workspace, CONFIG_PATH));
    const r = await s.main({ inputs: { 'config-file': CONFIG_PATH, profile: 'ci' }, env: s.oidcEnv, timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    refused(r, `Input 'config-file': file "${CONFIG_PATH}" is a character device, not a regular file`);
  });

  posixTest('a credentials file that is a FIFO is refused without waiting for a writer', async () => {
    writeConfig(`[profile ci]\nrole_arn = ${DEPLOY}\nsource_profile = ci\n`);
    execFileSync('mkfifo', [join(s.job.workspace, 'creds')]);
    const r = await s.main({ inputs: { 'config-file': CONFIG_PATH, 'credentials-file': 'creds', profile: 'ci' }, env: s.oidcEnv, timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    refused(r, `Input 'credentials-file': file "creds" is a FIFO (named pipe), not a regular file`);
  });

  test('a config over 1 MiB is refused naming its size', async () => {
    const path = writeConfig(`[profile ci]\nrole_arn = ${HUB}\n# ${'x'.repeat(1024 * 1024)}\n`);
    const r = await s.main({ inputs: { 'config-file': path, profile: 'ci' }, env: s.oidcEnv });
    refused(r, /^Input 'config-file': file "\.github\/aws\/config" is 10\d{5} bytes; the limit is 1048576$/);
  });
});

test('a 10 000-deep source_profile chain: one clear error at the 101st hop, no stack overflow, nothing written', async () => {
  const parts = [`[profile p0]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n`];
  // Under the 1 MiB file cap: about 80 bytes a profile.
  for (let i = 1; i <= 10_000; i++) parts.push(`[profile p${i}]\nrole_arn = ${DEPLOY}\nsource_profile = p${i - 1}\n`);
  const r = await s.main({ inputs: { 'config-file': writeConfig(parts.join('\n')), profile: 'p10000', 'aws-region': 'us-east-1' }, env: s.stsEnv });
  refused(r, 'InvalidConfigError: The profile "p10000" is more than 100 roles deep (source_profile links); the action follows at most 100.');
  expect(r.annotations).toEqual([expect.objectContaining({ level: 'error', file: CONFIG_PATH, line: 6 + 4 * 9899 })]); // p9900's role_arn
});

describe('issue 13: a continuation line under web_identity_token_file', () => {
  const HOSTILE = `[profile ci]\nweb_identity_token_file = /nonexistent/token\n  ::warning file=README.md,line=1::INJECTED\nrole_arn = arn:aws:iam::111111111111:role/gh-oidc\nregion = us-east-1\n`;

  test.each([
    ['dry-run', { 'dry-run': 'true' }],
    ['a real run', {}],
  ])('%s: one clear error at the line, no injected command', async (_name, extra) => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(HOSTILE), profile: 'ci', ...extra }, env: s.oidcEnv });
    refused(r, 'InvalidConfigError: The setting "web_identity_token_file" of profile "ci" contains a line break (U+000A)');
    expect(r.warnings).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain('INJECTED');
    expect(r.annotations).toEqual([expect.objectContaining({ level: 'error', file: CONFIG_PATH, line: 2 })]);
  });
});

describe("a second profile's endpoint_url outside AWS", () => {
  const config = (endpoint: string) =>
    `[profile ci]\nweb_identity_token_file = /var/run/not-in-ci/token\nrole_arn = ${HUB}\nregion = us-east-1\n\n` +
    `[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = ci\nregion = us-east-1\n\n` +
    `[profile exfil]\nrole_arn = ${TARGET}\nsource_profile = ci\nregion = us-east-1\nendpoint_url = ${endpoint}\n`;

  test('is refused by default, naming the profile line, before any token is fetched', async () => {
    const r = await s.main({ inputs: { 'config-file': writeConfig(config('https://attacker.example/')), profile: 'deploy, exfil' }, env: s.oidcEnv });
    refused(
      r,
      `UntrustedEndpoint: endpoint_url "https://attacker.example/" is not an AWS STS endpoint or loopback, so the web identity token would go to attacker.example`,
    );
    expect(r.annotations).toEqual([expect.objectContaining({ level: 'error', file: CONFIG_PATH, line: 15 })]);
  });

  test('dry-run shows it in the plan for that target, then fails as the run would', async () => {
    const r = await s.main({
      inputs: { 'config-file': writeConfig(config('https://attacker.example/')), profile: 'deploy, exfil', 'dry-run': 'true' },
      env: s.oidcEnv,
    });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('UntrustedEndpoint: endpoint_url "https://attacker.example/"')]);
    const plan = r.outputs['plan']!;
    const exfil = plan.slice(plan.indexOf('### exfil'));
    expect(exfil).toContain('STS endpoint: https://attacker.example/');
    expect(plan.slice(plan.indexOf('### deploy'), plan.indexOf('### exfil'))).toContain('STS endpoint: default');
    expect(s.calls()).toHaveLength(0);
    expect(s.oidc.requests).toBe(0);
  });

  test('with allowed-sts-endpoints naming the host, dry-run passes and shows it', async () => {
    const r = await s.main({
      inputs: {
        'config-file': writeConfig(config('https://attacker.example/')),
        profile: 'deploy, exfil',
        'dry-run': 'true',
        'allowed-sts-endpoints': 'attacker.example',
      },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs['plan']).toContain('STS endpoint: https://attacker.example/');
    expect(s.oidc.requests).toBe(0);
  });

  posixTest('with allowed-sts-endpoints naming the host, a real run uses it', async () => {
    // 0.0.0.0 reaches this machine's emulator but is not loopback by the action's rule: refused unless listed.
    const port = new URL(s.sts.url).port;
    const refusedRun = await s.main({ inputs: { 'config-file': writeConfig(config(`http://0.0.0.0:${port}`)), profile: 'exfil' }, env: s.oidcEnv });
    refused(refusedRun, 'UntrustedEndpoint');
    const r = await s.main({
      inputs: { 'config-file': writeConfig(config(`http://0.0.0.0:${port}`)), profile: 'exfil', 'allowed-sts-endpoints': '0.0.0.0' },
      env: s.oidcEnv,
    });
    expect(r.errors).toEqual([]);
    expect(s.calls().map((c) => c.action)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole']);
    s.noLeaks(r, [join(s.job.home, '.aws', 'credentials')]);
  });
});

test('.git/config as the token file is refused before anything is read or sent, its content never shown', async () => {
  mkdirSync(join(s.job.workspace, '.git'), { recursive: true });
  const checkout = 'ghs_CHECKOUTTOKEN0123456789';
  writeFileSync(join(s.job.workspace, '.git', 'config'), `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${checkout}\n`);
  const path = writeConfig(`[profile ci]\nweb_identity_token_file = .git/config\nrole_arn = ${HUB}\nregion = us-east-1\n`);
  const r = await s.main({ inputs: { 'config-file': path, profile: 'ci' }, env: s.oidcEnv, secrets: [checkout] });
  refused(r, 'InvalidConfigError: web_identity_token_file names a file inside a .git directory, which is never a token file.', [
    join(s.job.workspace, '.git', 'config'),
  ]);
  expect(r.stdout + r.stderr).not.toContain(checkout);
});

test('a token file that is not a JWT is refused at call time without quoting it', async () => {
  writeFileSync(join(s.job.workspace, 'token'), 'root:x:0:0:root:/root:/bin/bash\n');
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'web-identity-token-file': 'token' }, env: s.stsEnv });
  refused(
    r,
    `Web identity token file ${join(s.job.workspace, 'token')} is not a JWT (three base64url parts separated by dots); its content is not sent or shown`,
  );
  expect(r.stdout + r.stderr).not.toContain('root:x:0:0');
});

describe('dry-run guarantees', () => {
  posixTest('runs no credential_process, reads no token file, contacts nothing, and shows every endpoint, command and token file', async () => {
    const marker = join(s.job.workspace, 'process-ran');
    // The token file is a FIFO: reading it (or even opening it as the reader does) would refuse or block.
    execFileSync('mkfifo', [join(s.job.workspace, 'token.fifo')]);
    const path = writeConfig(
      `[profile web]\nweb_identity_token_file = token.fifo\nrole_arn = ${HUB}\nregion = us-east-1\n\n` +
        `[profile proc]\ncredential_process = sh -c "touch ${marker}; exit 1"\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9/second\n\n` +
        `[profile from-proc]\nrole_arn = ${DEPLOY}\nsource_profile = proc\nregion = eu-west-1\nendpoint_url = http://localhost:9/third\n`,
    );
    const r = await s.main({ inputs: { 'config-file': path, profile: 'web, proc, from-proc', 'dry-run': 'true' }, env: s.oidcEnv });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(s.calls()).toHaveLength(0);
    expect(s.oidc.requests).toBe(0);
    expect(r.exportedEnv).toEqual({});
    const plan = r.outputs['plan']!;
    const section = (name: string) => plan.slice(plan.indexOf(`### ${name}\n`)).split(/\n### /)[0]!;
    expect(section('web')).toContain('web identity token file token.fifo');
    expect(section('proc')).toContain(`credential_process of profile "proc": sh -c "touch ${marker.replace(/_/g, '\\_')}; exit 1"`);
    expect(section('proc')).toContain('STS endpoint: http://127.0.0.1:9/second, region eu-west-1');
    expect(section('from-proc')).toContain(`credential_process of profile "proc"`);
    expect(section('from-proc')).toContain('STS endpoint: http://localhost:9/third');
    expect(readdirSync(s.job.workspace).sort()).toEqual(['.github', 'token.fifo']);

    // The first target's endpoint_url is not the next one's default (it once was: plan.stsEndpoint).
    const reordered = await s.main({ inputs: { 'config-file': path, profile: 'proc, web', 'dry-run': 'true' }, env: s.oidcEnv });
    const again = reordered.outputs['plan']!;
    expect(again.slice(again.indexOf('### web\n'))).toContain("STS endpoint: default (AWS_ENDPOINT_URL_STS if set, else the region's), region us-east-1");
    expect(existsSync(marker)).toBe(false);
  });
});

describe('input errors name the input the user typed, through the bundle', () => {
  test('config mode: a bad aws-profile is refused before any call, naming aws-profile', async () => {
    const path = writeConfig(`[profile ci]\nweb_identity_token_file = /var/run/not-in-ci/token\nrole_arn = ${HUB}\nregion = us-east-1\n`);
    const r = await s.main({ inputs: { 'config-file': path, profile: 'ci', 'aws-profile': 'bad name' }, env: s.oidcEnv });
    refused(r, `Input 'aws-profile': the profile name "bad name" contains whitespace or control characters`);
  });

  test.each([
    ['http-proxy', { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'http-proxy': 'http://[::1' }, "Input 'http-proxy': is not a URL"],
    [
      'aws-profile',
      { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'aws-profile': 'bad name' },
      'Input \'aws-profile\': the profile name "bad name" contains whitespace',
    ],
    [
      'sts-endpoint',
      { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'sts-endpoint': 'https://sts.amazonaws.com\n::warning::x' },
      "Input 'sts-endpoint': contains a line break (U+000A)",
    ],
    [
      'role-session-name',
      { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'role-session-name': 'ok\r::warning::x' },
      "Input 'role-session-name': contains a line break (U+000D)",
    ],
    ['env-profile', { 'aws-region': 'us-east-1', 'role-to-assume': HUB, 'env-profile': 'nope' }, `Input 'env-profile': no target named "nope"`],
  ])('%s', async (_name, inputs, message) => {
    const r = await s.main({ inputs, env: s.oidcEnv });
    refused(r, message);
    expect(r.warnings).toEqual([]);
  });
});
