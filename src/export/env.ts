/**
 * Job environment for later steps: credentials, region, optional AWS_PROFILE and profile file paths.
 * Planned first (nothing written), applied last: the export is a transaction (see index.ts).
 */
import * as core from '../base/runner.js';
import { createHash } from 'node:crypto';
import type { AwsCredentials } from '../base/types.js';

export const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
export const RESTORABLE_VARS = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'] as const;
/** Every variable this action may export; the post step touches no other (never e.g. BASH_ENV or PATH). */
export const MANAGED_VARS: readonly string[] = [...CREDENTIAL_VARS, ...RESTORABLE_VARS];

/** A value's fingerprint: lets post tell "still ours" without storing the value. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

export class EnvExport {
  readonly exported: Array<{ name: string; fingerprint: string }> = [];
  readonly previous: Record<string, string | null> = {};
  private readonly pending: Array<{ name: string; value: string }> = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Plans one export; nothing is written before `apply`. */
  set(name: string, value: string): void {
    if (!MANAGED_VARS.includes(name)) throw new Error(`${name} is not a variable this action manages`);
    if (!(name in this.previous) && (RESTORABLE_VARS as readonly string[]).includes(name)) {
      this.previous[name] = this.env[name] ?? null;
    }
    this.pending.push({ name, value });
    this.exported.push({ name, fingerprint: fingerprint(value) });
  }

  credentials(creds: AwsCredentials): void {
    this.set('AWS_ACCESS_KEY_ID', creds.accessKeyId);
    this.set('AWS_SECRET_ACCESS_KEY', creds.secretAccessKey);
    // No token (long-term keys): blank an older token so it is not paired with the new keys.
    if (creds.sessionToken) this.set('AWS_SESSION_TOKEN', creds.sessionToken);
    else if (this.env['AWS_SESSION_TOKEN']) this.set('AWS_SESSION_TOKEN', '');
  }

  region(region: string): void {
    this.set('AWS_REGION', region);
    this.set('AWS_DEFAULT_REGION', region);
  }

  /** The runner cannot unset a variable; an empty value is the closest (actions/runner#1126). */
  unsetCurrent(): void {
    for (const name of [...CREDENTIAL_VARS, 'AWS_REGION', 'AWS_DEFAULT_REGION']) {
      if (this.env[name]) this.set(name, '');
    }
  }

  /** Writes the planned exports (GITHUB_ENV), in order. */
  apply(): void {
    for (const { name, value } of this.pending) core.exportVariable(name, value);
  }
}
