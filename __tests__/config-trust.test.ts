/**
 * Issue 14 items 5–7 and issue 13 item 1 (parse-time refusal), pure and file-level parts: the bounded
 * reader, the hop limit, the one character rule, where a token may be sent, token files, and input
 * errors that name the input typed. End to end through dist/: e2e-config-trust.test.ts.
 */
import { outputChoices } from '../src/plan/outputChoices.js';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROFILE_FILE_CAP, TOKEN_FILE_CAP, gitPathProblem, readBoundedFile } from '../src/config/boundedFile.js';
import { parseConfigText } from '../src/config/configparser.js';
import { buildProfileMap } from '../src/config/profiles.js';
import { ConfigError, InputError, UserError } from '../src/base/errors.js';
import { forbiddenCharProblem } from '../src/base/constraints.js';
import { endpointProblem, isAwsStsHost, parseAllowedHost, untrustedEndpoint } from '../src/net/endpointTrust.js';
import { MAX_ROLE_HOPS, resolveProfileChain, type ResolveContext } from '../src/plan/resolveProfileChain.js';
import type { Plan } from '../src/base/types.js';
import { readTokenFile } from '../src/sources/tokenFile.js';
import { readSettings } from '../src/settings/settings.js';
import { buildInputPlan } from '../src/plan/buildInputPlan.js';
import { checkTargetNames } from '../src/config/profileName.js';
import { ACTION_YML, Job, NODE24_BIN, inputEnvName, readActionInputDefaults } from './support/harness.js';

const posix = process.platform !== 'win32';
/** POSIX-only cases: FIFOs, /dev/zero and symlinks without privileges do not exist on Windows. */
const posixTest = posix ? test : test.skip;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'config-trust-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vciJ9.c2lnbmF0dXJl';

describe('the bounded reader', () => {
  test('reads a regular file, and a symlink to one (botocore follows symlinks too)', () => {
    writeFileSync(join(dir, 'config'), '[profile a]\n');
    expect(readBoundedFile(join(dir, 'config'), PROFILE_FILE_CAP)).toEqual({ ok: true, data: Buffer.from('[profile a]\n') });
    if (!posix) return;
    symlinkSync(join(dir, 'config'), join(dir, 'link'));
    expect(readBoundedFile(join(dir, 'link'), PROFILE_FILE_CAP)).toEqual({ ok: true, data: Buffer.from('[profile a]\n') });
  });

  test('a missing file, a directory and an oversized file are refused with a reason', () => {
    expect(readBoundedFile(join(dir, 'nope'), 10)).toMatchObject({ ok: false, reason: 'missing' });
    expect(readBoundedFile(dir, 10)).toMatchObject({ ok: false, reason: 'not-regular' });
    writeFileSync(join(dir, 'big'), 'x'.repeat(11));
    expect(readBoundedFile(join(dir, 'big'), 10)).toEqual({ ok: false, reason: 'too-large', detail: 'is 11 bytes; the limit is 10' });
    writeFileSync(join(dir, 'exact'), 'x'.repeat(10));
    expect(readBoundedFile(join(dir, 'exact'), 10)).toMatchObject({ ok: true });
  });

  posixTest('a symlink to /dev/zero is refused at once, not read without end', () => {
    symlinkSync('/dev/zero', join(dir, 'config'));
    expect(readBoundedFile(join(dir, 'config'), PROFILE_FILE_CAP)).toEqual({
      ok: false,
      reason: 'not-regular',
      detail: 'is a character device, not a regular file',
    });
  });

  posixTest('a FIFO with no writer is refused without waiting for one', () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(readBoundedFile(join(dir, 'fifo'), TOKEN_FILE_CAP)).toEqual({
      ok: false,
      reason: 'not-regular',
      detail: 'is a FIFO (named pipe), not a regular file',
    });
  });
});

