/**
 * What a config's credential_process is handed (sources/runProcess.ts): the step's environment minus
 * the runner's tokens, the action's inputs and state, and the file-command files.
 */
import { childEnvironment, runProcess } from '../src/sources/runProcess.js';

const STEP_ENV = {
  PATH: '/usr/bin',
  HOME: '/home/runner',
  AWS_REGION: 'eu-west-1',
  AWS_PROFILE: 'dev',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID0001',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/x',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  actions_cache_url: 'lower-case, as Windows would match it',
  'INPUT_MFA-TOTP-SECRET': 'JBSWY3DPEHPK3PXP',
  'INPUT_AWS-SECRET-ACCESS-KEY': 'secret',
  STATE_cleanup: '{}',
  GITHUB_ENV: '/runner/env',
  GITHUB_OUTPUT: '/runner/output',
  GITHUB_STATE: '/runner/state',
  GITHUB_PATH: '/runner/path',
  GITHUB_STEP_SUMMARY: '/runner/summary',
  GITHUB_REPOSITORY: 'octo/repo',
  RUNNER_TEMP: '/runner/_temp',
};

test('the runner tokens, inputs, state and file-command variables are withheld; the rest is passed on', () => {
  expect(childEnvironment(STEP_ENV)).toEqual({
    PATH: '/usr/bin',
    HOME: '/home/runner',
    AWS_REGION: 'eu-west-1',
    AWS_PROFILE: 'dev',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID0001',
    GITHUB_REPOSITORY: 'octo/repo',
    RUNNER_TEMP: '/runner/_temp',
  });
});

test('the running command sees exactly that environment', async () => {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, STEP_ENV, { PATH: saved['PATH'] ?? '' });
    const out = await runProcess([process.execPath, '-e', 'process.stdout.write(JSON.stringify(Object.keys(process.env)))'], 30_000);
    expect(out.kind).toBe('exited');
    const names = out.kind === 'exited' ? (JSON.parse(out.stdout) as string[]) : [];
    expect(names.filter((n) => /^(ACTIONS_|INPUT_|STATE_)|^GITHUB_(ENV|OUTPUT|STATE|PATH|STEP_SUMMARY)$/i.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['AWS_REGION', 'GITHUB_REPOSITORY', 'HOME']));
  } finally {
    process.env = saved;
  }
});
