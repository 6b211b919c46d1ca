/**
 * The profile graph, walked from the selected profile down its source_profile links to the profile
 * that holds credentials; each profile kind is read by its own module, this one only dispatches.
 */
import { ConfigError } from '../../base/errors.js';
import type { Profile, ProfileMap, Setting } from '../../config/profiles.js';
import { pyListRepr } from '../../config/python.js';
import { plannedAssumeRoleHop } from './assumeRole.js';
import { type PlannedChain, type PlannedHop, scalar } from './common.js';
import { namedSource } from './credentialSource.js';
import { credentialProcess } from './process.js';
import { rejectSso } from './sso.js';
import { hasStaticKeys, staticKeys } from './static.js';
import { webIdentity } from './webIdentity.js';

/**
 * Most roles one chain may assume (source_profile links followed). Real chains are two to five deep;
 * botocore has no limit, but a deeper config is a mistake or an attack on the step's time and memory.
 */
export const MAX_ROLE_HOPS = 100;

export function isAssumeRoleProfile(profile: Profile): boolean {
  return profile.settings.has('role_arn') && !profile.settings.has('web_identity_token_file');
}

/** The credentials a profile holds itself (botocore's profile provider chain, env vars disabled). */
export function profileCredentials(map: ProfileMap, profile: Profile): PlannedChain | undefined {
  const tokenFile = profile.settings.get('web_identity_token_file');
  if (tokenFile && tokenFile.value !== '') return webIdentity(profile, tokenFile);
  if (profile.settings.has('sso_role_name') || profile.settings.has('sso_account_id')) rejectSso(map, profile);
  if (profile.credentials?.settings.has('aws_access_key_id')) return staticKeys(profile.credentials, 'shared-credentials-file');
  const login = profile.settings.get('login_session');
  if (login) {
    throw new ConfigError(
      'UnsupportedConfigError',
      `The profile "${profile.name}" uses login_session (aws login), which needs an interactive sign-in; it is not supported in CI.`,
      login.origin,
    );
  }
  const process = profile.settings.get('credential_process');
  if (process) return credentialProcess(profile, process);
  if (profile.config?.settings.has('aws_access_key_id')) return staticKeys(profile.config, 'config-file');
  return undefined;
}

/**
 * botocore's load-via-assume-role: validate each role profile, then follow its source_profile, until a
 * profile that holds credentials. A loop, not recursion: a chain thousands of profiles deep is refused
 * at MAX_ROLE_HOPS with one clear error instead of overflowing the stack.
 */
export function assumeRoleChain(map: ProfileMap, profile: Profile, visited: string[]): PlannedChain {
  const hops: PlannedHop[] = []; // the selected profile's hop first; reversed into call order at the end
  let current = profile;
  for (;;) {
    const hop = plannedAssumeRoleHop(current);
    hops.push(hop);
    if (hops.length > MAX_ROLE_HOPS) {
      throw new ConfigError(
        'InvalidConfigError',
        `The profile "${profile.name}" is more than ${MAX_ROLE_HOPS} roles deep (source_profile links); the action follows at most ${MAX_ROLE_HOPS}.`,
        hop.roleArn.origin,
      );
    }
    const link = sourceLink(current, hop);
    if (link.kind === 'credential-source') {
      return { source: { kind: 'ready', source: namedSource(current, link.setting) }, hops: hops.reverse() };
    }
    const next = checkSourceProfile(map, current, link.setting, visited);
    visited.push(next.name);
    // A source profile gives its own credentials when it has any static key or is not a role profile.
    if (hasStaticKeys(next.settings) || !isAssumeRoleProfile(next)) {
      const found = profileCredentials(map, next);
      if (!found) throw new ConfigError('InvalidConfigError', `The source profile "${next.name}" must have credentials.`, next.origin);
      return { source: found.source, hops: [...found.hops, ...hops.reverse()] };
    }
    current = next;
  }
}

/** Where a role profile's credentials come from: exactly one of source_profile and credential_source. */
function sourceLink(profile: Profile, hop: PlannedHop): { kind: 'source-profile' | 'credential-source'; setting: Setting } {
  const sourceProfile = profile.settings.get('source_profile');
  const credentialSource = profile.settings.get('credential_source');
  if (sourceProfile && credentialSource) {
    throw new ConfigError('InvalidConfigError', `The profile "${profile.name}" contains both source_profile and credential_source.`, credentialSource.origin);
  }
  if (credentialSource) return { kind: 'credential-source', setting: credentialSource };
  if (!sourceProfile) {
    throw new ConfigError(
      'PartialCredentialsError',
      'Partial credentials found in assume-role, missing: source_profile or credential_source',
      hop.roleArn.origin,
    );
  }
  return { kind: 'source-profile', setting: sourceProfile };
}

function checkSourceProfile(map: ProfileMap, profile: Profile, setting: Setting, visited: readonly string[]): Profile {
  const name = scalar(setting, 'source_profile', profile);
  const target = map.profiles.get(name);
  if (!target) {
    throw new ConfigError('InvalidConfigError', `The source_profile "${name}" referenced in the profile "${profile.name}" does not exist.`, setting.origin);
  }
  // A profile may name itself only to use its own static keys.
  const loops = visited.includes(name) && (name !== profile.name || !hasStaticKeys(target.settings));
  if (loops) {
    throw new ConfigError(
      'InfiniteLoopConfigError',
      `Infinite loop in credential configuration detected. Attempting to load from profile ${name} which has already been visited. Visited profiles: ${pyListRepr(visited)}`,
      setting.origin,
    );
  }
  return target;
}