describe('web identity token files', () => {
  const env = () => ({ GITHUB_WORKSPACE: dir });

  test('a JWT is read as written, trailing newline included', () => {
    writeFileSync(join(dir, 'token'), `${JWT}\n`);
    expect(readTokenFile('token', env())).toBe(`${JWT}\n`);
  });

  test('content that is not a JWT is refused and never quoted', () => {
    const content = '[core]\n\turl = https://x-access-token:ghs_SECRET@github.com/o/r\n';
    writeFileSync(join(dir, 'token'), content);
    const err = caught(() => readTokenFile('token', env()));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(
      `Web identity token file ${join(dir, 'token')} is not a JWT (three base64url parts separated by dots); its content is not sent or shown`,
    );
    expect(err.message).not.toContain('ghs_SECRET');
  });

  test('a file inside .git is refused before it is opened, also through a symlink', () => {
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'config'), JWT); // even JWT-shaped content
    expect(caught(() => readTokenFile('.git/config', env())).message).toContain('names a file inside a .git directory');
    if (!posix) return;
    symlinkSync(join(dir, '.git', 'config'), join(dir, 'innocent'));
    expect(caught(() => readTokenFile('innocent', env())).message).toContain('names a file inside a .git directory');
    expect(gitPathProblem('a/.GIT/b')).toBeDefined();
    expect(gitPathProblem('a/.github/token')).toBeUndefined();
  });

  test('a token file over 16 kB is refused without being read whole', () => {
    writeFileSync(join(dir, 'token'), `${JWT}${'A'.repeat(TOKEN_FILE_CAP)}`);
    expect(caught(() => readTokenFile('token', env())).message).toMatch(/is \d+ bytes; the limit is 16384$/);
  });

  posixTest('a token file that is a symlink to /dev/zero is refused', () => {
    symlinkSync('/dev/zero', join(dir, 'token'));
    expect(caught(() => readTokenFile('token', env())).message).toBe(`Web identity token file ${join(dir, 'token')} is a character device, not a regular file`);
  });
});

const CONFIG = '/repo/.github/aws/config';
const ctx: ResolveContext = { defaultSessionName: 'gha', fileExists: () => false, githubOidc: { audience: 'sts.amazonaws.com' } };
const resolve = (text: string, profile: string) => resolveProfileChain(buildProfileMap({ doc: parseConfigText(text, CONFIG), path: CONFIG }), profile, ctx);

/** `[profile p0]` with keys, then p1…pN each assuming a role from the one before. */
function deepChain(depth: number): string {
  const parts = ['[profile p0]\naws_access_key_id = AKIADEEP\naws_secret_access_key = s\n'];
  for (let i = 1; i <= depth; i++) parts.push(`[profile p${i}]\nrole_arn = arn:aws:iam::111111111111:role/r${i}\nsource_profile = p${i - 1}\n`);
  return parts.join('\n');
}

describe('source_profile chains: a documented hop limit, no recursion', () => {
  test(`${MAX_ROLE_HOPS} roles deep is accepted, in call order`, () => {
    const hops = resolve(deepChain(MAX_ROLE_HOPS), `p${MAX_ROLE_HOPS}`).chain.hops;
    expect(hops).toHaveLength(MAX_ROLE_HOPS);
    expect([hops[0]!.roleArn, hops[MAX_ROLE_HOPS - 1]!.roleArn]).toEqual([
      'arn:aws:iam::111111111111:role/r1',
      `arn:aws:iam::111111111111:role/r${MAX_ROLE_HOPS}`,
    ]);
  });

  test.each([MAX_ROLE_HOPS + 1, 5000, 10000])('%i deep is one clear error at the first hop past the limit', (depth) => {
    const err = caught(() => resolve(deepChain(depth), `p${depth}`));
    expect(err).toBeInstanceOf(ConfigError);
    const lineOf = (name: string) => deepChain(depth).split('\n').indexOf(`[profile ${name}]`) + 2;
    const past = `p${depth - MAX_ROLE_HOPS}`;
    expect(err.message).toBe(
      `InvalidConfigError: The profile "p${depth}" is more than ${MAX_ROLE_HOPS} roles deep (source_profile links); the action follows at most ${MAX_ROLE_HOPS}. [${CONFIG}:${lineOf(past)} (profile "${past}")]`,
    );
  });

  test("a cycle is still botocore's InfiniteLoopConfigError", () => {
    const text =
      '[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::111111111111:role/b\nsource_profile = a\n';
    expect(caught(() => resolve(text, 'a')).message).toContain(
      "InfiniteLoopConfigError: Infinite loop in credential configuration detected. Attempting to load from profile a which has already been visited. Visited profiles: ['a', 'b']",
    );
  });
});

