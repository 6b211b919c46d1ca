/**
 * Config-profile mode: turn a named profile of AWS config/credentials files into a Chain, the way
 * botocore's assume-role provider does when the profile is selected explicitly (`--profile`,
 * `Session(profile=…)`): role_arn with source_profile or credential_source, web identity, static
 * keys and credential_process, each read by its own module under profileKinds/.
 *
 * Pure: the profile map, the default session name, the MFA code and "does this file exist" are
 * passed in. Nothing is read from the environment: `credential_source = Environment` becomes a
 * Source that the executor reads at run time, and the web-identity env vars are ignored.
 *
 * Validation happens in the order botocore would fail, and all of it before anything is returned:
 *  1. the profile graph, from the selected profile down (botocore's config errors);
 *  2. what botocore only finds out while making the calls, source first: a missing MFA code, a missing
 *     web-identity token file, the region and endpoint settings, and for each hop its parameters
 *     (botocore's ParamValidationError), then the hop's "preflight" checks — limits STS enforces that
 *     botocore does not check. Preflight errors are `PreflightError`s and say so in their message.
 */
import { ConfigError } from '../base/errors.js';
import type { Chain, Origin } from '../base/types.js';
import { profileNotFoundDetail, type Profile, type ProfileMap } from '../config/profiles.js';
import { finishHop } from './profileKinds/assumeRole.js';
import { clientSettings } from './profileKinds/client.js';
import { checkedText, type PlannedHop, type ResolveContext } from './profileKinds/common.js';
import { assumeRoleChain, isAssumeRoleProfile, profileCredentials } from './profileKinds/walker.js';
import { finishSource } from './profileKinds/webIdentity.js';

export { PreflightError, type ResolveContext } from './profileKinds/common.js';
export { MAX_ROLE_HOPS } from './profileKinds/walker.js';

export interface ResolvedProfile {
  readonly profile: string;
  /** Hops in call order. Empty when the profile itself holds credentials (keys, process) and assumes no role. */
  readonly chain: Chain;
  /** `region` of the selected profile only (botocore ignores the regions of source profiles). */
  readonly region?: string;
  readonly regionOrigin?: Origin;
  /** STS endpoint of the selected profile: `[services X]` `sts` `endpoint_url`, else `endpoint_url`. */
  readonly endpointUrl?: string;
  readonly endpointOrigin?: Origin;
  /** Where the selected profile is defined. */
  readonly origin: Origin;
}

export function resolveProfileChain(profiles: ProfileMap, name: string, ctx: ResolveContext): ResolvedProfile {
  const selected = profiles.profiles.get(name);
  if (!selected) {
    throw new ConfigError('ProfileNotFound', profileNotFoundDetail(name, profiles), {
      where: profiles.configPath ?? profiles.credentialsPath ?? 'AWS config file',
      profile: name,
    });
  }
  // Step 1: the profile graph.
  const plan = isAssumeRoleProfile(selected)
    ? assumeRoleChain(profiles, selected, [name])
    : (profileCredentials(profiles, selected) ?? noCredentials(selected));
  // Step 2: call-time checks, in the order botocore meets them.
  checkMfa(plan.hops, ctx);
  const source = finishSource(plan.source, ctx);
  const client = clientSettings(profiles, selected);
  const hops = plan.hops.map((hop, index) => finishHop(hop, index, ctx));
  return { profile: name, chain: { source, hops }, ...client, origin: selected.origin };
}

function noCredentials(profile: Profile): never {
  throw new ConfigError('NoCredentialsError', 'Unable to locate credentials', profile.origin);
}

/** botocore asks for MFA codes before any call, from the last hop back. */
function checkMfa(hops: readonly PlannedHop[], ctx: ResolveContext): void {
  if (ctx.mfaCode) return;
  const needing = [...hops].reverse().find((hop) => hop.mfaSerial);
  if (!needing?.mfaSerial) return;
  checkedText(needing.mfaSerial.value, 'mfa_serial', needing.mfaSerial.origin, `profile "${needing.profile.name}"`);
  checkedText(needing.roleArn.value, 'role_arn', needing.roleArn.origin, `profile "${needing.profile.name}"`);
  throw new ConfigError(
    'MissingMfaCode',
    `Profile "${needing.profile.name}" sets mfa_serial = ${needing.mfaSerial.value}, so assuming ${needing.roleArn.value} needs an MFA code: set the 'mfa-token-code' or 'mfa-totp-secret' input.`,
    needing.mfaSerial.origin,
  );
}
