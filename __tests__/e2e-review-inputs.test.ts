/**
 * Ported from the security review (wt-review); assert the fixed behaviour.
 * REVIEW (issue 14 item 7, issue 13 item 1): odd values in every kind of input. Each must give either a
 * success or ONE one-line error naming the input — never "Unexpected error", a stack, or a command.
 */
import { KEYS_TO_DEPLOY, Scenario } from './support/scenario.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.start();
});
afterAll(async () => {
  await s.stop();
});

const CASES: [string, string][] = [
  ['role-duration-seconds', '1e3'],
  ['role-duration-seconds', '0x384'],
  ['role-duration-seconds', '3600.5'],
  ['role-duration-seconds', '99999999999999999999'],
  ['max-concurrency', '0'],
  ['max-concurrency', '1e9'],
  ['retry-max-attempts', '1e400'],
  ['retry-max-attempts', 'NaN'],
  ['action-timeout-s', 'Infinity'],
  ['action-timeout-s', '1e-9'],
  ['action-timeout-s', '99999999999'],
  ['custom-tags', '{"__proto__":{"x":"y"}}'],
  ['custom-tags', '{"a":{"b":1}}'],
  ['custom-tags', 'null'],
  ['custom-tags', '[]'],
  ['role-chain', '{}'],
  ['role-chain', '"x"'],
  ['role-chain', '[[["a"]]]'],
  ['profile-name-template', '{__proto__}'],
  ['profile-name-template', '{toString}'],
  ['inline-session-policy', '{"Version":"2012-10-17"'],
  ['inline-session-policy', '"'.repeat(3000)],
  ['transitive-tag-keys', '__proto__'],
  ['allowed-account-ids', '1e11'],
  ['allowed-account-ids', '222222222222,__proto__'],
  ['role-session-name', 'a'.repeat(65)],
  ['aws-region', 'us-east-1\u00a0'],
  ['mfa-token-code', '12345\uff16'],
  ['source-identity', 'x'.repeat(100)],
  ['role-external-id', 'deploy-ext-42\u200b'],
  ['allowed-sts-endpoints', '*.'],
  ['allowed-sts-endpoints', '*'],
  ['no-proxy', '\u2028'],
  ['http-proxy', 'http://[::1'],
  ['http-proxy', 'http://u:%zz@127.0.0.1:1'],
  ['sts-endpoint', 'ftp://127.0.0.1/'],
  ['audience', '\u0085::warning::AUD'],
  ['config-file', '/dev/null'],
  ['credentials-file', '.'],
  ['profiles-credentials-file', '.'],
  ['profiles-config-file', '/proc/self/environ'],
];

test.each(CASES.map(([n, v]) => [n, v, JSON.stringify(v).slice(0, 40)] as const))('%s = %s', async (name, value, _shown) => {
  const r = await s.main({
    inputs: {
      ...KEYS_TO_DEPLOY,
      'disable-retry': 'true',
      ...(name.startsWith('profiles-') ? { 'aws-profile': 'deploy' } : {}),
      [name]: value,
    },
    env: s.stsEnv,
    timeoutMs: 30_000,
  });
  const text = r.stdout + r.stderr;
  const cmds = r.lines
    .filter((l) => l.command)
    .map((l) => l.command!.name)
    .filter((n) => n !== 'add-mask' && n !== 'error');
  const report = {
    exit: r.exitCode,
    error: r.errors[0] ?? null,
    unexpected: /Unexpected error|\n\s+at |RangeError|TypeError/.test(text),
    cmds,
    stderr: r.stderr,
  };
  expect(report.unexpected).toBe(false);
  expect(cmds).toEqual([]);
  expect(r.stderr).toBe('');
  if (r.exitCode !== 0) {
    expect(r.errors).toHaveLength(1);
    // names the input the user typed
    expect(r.errors[0]).toContain(name);
  }
});