describe('one character rule, at parse/plan time', () => {
  test.each([
    ['LF', 'a\nb', 'a line break (U+000A)'],
    ['lone CR', 'a\rb', 'a line break (U+000D)'],
    ['NEL', 'a\u0085b', 'a line break (U+0085)'],
    ['LINE SEPARATOR', 'a\u2028b', 'a line break (U+2028)'],
    ['PARAGRAPH SEPARATOR', 'a\u2029b', 'a line break (U+2029)'],
    ['ESC', 'a\u001b[31mb', 'a control character (U+001B)'],
    ['DEL', 'a\u007fb', 'a control character (U+007F)'],
    ['RLO', 'a\u202eb', 'a bidi control (U+202E)'],
    ['RLI', 'a\u2067b', 'a bidi control (U+2067)'],
    ['NUL', 'a\u0000b', 'a control character (U+0000)'],
  ])('%s is refused and named by code point', (_name, value, what) => {
    expect(forbiddenCharProblem(value)).toBe(`contains ${what}, which AWS does not accept here and the log must not show`);
  });

  test('ordinary text, non-ASCII letters, and tab/LF where allowed pass', () => {
    expect(forbiddenCharProblem('arn:aws:iam::111111111111:role/path/name+=,.@-')).toBeUndefined();
    expect(forbiddenCharProblem('/home/ü/token')).toBeUndefined();
    expect(forbiddenCharProblem('a\tb\nc', { tab: true, lineBreaks: true })).toBeUndefined();
    expect(forbiddenCharProblem('a\tb')).toBeDefined();
  });

  test('the issue-13 continuation line under web_identity_token_file is one config error at its line, not echoed', () => {
    const text =
      '[profile ci]\nweb_identity_token_file = /nonexistent/token\n  ::warning file=README.md,line=1::INJECTED\nrole_arn = arn:aws:iam::111111111111:role/gh-oidc\nregion = us-east-1\n';
    const err = caught(() => resolve(text, 'ci'));
    expect(err.message).toBe(
      `InvalidConfigError: The setting "web_identity_token_file" of profile "ci" contains a line break (U+000A), which AWS does not accept here and the log must not show. [${CONFIG}:2 (profile "ci")]`,
    );
    expect(err.message).not.toContain('INJECTED');
  });

  test.each([
    ['role_arn', 'role_arn = arn:aws:iam::111111111111:role/a\u202e'],
    ['role_session_name', 'role_session_name = ok\u001b]8;;x\u0007'],
    ['external_id', 'external_id = abc\u0007::error::x'],
    ['region', 'region = us-east\u2028-1'],
    ['endpoint_url', 'endpoint_url = http://127.0.0.1:1/\u0085x'],
    ['source_profile', 'source_profile = base\u200f'],
  ])('%s with a forbidden character is refused naming the setting', (key, line) => {
    const base = '[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = s\n';
    const profile = `[profile app]\nrole_arn = arn:aws:iam::111111111111:role/app\nsource_profile = base\nregion = us-east-1\n`;
    const lines = profile.split('\n').filter((l) => !l.startsWith(`${key} =`));
    const err = caught(() => resolve(`${base}${[...lines.slice(0, 1), line, ...lines.slice(1)].join('\n')}`, 'app'));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(
      new RegExp(`^InvalidConfigError: The setting "${key}" of profile "app" contains a (line break|control character|bidi control) \\(U\\+[0-9A-F]{4}\\)`),
    );
    expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200f\u202e]/);
  });
});

