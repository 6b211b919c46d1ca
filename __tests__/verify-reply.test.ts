/** The STS reply checker (src/sts/verifyReply.ts): what a reply must say to be used. */
import fc from 'fast-check';
import { parseRoleArn, verifyAssumeRoleReply, verifyCallerIdentity, type ReplyFields, type ReplyRequest } from '../src/sts/verifyReply.js';
import { StsError } from '../src/sts/errors.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const request: ReplyRequest = { action: 'AssumeRole', roleArn: 'arn:aws:iam::123456789012:role/team/Deployer', sessionName: 'ci-42' };
const good: ReplyFields = {
  accessKeyId: 'ASIAABCDEFGHIJKLMNOP',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==',
  expiration: new Date(NOW + 3600_000),
  assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/Deployer/ci-42',
};

function refusal(req: ReplyRequest, reply: ReplyFields): string {
  try {
    verifyAssumeRoleReply(req, reply, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(StsError);
    const e = err as StsError;
    expect(e.code).toBe('UnexpectedReply');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain(`${req.action} ${req.roleArn} failed: UnexpectedReply: the STS reply was refused: `);
    return e.message;
  }
  throw new Error('the reply was accepted');
}

test("a matching reply is accepted; the account is the requested role's", () => {
  const out = verifyAssumeRoleReply(request, good, NOW);
  expect(out.accountId).toBe('123456789012');
  expect(out.assumedRoleArn).toBe(good.assumedRoleArn);
  expect(out.credentials).toEqual({
    accessKeyId: good.accessKeyId,
    secretAccessKey: good.secretAccessKey,
    sessionToken: good.sessionToken,
    expiration: good.expiration,
  });
});

test('role paths are not part of the session ARN; role names compare without case, as IAM keeps them unique', () => {
  expect(parseRoleArn('arn:aws:iam::123456789012:role/a/b/c/Name')).toEqual({ partition: 'aws', account: '123456789012', roleName: 'Name' });
  expect(parseRoleArn('arn:aws-us-gov:iam::123456789012:role/x')?.partition).toBe('aws-us-gov');
  expect(parseRoleArn('arn:aws:iam::12345678901:role/x')).toBeUndefined();
  expect(parseRoleArn('arn:aws:iam::123456789012:user/x')).toBeUndefined();
  expect(() => verifyAssumeRoleReply(request, { ...good, assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/deployer/ci-42' }, NOW)).not.toThrow();
});

test.each([
  ['another account', { assumedRoleArn: 'arn:aws:sts::999999999999:assumed-role/Deployer/ci-42' }, /account "999999999999", not 123456789012/],
  ['another partition', { assumedRoleArn: 'arn:aws-cn:sts::123456789012:assumed-role/Deployer/ci-42' }, /partition "aws-cn", not aws/],
  ['another role', { assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/Admin/ci-42' }, /role "Admin", not Deployer/],
  ['another session', { assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/Deployer/ci-43' }, /session name is "ci-43", not the "ci-42" sent/],
  ['a user ARN', { assumedRoleArn: 'arn:aws:iam::123456789012:user/Deployer' }, /is not an STS session ARN/],
  ['no ARN', { assumedRoleArn: undefined }, /lacks/],
  ['no session token', { sessionToken: undefined }, /lacks/],
  ['no expiration', { expiration: undefined }, /lacks/],
  ['an expiration in 1970', { expiration: new Date(0) }, /1970-01-01T00:00:00\.000Z is not in the future/],
  ['an expiration now', { expiration: new Date(NOW) }, /is not in the future/],
  ['an expiration in 9999', { expiration: new Date('9999-12-31T23:59:59Z') }, /later than the 3600 s asked for allows/],
  ['an invalid date', { expiration: new Date('nonsense') }, /not a date/],
  ['a short key id', { accessKeyId: 'ASIA123' }, /AccessKeyId/],
  ['a key id with a line break', { accessKeyId: 'ASIAABCDEFGHIJKL\nMNOP' }, /AccessKeyId/],
  ['a secret with a space', { secretAccessKey: 'wJalrXUtnFEMI K7MDENG/bPxRfiCYEXAMPLEKEY' }, /SecretAccessKey/],
  ['a token with a quote', { sessionToken: `IQoJb3JpZ2luX2Vj"${'a'.repeat(20)}` }, /SessionToken/],
] as Array<[string, Partial<ReplyFields>, RegExp]>)('refused: %s', (_name, change, message) => {
  expect(refusal(request, { ...good, ...change })).toMatch(message);
});

test('the expiration bound follows the duration sent, plus five minutes of clock skew', () => {
  const asked = { ...request, durationSeconds: 900 };
  expect(() => verifyAssumeRoleReply(asked, { ...good, expiration: new Date(NOW + 1200_000) }, NOW)).not.toThrow();
  expect(refusal(asked, { ...good, expiration: new Date(NOW + 1201_000) })).toMatch(/later than the 900 s asked for allows/);
  // Nothing sent: STS's one-hour default.
  expect(() => verifyAssumeRoleReply(request, { ...good, expiration: new Date(NOW + 3900_000) }, NOW)).not.toThrow();
  expect(refusal(request, { ...good, expiration: new Date(NOW + 3901_000) })).toMatch(/3600 s/);
});

test('secrets are never quoted in a refusal; a hostile ARN is quoted short and on one line', () => {
  const badSecret = `${'S'.repeat(30)}\n${'T'.repeat(30)}`;
  expect(refusal(request, { ...good, secretAccessKey: badSecret })).not.toContain('SSSS');
  const longArn = `arn:aws:sts::999999999999:assumed-role/Deployer/${'x'.repeat(5000)}\n::warning::pwned`;
  const message = refusal(request, { ...good, assumedRoleArn: longArn });
  expect(message.length).toBeLessThan(500);
  expect(message).not.toContain('\n');
});

test('no reply that names another role, account or session is ever accepted (property)', () => {
  const name = fc.stringMatching(/^[\w+=,.@-]{2,20}$/);
  const account = fc.stringMatching(/^\d{12}$/);
  fc.assert(
    fc.property(account, name, name, account, name, name, (acct, role, session, replyAcct, replyRole, replySession) => {
      const req: ReplyRequest = { action: 'AssumeRoleWithWebIdentity', roleArn: `arn:aws:iam::${acct}:role/${role}`, sessionName: session };
      const reply = { ...good, assumedRoleArn: `arn:aws:sts::${replyAcct}:assumed-role/${replyRole}/${replySession}` };
      const matches = replyAcct === acct && replyRole.toLowerCase() === role.toLowerCase() && replySession === session;
      let accepted = true;
      try {
        verifyAssumeRoleReply(req, reply, NOW);
      } catch {
        accepted = false;
      }
      expect(accepted).toBe(matches);
    }),
  );
});

test("GetCallerIdentity: the account must be 12 digits and the ARN's own", () => {
  expect(verifyCallerIdentity('arn:aws:iam::111111111111:user/ci', '111111111111')).toEqual({
    arn: 'arn:aws:iam::111111111111:user/ci',
    accountId: '111111111111',
  });
  expect(() => verifyCallerIdentity('arn:aws:iam::111111111111:user/ci', '222222222222')).toThrow(/not in the account 222222222222/);
  expect(() => verifyCallerIdentity('arn:aws:iam::111111111111:user/ci', '1111')).toThrow(/12-digit/);
  expect(() => verifyCallerIdentity('not an arn', '111111111111')).toThrow(/not an IAM or STS ARN/);
  expect(() => verifyCallerIdentity(undefined, '111111111111')).toThrow(/lacks/);
});
