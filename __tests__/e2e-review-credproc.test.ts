/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * REVIEW (issue 14 item 4, issue 13 item 2): what a config credential_process prints on stdout, in odd
 * shapes, must never be shown unmasked nor steer the runner. Failing tests are findings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Scenario, DEPLOY } from './support/scenario.js';

const posixTest = process.platform !== 'win32' ? test : test.skip; // the command is a node script path with POSIX quoting

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

const SECRET = 'Zq8PrivateValuePrintedByTheProcess0042';

const OUTPUTS: [string, unknown, number?][] = [
  ['secret as an array', { Version: 1, AccessKeyId: 'AKIAEMULATORUSER0001', SecretAccessKey: [SECRET] }],
  ['secret as an object', { Version: 1, AccessKeyId: 'AKIAEMULATORUSER0001', SecretAccessKey: { v: SECRET } }],
  [
    'session token as a number-like string in an object',
    { Version: 1, AccessKeyId: 'AKIAEMULATORUSER0001', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', SessionToken: { t: SECRET } },
  ],
  ['secret in the Version field', { Version: SECRET, AccessKeyId: 'AKIAEMULATORUSER0001', SecretAccessKey: SECRET }],
  [
    'secret in Expiration',
    { Version: 1, AccessKeyId: 'AKIAEMULATORUSER0001', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', Expiration: SECRET },
  ],
  [
    'secret as an extra field, command in another',
    { Version: 1, AccessKeyId: 'AKIAEMULATORUSER0001', SecretAccessKey: `bad shape ${SECRET}`, Note: '\n::warning::X' },
  ],
  ['key id with the secret', { Version: 1, AccessKeyId: `${SECRET} x`, SecretAccessKey: SECRET }],
  ['not JSON, secret in the text, exit 0', `oops ${SECRET}`],
  ['valid JSON then exit 3 with the secret on stderr twice and a command', { Version: 1, AccessKeyId: 'AKIAEMULATORUSER0001', SecretAccessKey: SECRET }, 3],
];

posixTest.each(OUTPUTS.map(([n, o, c]) => [n, o, c ?? 0] as const))('%s', async (_name, output, code) => {
  const dir = path.join(s.job.dirs.workspace, 'proc');
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, 'creds.mjs');
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  fs.writeFileSync(
    script,
    `process.stdout.write(${JSON.stringify(text)});\nprocess.stderr.write(${JSON.stringify(`err ${SECRET}\r::warning::STDERR-INJ\n${SECRET}`)});\nprocess.exitCode = ${code};\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'config'),
    `[profile proc]\ncredential_process = "${process.execPath}" "${script}"\n\n[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = proc\nexternal_id = deploy-ext-42\n`,
  );
  const r = await s.main({ inputs: { 'config-file': 'proc/config', profile: 'deploy', 'aws-region': 'us-east-1' }, env: s.stsEnv });
  const cmds = r.lines
    .filter((l) => l.command)
    .map((l) => l.command!.name)
    .filter((n) => n !== 'add-mask' && n !== 'error');
  expect(cmds).toEqual([]);
  expect(r.maskedLog).not.toContain(SECRET);
  expect(r.stdout + r.stderr).not.toMatch(/Unexpected error|\n\s+at /);
  if (r.exitCode !== 0) expect(r.errors).toHaveLength(1);
});
