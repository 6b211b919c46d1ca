/**
 * The one owner of the output defaults that depend on how many targets the plan has. Settings keep
 * the inputs as typed; a config glob (`profile: audit-*`) selects its targets only once the config is
 * read, so "several targets" is known here, not when the inputs are read. Pure.
 */
import type { Settings } from '../settings/settings.js';

/** The template's default when `profile-name-template` is empty (action.yml gives the same). */
export const DEFAULT_NAME_TEMPLATE = '{account}-{role}';

export interface OutputChoices {
  /** Write every target as a named profile (`write-profiles`). */
  readonly writeProfiles: boolean;
  /** The env target's keys go to AWS_ACCESS_KEY_ID / … (`output-env-credentials`). */
  readonly envCredentials: boolean;
  /** AWS_REGION / AWS_DEFAULT_REGION are exported when a region is known. */
  readonly envRegion: boolean;
  /** AWS_PROFILE names the env target (`export-aws-profile`; needs written profiles). */
  readonly exportAwsProfile: boolean;
}

export type OutputSettings = Pick<Settings, 'refresh' | 'outputEnvCredentials' | 'profileOutput' | 'mode'>;

/** The inputs ask for many targets (`fan-out-roles`, several `profile` entries, a glob), however many result. */
export function fanOutAsked(mode: Settings['mode']): boolean {
  if (mode.kind === 'inputs') return mode.fanOutRoles.length > 0;
  return mode.profiles.length > 1 || mode.profiles.some((p) => /[*?[]/.test(p));
}

/**
 * - profiles are written when the plan has more than one target or the inputs ask for a fan-out,
 *   with `aws-profile`, or with `refresh`;
 * - the env target (the first, unless `env-profile` says otherwise) has its keys in the environment
 *   unless `refresh` or `aws-profile` is on: then AWS_PROFILE names it, as keys in the environment
 *   would win over the (refreshing) profile;
 * - the region is exported whenever it is known, unless `output-env-credentials: false` was typed
 *   (configure-aws-credentials' switch for "leave the environment alone"); with `refresh` it always is.
 */
export function outputChoices(settings: OutputSettings, targetCount: number): OutputChoices {
  const { profileOutput: typed, refresh } = settings;
  const awsProfile = typed.awsProfile !== undefined;
  return {
    writeProfiles: typed.write ?? (refresh || awsProfile || targetCount > 1 || fanOutAsked(settings.mode)),
    envCredentials: settings.outputEnvCredentials ?? !(refresh || awsProfile),
    envRegion: settings.outputEnvCredentials !== false || refresh,
    exportAwsProfile: typed.exportAwsProfile ?? (refresh || awsProfile),
  };
}

/** Input mode: `aws-profile` names the one target; the template names several (and the one, without it). */
export function nameTemplate(settings: Pick<Settings, 'profileOutput'>, targetCount: number): { template: string; input: string } {
  const { awsProfile, nameTemplate: typed } = settings.profileOutput;
  if (awsProfile !== undefined && targetCount === 1) return { template: awsProfile, input: 'aws-profile' };
  return { template: typed ?? DEFAULT_NAME_TEMPLATE, input: 'profile-name-template' };
}
