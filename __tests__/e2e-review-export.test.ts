/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * REVIEW (issue 13 item 5): a file-command file that exists but cannot be appended to (a directory), so
 * the failure comes at the write, after earlier writes. Nothing may be left. Failing tests are findings.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUB, Scenario } from './support/scenario.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

test.each(['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'])('%s is a directory: nothing is left behind', async (file) => {
  const dir = join(s.job.root, `dir-${file}`);
  mkdirSync(dir);
  const r = await s.main({
    inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'aws-profile': 'deploy', 'output-credentials': 'true' },
    env: { ...s.oidcEnv, [file]: dir },
  });
  const credentials = join(s.job.home, '.aws', 'credentials');
  const left = existsSync(credentials) ? readFileSync(credentials, 'utf8') : '';
  expect(r.stdout + r.stderr).not.toMatch(/Unexpected error|\n\s+at /);
  if (r.exitCode === 0) {
    // A summary that cannot be written may be a warning, but then everything else must be complete.
    expect(file).toBe('GITHUB_STEP_SUMMARY');
    expect(r.state['cleanup']).toBeDefined();
    return;
  }
  expect(r.errors).toHaveLength(1);
  // One line naming the variable (was 'Unexpected error: EISDIR'); node's code for a directory differs on Windows.
  expect(r.errors[0]).toMatch(new RegExp(`^cannot write the runner's ${file} file .*dir-${file}: E[A-Z]+$`));
  if (process.platform !== 'win32') expect(r.errors[0]).toMatch(/: EISDIR$/);
  expect({ env: r.exportedEnv, outputs: r.outputs, profileKeys: s.sts.issuedSecrets().filter((k) => left.includes(k)).length }).toEqual({
    env: {},
    outputs: {},
    profileKeys: 0,
  });
  s.noLeaks(r);
});
