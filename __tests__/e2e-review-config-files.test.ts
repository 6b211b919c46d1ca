/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * REVIEW (issue 14 item 5): hostile checked-in config files of my own. Each must give success or ONE
 * one-line typed error — no Unexpected error, no stack, nothing on stderr, no command but masks and the
 * error, within a generous deadline. Failing tests are findings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Scenario, HUB, DEPLOY } from './support/scenario.js';
import type { StepResult } from './support/harness.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

function write(bytes: Buffer | string): string {
  fs.mkdirSync(path.join(s.job.dirs.workspace, '.github', 'aws'), { recursive: true });
  fs.writeFileSync(path.join(s.job.dirs.workspace, '.github', 'aws', 'config'), bytes);
  return '.github/aws/config';
}

function tidy(r: StepResult): void {
  expect(r.timedOut).toBe(false);
  const cmds = r.lines
    .filter((l) => l.command)
    .map((l) => l.command!.name)
    .filter((n) => n !== 'add-mask' && n !== 'error');
  expect(cmds).toEqual([]);
  expect(r.stdout + r.stderr).not.toMatch(/Unexpected error|\n\s+at |RangeError|TypeError|heap/);
  expect(r.stderr).toBe('');
  expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/);
  if (r.exitCode !== 0) expect(r.errors).toHaveLength(1);
}

const base = `[profile ci]\nweb_identity_token_file = /var/run/not-in-ci/token\nrole_arn = ${HUB}\n\n[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = ci\nexternal_id = deploy-ext-42\n`;

const FILES: [string, () => Buffer | string][] = [
  ['UTF-8 BOM', () => `\ufeff${base}`],
  ['UTF-16LE with BOM', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(base, 'utf16le')])],
  ['invalid UTF-8 in a value', () => Buffer.concat([Buffer.from(base.replace('deploy-ext-42', 'deploy-ext-')), Buffer.from([0xff, 0xfe, 0x0a])])],
  [
    'invalid UTF-8 in a section name',
    () => Buffer.concat([Buffer.from(base), Buffer.from('[profile x'), Buffer.from([0xc3, 0x28]), Buffer.from(']\nregion = us-east-1\n')]),
  ],
  ['NUL in a comment and a key', () => `${base}# \u0000 comment\nre\u0000gion = us-east-1\n`],
  ['CR-only line ends', () => base.replace(/\n/g, '\r')],
  ['mixed CRLF and a lone CR inside a value', () => base.replace(/\n/g, '\r\n').replace('deploy-ext-42', 'deploy-\rext-42')],
  ['a header with a C1 control (NEL)', () => base.replace('[profile deploy]', '[profile deploy\u0085x]')],
  ['duplicate sections and keys', () => `${base}\n[profile deploy]\nrole_arn = arn:aws:iam::999999999999:role/other\nrole_arn = ${DEPLOY}\n`],
  [
    'source_profile cycle of two',
    () =>
      `[profile a]\nrole_arn = ${DEPLOY}\nsource_profile = b\n[profile b]\nrole_arn = ${HUB}\nsource_profile = a\n[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = a\n`,
  ],
  ['a 900 kB single line value', () => `${base}[profile big]\nrole_arn = arn:aws:iam::222222222222:role/${'p'.repeat(900_000)}\n`],
  [
    'sections named like JS object keys',
    () =>
      base +
      `[profile __proto__]\nregion = us-east-1\n[profile constructor]\nrole_arn = ${DEPLOY}\nsource_profile = hasOwnProperty\n[profile hasOwnProperty]\nweb_identity_token_file = /x\nrole_arn = ${HUB}\n`,
  ],
];

test.each(FILES.map(([n, f]) => [n, f] as const))('%s', async (_name, make) => {
  const r = await s.main({
    inputs: { 'config-file': write(make()), profile: 'deploy', 'aws-region': 'us-east-1', 'dry-run': 'true' },
    env: s.oidcEnv,
    timeoutMs: 30_000,
  });
  tidy(r);
});

test('profile glob matching 12 000 profiles in dry-run: a clear answer within the deadline', async () => {
  const parts = [base];
  for (let i = 0; i < 12_000; i++) parts.push(`[profile p${i}]\nrole_arn = ${DEPLOY}\nsource_profile = ci\n`);
  const r = await s.main({
    inputs: { 'config-file': write(parts.join('')), profile: 'p*', 'aws-region': 'us-east-1', 'dry-run': 'true' },
    env: s.oidcEnv,
    timeoutMs: 120_000,
  });
  tidy(r);
}, 150_000);
