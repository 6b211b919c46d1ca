/** Static keys: `aws_access_key_id` / `aws_secret_access_key` (and a session token) in a profile. */
import { ConfigError } from '../../base/errors.js';
import type { Setting, SettingsSection } from '../../config/profiles.js';
import { checkedText, type PlannedChain } from './common.js';

export function hasStaticKeys(settings: ReadonlyMap<string, Setting>): boolean {
  return settings.has('aws_access_key_id') || settings.has('aws_secret_access_key');
}

/** The keys of one file's section; `provider` names it as botocore's error would. */
export function staticKeys(section: SettingsSection, provider: string): PlannedChain {
  const settings = section.settings;
  const keyId = settings.get('aws_access_key_id') as Setting;
  const secret = settings.get('aws_secret_access_key');
  if (!secret) {
    throw new ConfigError('PartialCredentialsError', `Partial credentials found in ${provider}, missing: aws_secret_access_key`, keyId.origin);
  }
  const token = settings.get('aws_security_token') ?? settings.get('aws_session_token');
  // Key text is never quoted in an error; a key with a line break could split a written profile file.
  for (const [key, setting] of [
    ['aws_access_key_id', keyId],
    ['aws_secret_access_key', secret],
    ['aws_session_token', token],
  ] as const) {
    if (setting) checkedText(setting.value, key, setting.origin, `profile "${setting.origin.profile ?? ''}"`);
  }
  const credentials = {
    accessKeyId: keyId.value,
    secretAccessKey: secret.value,
    ...(token && token.value !== '' ? { sessionToken: token.value } : {}),
  };
  return { source: { kind: 'ready', source: { kind: 'static', credentials, origin: keyId.origin } }, hops: [] };
}
