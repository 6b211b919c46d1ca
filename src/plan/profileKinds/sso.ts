/** IAM Identity Center (SSO) profiles: botocore's configuration checks, then our refusal (no interactive login in CI). */
import { ConfigError } from '../../base/errors.js';
import type { Profile, ProfileMap } from '../../config/profiles.js';
import { checkedText } from './common.js';

export function rejectSso(map: ProfileMap, profile: Profile): never {
  const resolved = new Map<string, string>([...profile.settings].map(([key, setting]) => [key, setting.value]));
  const required = ['sso_role_name', 'sso_account_id', 'sso_start_url', 'sso_region'];
  const sessionName = profile.settings.get('sso_session');
  if (sessionName) {
    mergeSession(map, profile, sessionName.value, sessionName.origin, resolved);
    required.push('sso_session');
  }
  const missing = required.filter((key) => !resolved.has(key));
  if (missing.length > 0) {
    throw new ConfigError(
      'InvalidConfigError',
      `The profile "${profile.name}" is configured to use SSO but is missing required configuration: ${missing.join(', ')}`,
      profile.origin,
    );
  }
  throw new ConfigError(
    'UnsupportedConfigError',
    `The profile "${profile.name}" uses IAM Identity Center (SSO), which needs an interactive "aws sso login"; it is not supported in CI. Use web_identity_token_file (GitHub OIDC) or credential_source instead.`,
    profile.origin,
  );
}

/** Adds the `[sso-session NAME]` settings to `resolved`; a value both set differently is botocore's error. */
function mergeSession(map: ProfileMap, profile: Profile, name: string, origin: Profile['origin'], resolved: Map<string, string>): void {
  checkedText(name, 'sso_session', origin, `profile "${profile.name}"`);
  const session = map.ssoSessions.get(name);
  if (!session) {
    throw new ConfigError('InvalidConfigError', `The specified sso-session does not exist: "${name}"`, origin);
  }
  for (const [key, setting] of session.settings) {
    const own = resolved.get(key);
    if (own !== undefined && own !== setting.value) {
      checkedText(own, key, profile.settings.get(key)?.origin ?? setting.origin, `profile "${profile.name}"`);
      checkedText(setting.value, key, setting.origin, `[sso-session ${name}]`);
      throw new ConfigError(
        'InvalidConfigError',
        `The value for ${key} is inconsistent between profile (${own}) and sso-session (${setting.value}).`,
        profile.settings.get(key)?.origin ?? setting.origin,
      );
    }
    resolved.set(key, setting.value);
  }
}
