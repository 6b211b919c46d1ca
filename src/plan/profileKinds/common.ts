/**
 * What the profile kinds share: the planned (not yet call-checked) hop and source, the preflight
 * error, and the checks every config value read into a chain goes through.
 */
import { forbiddenCharProblem } from '../../base/constraints.js';
import { ConfigError } from '../../base/errors.js';
import type { Hop, MfaCode, Origin, Source } from '../../base/types.js';
import type { Profile, Setting } from '../../config/profiles.js';

export interface ResolveContext {
  /** RoleSessionName for hops whose profile sets none (botocore would use `botocore-session-<epoch>`). */
  readonly defaultSessionName: string;
  /**
   * Set when the job can mint a GitHub OIDC token (input `use-github-oidc` auto/true): a missing
   * `web_identity_token_file` falls back to it, or with `always` (`true`) it replaces the file.
   */
  readonly githubOidc?: { readonly audience: string; readonly always?: boolean };
  /** Whether a web-identity token file exists (checked at plan time; read at run time). */
  readonly fileExists: (path: string) => boolean;
  /** The code for hops with `mfa_serial`; without it such a hop is an error. */
  readonly mfaCode?: MfaCode;
}

/** A check botocore does not make but STS would fail on; made before the first call. */
export class PreflightError extends ConfigError {
  readonly preflight = true;
  constructor(kind: string, detail: string, origin?: Origin) {
    super(kind, `${detail} (checked before calling STS)`, origin);
    this.name = 'PreflightError';
  }
}

/** A hop as found in the profile graph, before its call-time checks. */
export interface PlannedHop {
  readonly action: Hop['action'];
  readonly profile: Profile;
  readonly roleArn: Setting;
  /** The `role_session_name` setting, even when empty (botocore then uses its default). */
  readonly sessionName?: Setting;
  readonly externalId?: Setting;
  readonly mfaSerial?: Setting;
  readonly duration?: { readonly value: bigint; readonly setting: Setting };
}

export type PlannedSource = { readonly kind: 'token-file'; readonly tokenFile: Setting } | { readonly kind: 'ready'; readonly source: Source };

export interface PlannedChain {
  readonly source: PlannedSource;
  readonly hops: readonly PlannedHop[];
}

export function optional<K extends string>(key: K, setting: Setting | undefined): { [P in K]?: Setting } {
  return (setting === undefined ? {} : { [key]: setting }) as { [P in K]?: Setting };
}

/** A setting used as a single value; botocore's nested blocks make no sense there. */
export function scalar(setting: Setting, key: string, profile: Profile): string {
  if (setting.nested) {
    throw new ConfigError(
      'InvalidConfigError',
      `The setting "${key}" of profile "${profile.name}" is a nested block ("${key} =" followed by indented lines), not a value.`,
      setting.origin,
    );
  }
  return checkedText(setting.value, key, setting.origin, `profile "${profile.name}"`);
}

/**
 * Refuses a config value holding a line break (an indented continuation line), a control or a bidi
 * character: AWS accepts none in ARNs, names, IDs, regions or endpoints, a path or command with one is
 * a trick, and such text must never reach the log. Deliberate difference from botocore, which would send
 * or open the value as it is (README "Security model").
 */
export function checkedText(value: string, key: string, origin: Origin, owner: string): string {
  const problem = forbiddenCharProblem(value);
  if (problem) throw new ConfigError('InvalidConfigError', `The setting "${key}" of ${owner} ${problem}.`, origin);
  return value;
}
