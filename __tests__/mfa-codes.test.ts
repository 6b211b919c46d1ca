/** One-time MFA codes: one 30-second window per TOTP call and device, a fixed code for one hop only. */
import { UserError } from '../src/base/errors.js';
import { MfaCodes } from '../src/sources/mfaCodes.js';
import { totpCode } from '../src/sources/totp.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** codeFor's arguments for a hop to `roleArn` with this code source. */
const hop = (roleArn: string, code: { kind: 'code'; code: string } | { kind: 'totp'; secret: string }, serialNumber = 'arn:aws:iam::1:mfa/ci') =>
  [{ serialNumber, code }, roleArn] as const;

/** A clock that only moves when the code under test sleeps. */
function fakeClock(start: number) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

test('TOTP: the second call on a device waits for the next window; another device does not wait', async () => {
  const clock = fakeClock(Date.UTC(2026, 10, 23, 12, 0, 10));
  const codes = new MfaCodes(Number.MAX_SAFE_INTEGER, clock.now, clock.sleep);
  const a = await codes.codeFor(...hop('r1', { kind: 'totp', secret: SECRET }), 'k1');
  const other = await codes.codeFor(...hop('r2', { kind: 'totp', secret: SECRET }, 'arn:aws:iam::1:mfa/other'), 'k2');
  expect(clock.sleeps).toEqual([]);
  const b = await codes.codeFor(...hop('r3', { kind: 'totp', secret: SECRET }), 'k3');
  expect(clock.sleeps).toEqual([20_000]); // from 12:00:10 to the window opening at 12:00:30
  expect(a).toBe(totpCode(SECRET, Date.UTC(2026, 10, 23, 12, 0, 0)));
  expect(other).toBe(a);
  expect(b).toBe(totpCode(SECRET, Date.UTC(2026, 10, 23, 12, 0, 30)));
});

test('TOTP: concurrent calls on one device get consecutive windows, never the same code', async () => {
  const clock = fakeClock(Date.UTC(2026, 10, 23, 12, 0, 0));
  const codes = new MfaCodes(Number.MAX_SAFE_INTEGER, clock.now, clock.sleep);
  const got = await Promise.all(['a', 'b', 'c'].map((k) => codes.codeFor(...hop(k, { kind: 'totp', secret: SECRET }), k)));
  expect(new Set(got).size).toBe(3);
  expect(got).toEqual([0, 30, 60].map((s) => totpCode(SECRET, Date.UTC(2026, 10, 23, 12, 0, 0) + s * 1000)));
});

test('TOTP: a window that opens after the deadline is refused instead of waited for', async () => {
  const start = Date.UTC(2026, 10, 23, 12, 0, 10);
  const clock = fakeClock(start);
  const codes = new MfaCodes(start + 5_000, clock.now, clock.sleep);
  await codes.codeFor(...hop('r1', { kind: 'totp', secret: SECRET }), 'k1');
  await expect(codes.codeFor(...hop('r2', { kind: 'totp', secret: SECRET }), 'k2')).rejects.toThrow(/next window opens after the step's deadline/);
  expect(clock.sleeps).toEqual([]);
});

test('a fixed code serves one hop and its retries, and is refused to a second hop', async () => {
  const codes = new MfaCodes(Number.MAX_SAFE_INTEGER);
  const fixed = { kind: 'code', code: '123456' } as const;
  expect(await codes.codeFor(...hop('r1', fixed), 'k1')).toBe('123456');
  expect(await codes.codeFor(...hop('r1', fixed), 'k1')).toBe('123456'); // a retry of the same hop
  const second = codes.codeFor(...hop('r2', fixed), 'k2');
  await expect(second).rejects.toBeInstanceOf(UserError);
  await expect(codes.codeFor(...hop('r2', fixed), 'k2')).rejects.toThrow(
    /^Input 'mfa-token-code': AWS accepts a code once per MFA device, and r2 would be a second AssumeRole/,
  );
});
