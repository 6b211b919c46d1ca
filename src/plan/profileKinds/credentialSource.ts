/** `credential_source`: a role profile whose first call is signed with credentials of the machine. */
import { ConfigError } from '../../base/errors.js';
import type { Source } from '../../base/types.js';
import type { Profile, Setting } from '../../config/profiles.js';
import { checkedText } from './common.js';

/** The three values botocore accepts, and the Source kind each becomes. */
const CREDENTIAL_SOURCES: Readonly<Record<string, 'environment' | 'instance-metadata' | 'container'>> = {
  Environment: 'environment',
  Ec2InstanceMetadata: 'instance-metadata',
  EcsContainer: 'container',
};

export function namedSource(profile: Profile, setting: Setting): Source {
  checkedText(setting.value, 'credential_source', setting.origin, `profile "${profile.name}"`);
  const kind = Object.hasOwn(CREDENTIAL_SOURCES, setting.value) ? CREDENTIAL_SOURCES[setting.value] : undefined;
  if (!kind) {
    throw new ConfigError(
      'InvalidConfigError',
      `The credential source "${setting.value}" referenced in profile "${profile.name}" is not valid.`,
      setting.origin,
    );
  }
  return { kind, origin: setting.origin };
}
