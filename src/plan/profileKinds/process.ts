/** `credential_process`: a command the executor runs at run time; here only its shape is checked. */
import { ConfigError } from '../../base/errors.js';
import type { Profile, Setting } from '../../config/profiles.js';
import { pyStrip } from '../../config/python.js';
import { type PlannedChain, scalar } from './common.js';

export function credentialProcess(profile: Profile, setting: Setting): PlannedChain {
  const command = scalar(setting, 'credential_process', profile);
  if (pyStrip(command) === '') {
    throw new ConfigError('InvalidConfigError', `The credential_process of profile "${profile.name}" is empty.`, setting.origin);
  }
  return { source: { kind: 'ready', source: { kind: 'process', command, origin: setting.origin } }, hops: [] };
}
