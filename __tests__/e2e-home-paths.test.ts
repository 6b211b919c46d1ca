/**
 * `~` in path inputs, through the bundled action: `config-file` and `profiles-*-file` starting with `~` name
 * files under the job's home (HOME here; the user profile on Windows, where the harness sets USERPROFILE to
 * the same directory), as the AWS CLI would read the same paths, not a directory named `~` in the workspace.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario, THREE_HOP_CONFIG } from './support/scenario.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

test('config-file and profiles-*-file inputs starting with ~ are under the home; the exported paths are absolute', async () => {
  mkdirSync(join(s.job.home, 'ci'), { recursive: true });
  writeFileSync(join(s.job.home, 'ci', 'aws-config'), THREE_HOP_CONFIG);
  const r = await s.main({
    inputs: {
      'config-file': '~/ci/aws-config',
      profile: 'target',
      'write-profiles': 'true',
      'profiles-config-file': '~/out/config',
      'profiles-credentials-file': '~/out/credentials',
    },
    env: s.oidcEnv,
  });
  expect(r.errors).toEqual([]);
  expect(s.calls().map((c) => c.action)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'AssumeRole']);
  const configFile = join(s.job.home, 'out', 'config');
  const credentialsFile = join(s.job.home, 'out', 'credentials');
  expect(r.exportedEnv['AWS_CONFIG_FILE']).toBe(configFile);
  expect(r.exportedEnv['AWS_SHARED_CREDENTIALS_FILE']).toBe(credentialsFile);
  expect(readFileSync(configFile, 'utf8')).toContain('[profile target]');
  expect(readFileSync(credentialsFile, 'utf8')).toContain('[target]');
  expect(existsSync(join(s.job.workspace, '~'))).toBe(false);
  // The credentials file holds the keys by design; nothing else (logs, other files) may.
  s.noLeaks(r, [credentialsFile]);
});

test('a ~ path that does not exist is named as written in the one error line', async () => {
  const r = await s.main({ inputs: { 'config-file': '~/nowhere/config', profile: 'target' }, env: s.oidcEnv });
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(/^Input 'config-file': file "~\/nowhere\/config" /);
  expect(s.calls()).toEqual([]);
});