describe('where a web identity token may go', () => {
  test.each([
    'https://sts.amazonaws.com',
    'https://sts.us-east-1.amazonaws.com/',
    'https://sts-fips.us-gov-west-1.amazonaws.com',
    'https://sts.cn-north-1.amazonaws.com.cn',
    'https://sts.eu-west-1.api.aws',
    'https://sts.us-iso-east-1.c2s.ic.gov',
    'https://sts.us-isob-east-1.sc2s.sgov.gov',
    'https://sts.eu-isoe-west-1.cloud.adc-e.uk',
    'https://sts.us-isof-south-1.csp.hci.ic.gov',
    'https://vpce-0abc123-xyz.sts.eu-west-1.vpce.amazonaws.com',
    'http://127.0.0.1:4566',
    'http://localhost:8080/',
    'http://[::1]:9/',
  ])('%s is trusted by default', (url) => {
    expect(endpointProblem(url, [])).toBeUndefined();
  });

  test.each([
    ['https://attacker.example/', 'attacker.example'],
    ['https://abc123.execute-api.us-east-1.amazonaws.com/prod', 'abc123.execute-api.us-east-1.amazonaws.com'],
    ['https://sts-fips.s3.amazonaws.com', 'sts-fips.s3.amazonaws.com'],
    ['https://sts.amazonaws.com.attacker.example', 'sts.amazonaws.com.attacker.example'],
    ['https://sts.amazonaws.com@attacker.example/', 'attacker.example'],
    ['http://10.0.0.1/', '10.0.0.1'],
  ])('%s is refused by default, naming the host', (url, host) => {
    expect(endpointProblem(url, [])).toContain(`so the web identity token would go to ${host}; list the host in the 'allowed-sts-endpoints' input`);
  });

  test('an AWS STS host over plain HTTP is refused; a listed host is allowed', () => {
    expect(endpointProblem('http://sts.amazonaws.com', [])).toBe('"http://sts.amazonaws.com" is not HTTPS');
    expect(endpointProblem('https://sts.corp.example/', ['sts.corp.example'])).toBeUndefined();
    expect(endpointProblem('https://a.b.corp.example/', ['*.corp.example'])).toBeUndefined();
    expect(endpointProblem('https://corp.example.evil/', ['*.corp.example'])).toBeDefined();
    expect(isAwsStsHost('sts.amazonaws.com')).toBe(true);
  });

  test('allowed-sts-endpoints entries: host names, *. wildcards, URLs; anything else names the input', () => {
    expect(['STS.Corp.Example', '*.corp.example', 'https://sts.corp.example:8443/x'].map(parseAllowedHost)).toEqual([
      'sts.corp.example',
      '*.corp.example',
      'sts.corp.example',
    ]);
    const err = caught(() => parseAllowedHost('not a host'));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`Input 'allowed-sts-endpoints': "not a host" is not a host name (e.g. sts.example.com or *.example.com)`);
  });

  const target = (name: string, stsEndpoint?: string, line?: number) => ({
    name,
    chain: { source: { kind: 'web-identity' as const, token: { kind: 'github-oidc' as const, audience: 'sts.amazonaws.com' } }, hops: [] },
    ...(stsEndpoint ? { stsEndpoint } : {}),
    ...(line ? { stsEndpointOrigin: { where: '.github/aws/config', line, profile: name } } : {}),
  });

  test("a second profile's endpoint_url is refused naming its line; the sts-endpoint input is trusted as written", () => {
    const plan: Plan = { region: 'us-east-1', stsEndpoint: undefined, targets: [target('dev'), target('prod', 'https://attacker.example/', 12)] };
    const err = untrustedEndpoint(plan, { allowed: [], env: {} });
    expect(err?.message).toBe(
      `UntrustedEndpoint: endpoint_url "https://attacker.example/" is not an AWS STS endpoint or loopback, so the web identity token would go to attacker.example; list the host in the 'allowed-sts-endpoints' input if it is yours [.github/aws/config:12 (profile "prod")]`,
    );
    expect(untrustedEndpoint(plan, { allowed: ['attacker.example'], env: {} })).toBeUndefined();
    const fromInput: Plan = { region: 'us-east-1', stsEndpoint: 'https://sts.corp.example', targets: [target('dev', 'https://sts.corp.example')] };
    expect(untrustedEndpoint(fromInput, { trusted: 'https://sts.corp.example', allowed: [], env: {} })).toBeUndefined();
  });

  test('AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL are checked when nothing else names the endpoint', () => {
    const plan: Plan = { region: 'us-east-1', targets: [target('dev')] };
    expect(untrustedEndpoint(plan, { allowed: [], env: { AWS_ENDPOINT_URL: 'https://evil.example' } })?.message).toMatch(
      /^Environment variable AWS_ENDPOINT_URL: "https:\/\/evil.example" is not an AWS STS endpoint/,
    );
    expect(untrustedEndpoint(plan, { allowed: [], env: { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' } })).toBeUndefined();
    expect(untrustedEndpoint(plan, { allowed: [], env: { AWS_ENDPOINT_URL_STS: 'https://x\n::warning::y' } })?.message).toBe(
      'Environment variable AWS_ENDPOINT_URL_STS: the endpoint contains a line break (U+000A), which AWS does not accept here and the log must not show',
    );
  });
});

describe('every input error names the input the user typed', () => {
  const declared = readActionInputDefaults(ACTION_YML);
  const keys = { 'aws-access-key-id': 'AKIAEXAMPLEKEY000001', 'aws-secret-access-key': 'secret/with+chars', 'aws-region': 'us-east-1' };
  const github = { repository: 'o/r', workflow: 'w', action: 'a', actor: 'u', sha: 'a'.repeat(40), ref: 'refs/heads/main', runId: '1', runAttempt: '1' };
  function inputError(inputs: Record<string, string>): InputError {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_') || k.startsWith('ACTIONS_ID_TOKEN') || k.startsWith('AWS_')) delete process.env[k];
    for (const [k, v] of Object.entries({ ...declared, ...keys, ...inputs })) process.env[inputEnvName(k)] = v;
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // the ::add-mask:: lines
    try {
      const settings = readSettings(process.env);
      const plan = buildInputPlan(settings, github);
      const write = outputChoices(settings, plan.targets.length).writeProfiles;
      checkTargetNames(plan, { mode: settings.mode, profileOutput: { write, awsProfile: settings.profileOutput.awsProfile } });
    } catch (err) {
      if (err instanceof InputError) return err;
      throw err;
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
    throw new Error('expected an InputError');
  }
  const A = 'arn:aws:iam::111111111111:role/a';

  test.each([
    ['a malformed http-proxy', { 'role-to-assume': A, 'http-proxy': 'http://[::1' }, 'http-proxy'],
    ['a bad aws-profile', { 'role-to-assume': A, 'aws-profile': 'bad name' }, 'aws-profile'],
    ['a line break in sts-endpoint', { 'role-to-assume': A, 'sts-endpoint': 'https://sts.amazonaws.com\n::warning::x' }, 'sts-endpoint'],
    ['a lone CR in role-session-name', { 'role-to-assume': A, 'role-session-name': 'ok\r::error::x' }, 'role-session-name'],
    ['an ESC in role-to-assume', { 'role-to-assume': `${A}\u001b[2J` }, 'role-to-assume'],
    ['a bidi control in a role-chain line', { 'role-chain': `${A}\narn:aws:iam::222222222222:role/b\u202e` }, 'role-chain'],
    ['U+2028 in aws-region', { 'role-to-assume': A, 'aws-region': 'us-east\u2028-1' }, 'aws-region'],
    ['a line break in a secret', { 'role-to-assume': A, 'aws-session-token': 'tok\nen' }, 'aws-session-token'],
    ['an unknown allowed-sts-endpoints entry', { 'role-to-assume': A, 'allowed-sts-endpoints': 'sts.corp.example, bad host' }, 'allowed-sts-endpoints'],
  ])('%s', (_name, inputs, input) => {
    const err = inputError(inputs as Record<string, string>);
    expect(err.input).toBe(input);
    expect(err.message.startsWith(`Input '${input}'`)).toBe(true);
    expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]|::warning::|::error::/);
    expect(err.message).not.toContain('secret/with+chars');
  });

  test("a stray % in the proxy user or password (once 'Unexpected error: URI malformed') is refused naming the input, the password masked and never quoted", async () => {
    for (const proxy of ['http://u:p%zz@proxy:3128', 'http://u%zz:p@proxy:3128']) {
      const err = inputError({ ...keys, 'role-to-assume': A, 'http-proxy': proxy });
      expect(err.input).toBe('http-proxy');
      expect(err.message).toMatch(/^Input 'http-proxy': has a '%' in the user or password that is not a %XX escape/);
      expect(err.message).not.toContain('p%zz');
      expect(err.message).not.toContain('proxy:3128');
    }
    // A well-formed escape is still taken, and both forms of the password are masked.
    const saved = { ...process.env };
    try {
      for (const [k, v] of Object.entries({ ...declared, ...keys, 'role-to-assume': A, 'http-proxy': 'http://u:p%25zz@proxy:3128' }))
        process.env[inputEnvName(k)] = v;
      expect(readSettings(process.env).proxy.httpProxy).toBe('http://u:p%25zz@proxy:3128');
    } finally {
      process.env = saved;
    }
    // Through the bundle, as the runner reads the mask back (command data escapes % as %25).
    const job = new Job();
    try {
      const r = await job.runStep({ node: NODE24_BIN, inputs: { ...keys, 'role-to-assume': A, 'http-proxy': 'http://u:p%zz@proxy:3128', 'dry-run': 'true' } });
      expect(r.exitCode).toBe(1);
      expect(r.errors).toEqual(["Input 'http-proxy': has a '%' in the user or password that is not a %XX escape (write a literal % as %25)"]);
      expect(r.masks).toContain('p%zz');
      expect(r.maskedLog).not.toContain('p%zz');
      expect(
        r.stdout
          .split('\n')
          .filter((l) => l.includes('p%25zz') || l.includes('p%zz'))
          .every((l) => l.startsWith('::add-mask::')),
      ).toBe(true);
    } finally {
      await job.cleanup();
    }
  });

  test('multi-line inputs still take their lines (CRLF too)', () => {
    const saved = { ...process.env };
    try {
      for (const [k, v] of Object.entries({ ...declared, ...keys, 'role-chain': `${A}\r\narn:aws:iam::222222222222:role/b\r\n` }))
        process.env[inputEnvName(k)] = v;
      const plan = buildInputPlan(readSettings(process.env), github);
      expect(plan.targets[0]!.chain.hops.map((h) => h.roleArn)).toEqual([A, 'arn:aws:iam::222222222222:role/b']);
    } finally {
      process.env = saved;
    }
  });
});

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

test('a region from the environment with a bidi control or line break is refused naming the variable, not echoed', () => {
  const saved = { ...process.env };
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_') || k.startsWith('AWS_')) delete process.env[k];
    for (const [k, v] of Object.entries({
      ...readActionInputDefaults(ACTION_YML),
      'role-to-assume': 'arn:aws:iam::111111111111:role/a',
      'web-identity-token-file': 't',
    }))
      process.env[inputEnvName(k)] = v;
    process.env['AWS_REGION'] = 'eu\u202ewest-1';
    const github = { repository: 'o/r', workflow: 'w', action: 'a', actor: 'u', sha: 'a'.repeat(40), ref: 'refs/heads/main', runId: '1', runAttempt: '1' };
    const err = caught(() => buildInputPlan(readSettings(process.env), github));
    expect(err.message).toBe('Environment variable AWS_REGION: contains a bidi control (U+202E), which AWS does not accept here and the log must not show');
  } finally {
    process.env = saved;
  }
});

test('session tags: a line separator in a custom tag (JSON escape) is refused; in the GitHub context it is replaced', async () => {
  const { tagProblem, sanitizeTagValue } = await import('../src/base/constraints.js');
  expect(tagProblem('Team\u2028x', 'v')).toBe('a tag key contains a line break (U+2028), which AWS does not accept here and the log must not show');
  expect(tagProblem('Team', 'a\u2029b')).toBe('tag "Team" value contains a line break (U+2029), which AWS does not accept here and the log must not show');
  expect(sanitizeTagValue('Deploy\u2028::warning::x')).toBe('Deploy_::warning::x');
});
