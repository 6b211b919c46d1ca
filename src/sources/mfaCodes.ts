/**
 * One-time codes for MFA hops. AWS accepts a code once per device, so a fixed code (`mfa-token-code`)
 * serves one hop (its retries included), and each TOTP call takes its own 30-second window: when this
 * process already spent the current window on a device, the call waits for the next one.
 */
import { UserError } from '../base/errors.js';
import type { Mfa } from '../base/types.js';
import { totpCode } from './totp.js';

const STEP_MS = 30_000;

export class MfaCodes {
  /** serial → the hop (by its chain key) that spends the fixed code */
  private readonly fixedCodeUser = new Map<string, string>();
  /** serial → last TOTP window spent */
  private readonly lastWindow = new Map<string, number>();
  /** serial → the previous request for a code, so windows are handed out one at a time */
  private readonly queue = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deadline: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** The code for one AssumeRole call of `roleArn`; `hopKey` tells a retry of the same hop from another hop. */
  async codeFor(mfa: Mfa, roleArn: string, hopKey: string): Promise<string> {
    const { serialNumber, code } = mfa;
    if (code.kind === 'code') {
      const user = this.fixedCodeUser.get(serialNumber);
      if (user !== undefined && user !== hopKey) {
        throw new UserError(
          `Input 'mfa-token-code': AWS accepts a code once per MFA device, and ${roleArn} would be a second AssumeRole with ${serialNumber}; ` +
            'give mfa-totp-secret so that each call gets its own code',
        );
      }
      this.fixedCodeUser.set(serialNumber, hopKey);
      return code.code;
    }
    const previous = this.queue.get(serialNumber) ?? Promise.resolve();
    const next = previous.then(() => this.nextWindow(serialNumber, code.secret));
    this.queue.set(
      serialNumber,
      next.catch(() => undefined),
    );
    return next;
  }

  private async nextWindow(serial: string, secret: string): Promise<string> {
    let window = Math.floor(this.now() / STEP_MS);
    const last = this.lastWindow.get(serial);
    if (last !== undefined && window <= last) {
      window = last + 1;
      const opensAt = window * STEP_MS;
      if (opensAt >= this.deadline) {
        throw new UserError(`MFA device ${serial}: this window's code is spent and the next window opens after the step's deadline`);
      }
      await this.sleep(opensAt - this.now());
    }
    this.lastWindow.set(serial, window);
    return totpCode(secret, window * STEP_MS);
  }
}
