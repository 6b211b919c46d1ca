/**
 * Config-profile mode: turn a named profile of AWS config/credentials files into a Chain, the way
 * botocore's assume-role provider does when the profile is selected explicitly (`--profile`,
 * `Session(profile=…)`); see profile-semantics.md §1.2–§1.9.
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
import type { Profile, ProfileMap, Setting, SettingsSection } from '../config/profiles.js';
import { pyStrip } from '../config/configparser.js';
import type { Chain, Hop, MfaCode, Origin, Source } from '../base/types.js';
import { gitPathProblem } from '../config/boundedFile.js';
import { CHAINED_DURATION_MESSAGE, EXTERNAL_ID, SERIAL_NUMBER, SESSION_NAME, forbiddenCharProblem, parseRoleArn } from '../base/constraints.js';

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

/** A check botocore does not make but STS would fail on; made before the first call. */
export class PreflightError extends ConfigError {
  readonly preflight = true;
  constructor(kind: string, detail: string, origin?: Origin) {
    super(kind, `${detail} (checked before calling STS)`, origin);
    this.name = 'PreflightError';
  }
}

/**
 * Most roles one chain may assume (source_profile links followed). Real chains are two to five deep;
 * botocore has no limit, but a deeper config is a mistake or an attack on the step's time and memory.
 */
export const MAX_ROLE_HOPS = 100;

const CREDENTIAL_SOURCES: Readonly<Record<string, 'environment' | 'instance-metadata' | 'container'>> = {
  Environment: 'environment',
  Ec2InstanceMetadata: 'instance-metadata',
  EcsContainer: 'container',
};

// ---------------------------------------------------------------------------------------------
// Entry point

export function resolveProfileChain(profiles: ProfileMap, name: string, ctx: ResolveContext): ResolvedProfile {
  const selected = profiles.profiles.get(name);
  if (!selected) {
    throw new ConfigError('ProfileNotFound', `The config profile (${name}) could not be found`, {
      where: profiles.configPath ?? profiles.credentialsPath ?? 'AWS config file',
      profile: name,
    });
  }
  const graph = new ProfileGraph(profiles);
  const plan = isAssumeRoleProfile(selected) ? graph.assumeRole(selected, [name]) : (graph.profileCredentials(selected) ?? noCredentials(selected));

  checkMfa(plan.hops, ctx);
  const source = finishSource(plan.source, ctx);
  const client = clientSettings(profiles, selected);
  const hops = plan.hops.map((hop, index) => finishHop(hop, index, ctx));
  return {
    profile: name,
    chain: { source, hops },
    ...client,
    origin: selected.origin,
  };
}

// ---------------------------------------------------------------------------------------------
// Step 1: the profile graph

/** A hop as found in the profile graph, before its call-time checks. */
interface PlannedHop {
  readonly action: Hop['action'];
  readonly profile: Profile;
  readonly roleArn: Setting;
  /** The `role_session_name` setting, even when empty (botocore then uses its default). */
  readonly sessionName?: Setting;
  readonly externalId?: Setting;
  readonly mfaSerial?: Setting;
  readonly duration?: { readonly value: bigint; readonly setting: Setting };
}

type PlannedSource = { readonly kind: 'token-file'; readonly tokenFile: Setting } | { readonly kind: 'ready'; readonly source: Source };

interface PlannedChain {
  readonly source: PlannedSource;
  readonly hops: readonly PlannedHop[];
}

function isAssumeRoleProfile(profile: Profile): boolean {
  return profile.settings.has('role_arn') && !profile.settings.has('web_identity_token_file');
}

function hasStaticKeys(profile: Profile): boolean {
  return profile.settings.has('aws_access_key_id') || profile.settings.has('aws_secret_access_key');
}

function noCredentials(profile: Profile): never {
  throw new ConfigError('NoCredentialsError', 'Unable to locate credentials', profile.origin);
}

class ProfileGraph {
  constructor(private readonly map: ProfileMap) {}

  /**
   * botocore's load-via-assume-role: validate each role profile, then follow its source_profile, until a
   * profile that holds credentials. A loop, not recursion: a chain thousands of profiles deep is refused
   * at MAX_ROLE_HOPS with one clear error instead of overflowing the stack.
   */
  assumeRole(profile: Profile, visited: string[]): PlannedChain {
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
      const sourceProfile = current.settings.get('source_profile');
      const credentialSource = current.settings.get('credential_source');
      if (sourceProfile && credentialSource) {
        throw new ConfigError(
          'InvalidConfigError',
          `The profile "${current.name}" contains both source_profile and credential_source.`,
          credentialSource.origin,
        );
      }
      if (credentialSource) {
        return { source: { kind: 'ready', source: namedSource(current, credentialSource) }, hops: hops.reverse() };
      }
      if (!sourceProfile) {
        throw new ConfigError(
          'PartialCredentialsError',
          'Partial credentials found in assume-role, missing: source_profile or credential_source',
          hop.roleArn.origin,
        );
      }
      const next = this.checkSourceProfile(current, sourceProfile, visited);
      visited.push(next.name);
      // A source profile gives its own credentials when it has any static key or is not a role profile.
      if (hasStaticKeys(next) || !isAssumeRoleProfile(next)) {
        const found = this.profileCredentials(next);
        if (!found) throw new ConfigError('InvalidConfigError', `The source profile "${next.name}" must have credentials.`, next.origin);
        return { source: found.source, hops: [...found.hops, ...hops.reverse()] };
      }
      current = next;
    }
  }

  /** The credentials a profile holds itself (botocore's profile provider chain, env vars disabled). */
  profileCredentials(profile: Profile): PlannedChain | undefined {
    const tokenFile = profile.settings.get('web_identity_token_file');
    if (tokenFile && tokenFile.value !== '') return webIdentity(profile, tokenFile);
    if (profile.settings.has('sso_role_name') || profile.settings.has('sso_account_id')) this.rejectSso(profile);
    if (profile.credentials?.settings.has('aws_access_key_id')) {
      return staticKeys(profile.credentials, 'shared-credentials-file');
    }
    const login = profile.settings.get('login_session');
    if (login) {
      throw new ConfigError(
        'UnsupportedConfigError',
        `The profile "${profile.name}" uses login_session (aws login), which needs an interactive sign-in; it is not supported in CI.`,
        login.origin,
      );
    }
    const process = profile.settings.get('credential_process');
    if (process) {
      const command = scalar(process, 'credential_process', profile);
      if (pyStrip(command) === '') {
        throw new ConfigError('InvalidConfigError', `The credential_process of profile "${profile.name}" is empty.`, process.origin);
      }
      return { source: { kind: 'ready', source: { kind: 'process', command, origin: process.origin } }, hops: [] };
    }
    if (profile.config?.settings.has('aws_access_key_id')) return staticKeys(profile.config, 'config-file');
    return undefined;
  }

  private checkSourceProfile(profile: Profile, setting: Setting, visited: readonly string[]): Profile {
    const name = scalar(setting, 'source_profile', profile);
    const target = this.map.profiles.get(name);
    if (!target) {
      throw new ConfigError('InvalidConfigError', `The source_profile "${name}" referenced in the profile "${profile.name}" does not exist.`, setting.origin);
    }
    // A profile may name itself only to use its own static keys.
    const loops = visited.includes(name) && (name !== profile.name || !hasStaticKeys(target));
    if (loops) {
      throw new ConfigError(
        'InfiniteLoopConfigError',
        `Infinite loop in credential configuration detected. Attempting to load from profile ${name} which has already been visited. Visited profiles: ${pyListRepr(visited)}`,
        setting.origin,
      );
    }
    return target;
  }

  /** SSO profiles: botocore's configuration checks, then our refusal (no interactive login in CI). */
  private rejectSso(profile: Profile): never {
    const resolved = new Map<string, string>([...profile.settings].map(([key, setting]) => [key, setting.value]));
    const required = ['sso_role_name', 'sso_account_id', 'sso_start_url', 'sso_region'];
    const sessionName = profile.settings.get('sso_session');
    if (sessionName) {
      checkedText(sessionName.value, 'sso_session', sessionName.origin, `profile "${profile.name}"`);
      const session = this.map.ssoSessions.get(sessionName.value);
      if (!session) {
        throw new ConfigError('InvalidConfigError', `The specified sso-session does not exist: "${sessionName.value}"`, sessionName.origin);
      }
      for (const [key, setting] of session.settings) {
        const own = resolved.get(key);
        if (own !== undefined && own !== setting.value) {
          checkedText(own, key, profile.settings.get(key)?.origin ?? setting.origin, `profile "${profile.name}"`);
          checkedText(setting.value, key, setting.origin, `[sso-session ${sessionName.value}]`);
          throw new ConfigError(
            'InvalidConfigError',
            `The value for ${key} is inconsistent between profile (${own}) and sso-session (${setting.value}).`,
            profile.settings.get(key)?.origin ?? setting.origin,
          );
        }
        resolved.set(key, setting.value);
      }
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
}

function plannedAssumeRoleHop(profile: Profile): PlannedHop {
  const get = (key: string) => profile.settings.get(key);
  const roleArn = get('role_arn') as Setting;
  const durationSetting = get('duration_seconds');
  const duration = durationSetting === undefined ? undefined : pyInt(durationSetting.value);
  return {
    action: 'AssumeRole',
    profile,
    roleArn,
    ...optional('sessionName', get('role_session_name')),
    ...optional('externalId', get('external_id')),
    ...optional('mfaSerial', get('mfa_serial')),
    // int() failing means "not sent" in botocore.
    ...(duration === undefined || !durationSetting ? {} : { duration: { value: duration, setting: durationSetting } }),
  };
}

/** Web identity uses only role_arn, web_identity_token_file and role_session_name. */
function webIdentity(profile: Profile, tokenFile: Setting): PlannedChain {
  const roleArn = profile.settings.get('role_arn');
  if (!roleArn || roleArn.value === '') {
    throw new ConfigError(
      'InvalidConfigError',
      // botocore's text, missing space included.
      'The provided profile or the current environment is configured to assume role with web identity but has no role ARN configured. Ensure that the profile has the role_arnconfiguration set or the AWS_ROLE_ARN env var is set.',
      tokenFile.origin,
    );
  }
  const hop: PlannedHop = {
    action: 'AssumeRoleWithWebIdentity',
    profile,
    roleArn,
    ...optional('sessionName', profile.settings.get('role_session_name')),
  };
  return { source: { kind: 'token-file', tokenFile }, hops: [hop] };
}

function staticKeys(section: SettingsSection, provider: string): PlannedChain {
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

function namedSource(profile: Profile, setting: Setting): Source {
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

// ---------------------------------------------------------------------------------------------
// Step 2: call-time checks, in the order botocore meets them

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

function finishSource(planned: PlannedSource, ctx: ResolveContext): Source {
  if (planned.kind === 'ready') return planned.source;
  const { tokenFile } = planned;
  const path = checkedText(tokenFile.value, 'web_identity_token_file', tokenFile.origin, `profile "${tokenFile.origin.profile ?? ''}"`);
  const gitProblem = gitPathProblem(path);
  if (gitProblem) throw new ConfigError('InvalidConfigError', `web_identity_token_file ${gitProblem}.`, planned.tokenFile.origin);
  if (ctx.githubOidc?.always) return { kind: 'web-identity', token: { kind: 'github-oidc', audience: ctx.githubOidc.audience } };
  if (ctx.fileExists(path)) return { kind: 'web-identity', token: { kind: 'file', path } };
  if (ctx.githubOidc) {
    return { kind: 'web-identity', token: { kind: 'file', path, githubFallbackAudience: ctx.githubOidc.audience } };
  }
  throw new ConfigError(
    'FileNotFoundError',
    `[Errno 2] No such file or directory: ${pyRepr(path)} (web_identity_token_file; outside a job with "id-token: write" the file must exist)`,
    planned.tokenFile.origin,
  );
}

const REGION_PATTERN = /^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{0,63}(?<!-)$/;

/** Region and STS endpoint: from the selected profile only. */
function clientSettings(map: ProfileMap, profile: Profile): Pick<ResolvedProfile, 'region' | 'regionOrigin' | 'endpointUrl' | 'endpointOrigin'> {
  const regionSetting = profile.settings.get('region');
  const region = regionSetting ? scalar(regionSetting, 'region', profile) : '';
  if (regionSetting && !REGION_PATTERN.test(region)) {
    throw new ConfigError('InvalidRegionError', `Provided region_name '${region}' doesn't match a supported format.`, regionSetting.origin);
  }
  const endpoint = stsEndpoint(map, profile);
  return {
    ...(regionSetting && region !== '' ? { region, regionOrigin: regionSetting.origin } : {}),
    ...(endpoint ? { endpointUrl: endpoint.value, endpointOrigin: endpoint.origin } : {}),
  };
}

function stsEndpoint(map: ProfileMap, profile: Profile): { value: string; origin: Origin } | undefined {
  const ignore = profile.settings.get('ignore_configured_endpoint_urls');
  if (ignore && ignore.value.toLowerCase() === 'true') return undefined;
  const servicesName = profile.settings.get('services');
  if (servicesName) {
    checkedText(servicesName.value, 'services', servicesName.origin, `profile "${profile.name}"`);
    const section = map.services.get(servicesName.value);
    if (!section || section.settings.size === 0) {
      throw new ConfigError(
        'InvalidConfigError',
        `The profile is configured to use the services section but the "${servicesName.value}" services configuration does not exist.`,
        servicesName.origin,
      );
    }
    const sts = section.settings.get('sts');
    if (sts && !sts.nested) {
      throw new ConfigError(
        'InvalidConfigError',
        `The "sts" setting of [services ${servicesName.value}] must be a nested block ("sts =" followed by indented "endpoint_url = …" lines).`,
        sts.origin,
      );
    }
    const url = sts?.nested?.get('endpoint_url');
    if (sts && url) return { value: checkedText(url, 'endpoint_url', sts.origin, `[services ${servicesName.value}] sts`), origin: sts.origin };
  }
  const url = profile.settings.get('endpoint_url');
  return url && url.value !== '' ? { value: scalar(url, 'endpoint_url', profile), origin: url.origin } : undefined;
}

/** One parameter as botocore would send it, with what its model requires. */
interface Param {
  readonly name: string;
  readonly value: string | bigint;
  readonly origin: Origin;
}

function finishHop(planned: PlannedHop, index: number, ctx: ResolveContext): Hop {
  const { profile } = planned;
  const roleArn = scalar(planned.roleArn, 'role_arn', profile);
  const configuredName = planned.sessionName ? scalar(planned.sessionName, 'role_session_name', profile) : '';
  const roleSessionName = configuredName !== '' ? configuredName : ctx.defaultSessionName;
  const externalId = planned.externalId ? scalar(planned.externalId, 'external_id', profile) : undefined;
  const mfaSerial = planned.mfaSerial ? scalar(planned.mfaSerial, 'mfa_serial', profile) : undefined;

  // botocore's request, in its parameter order (which is the order of its validation messages).
  const params: Param[] = [];
  const add = (name: string, value: string | bigint | undefined, origin?: Origin) => {
    if (value !== undefined) params.push({ name, value, origin: origin ?? planned.roleArn.origin });
  };
  if (planned.sessionName) add('RoleSessionName', roleSessionName, planned.sessionName.origin);
  add('ExternalId', externalId, planned.externalId?.origin);
  add('SerialNumber', mfaSerial, planned.mfaSerial?.origin);
  add('DurationSeconds', planned.duration?.value, planned.duration?.setting.origin);
  add('RoleArn', roleArn);
  if (!planned.sessionName) add('RoleSessionName', roleSessionName);
  if (mfaSerial !== undefined && ctx.mfaCode?.kind === 'code') add('TokenCode', ctx.mfaCode.code, planned.mfaSerial?.origin);

  checkBotocoreParams(params);
  checkPreflight(params, index, planned);

  const duration = planned.duration?.value;
  return {
    action: planned.action,
    roleArn,
    roleSessionName,
    ...(duration === undefined ? {} : { durationSeconds: Number(duration) }),
    ...(externalId === undefined ? {} : { externalId }),
    tags: [],
    transitiveTagKeys: [],
    policyArns: [],
    ...(mfaSerial !== undefined && ctx.mfaCode ? { mfa: { serialNumber: mfaSerial, code: ctx.mfaCode } } : {}),
    origin: planned.roleArn.origin,
  };
}

/** Minimum lengths and values from the STS model: the only constraints botocore checks. */
const MIN_LENGTH: Readonly<Record<string, number>> = { RoleArn: 20, RoleSessionName: 2, ExternalId: 2, SerialNumber: 9, TokenCode: 6 };
const MIN_VALUE: Readonly<Record<string, number>> = { DurationSeconds: 900 };

function checkBotocoreParams(params: readonly Param[]): void {
  const failures: { text: string; origin: Origin }[] = [];
  for (const { name, value, origin } of params) {
    if (typeof value === 'bigint') {
      const min = MIN_VALUE[name];
      if (min !== undefined && value < BigInt(min)) {
        failures.push({ text: `Invalid value for parameter ${name}, value: ${value}, valid min value: ${min}`, origin });
      }
    } else {
      const min = MIN_LENGTH[name];
      const length = codePoints(value);
      if (min !== undefined && length < min) {
        failures.push({ text: `Invalid length for parameter ${name}, value: ${length}, valid min length: ${min}`, origin });
      }
    }
  }
  const first = failures[0];
  if (first) {
    throw new ConfigError('ParamValidationError', `Parameter validation failed:\n${failures.map((f) => f.text).join('\n')}`, first.origin);
  }
}

/** STS constraints botocore leaves to the service (max lengths, patterns, max values). */
const STS_CONSTRAINTS: Readonly<Record<string, { member: string; max: number; pattern?: { regex: RegExp; text: string } }>> = {
  RoleSessionName: { member: 'roleSessionName', max: 64, pattern: { regex: SESSION_NAME, text: '[\\w+=,.@-]*' } },
  ExternalId: { member: 'externalId', max: 1224, pattern: { regex: EXTERNAL_ID, text: '[\\w+=,.@:\\/-]*' } },
  SerialNumber: { member: 'serialNumber', max: 256, pattern: { regex: SERIAL_NUMBER, text: '[\\w+=/:,.@-]*' } },
  DurationSeconds: { member: 'durationSeconds', max: 43200 },
  RoleArn: { member: 'roleArn', max: 2048 },
};

function checkPreflight(params: readonly Param[], index: number, planned: PlannedHop): void {
  const roleArn = planned.roleArn;
  if (!parseRoleArn(roleArn.value)) {
    throw new PreflightError(
      'ValidationError',
      `Role ARN "${roleArn.value}" is not an IAM role ARN (arn:<partition>:iam::<12-digit account id>:role/<name>).`,
      roleArn.origin,
    );
  }
  const violations: { text: string; origin: Origin }[] = [];
  for (const { name, value, origin } of params) {
    const rule = STS_CONSTRAINTS[name];
    if (!rule) continue;
    const shown = `Value '${String(value)}' at '${rule.member}' failed to satisfy constraint: Member must`;
    if (typeof value === 'bigint') {
      if (value > BigInt(rule.max)) violations.push({ text: `${shown} have value less than or equal to ${rule.max}`, origin });
      continue;
    }
    if (codePoints(value) > rule.max) violations.push({ text: `${shown} have length less than or equal to ${rule.max}`, origin });
    if (rule.pattern && !rule.pattern.regex.test(value)) {
      violations.push({ text: `${shown} satisfy regular expression pattern: ${rule.pattern.text}`, origin });
    }
  }
  const first = violations[0];
  if (first) {
    const count = `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected`;
    throw new PreflightError('ValidationError', `${count}: ${violations.map((v) => v.text).join('; ')}`, first.origin);
  }
  const duration = planned.duration;
  if (index > 0 && duration && duration.value > 3600n) {
    throw new PreflightError('ValidationError', CHAINED_DURATION_MESSAGE, duration.setting.origin);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function optional<K extends string>(key: K, setting: Setting | undefined): { [P in K]?: Setting } {
  return (setting === undefined ? {} : { [key]: setting }) as { [P in K]?: Setting };
}

/** A setting used as a single value; botocore's nested blocks make no sense there. */
function scalar(setting: Setting, key: string, profile: Profile): string {
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
function checkedText(value: string, key: string, origin: Origin, owner: string): string {
  const problem = forbiddenCharProblem(value);
  if (problem) throw new ConfigError('InvalidConfigError', `The setting "${key}" of ${owner} ${problem}.`, origin);
  return value;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Python's `int(text)` for a decimal string: optional sign, digits with single `_` between them,
 * surrounding whitespace allowed. Undefined where Python raises ValueError. (Non-ASCII decimal
 * digits, which Python also accepts, are treated as not a number.)
 */
export function pyInt(text: string): bigint | undefined {
  const match = /^([+-]?)([0-9]+(?:_[0-9]+)*)$/.exec(pyStrip(text));
  if (!match) return undefined;
  const value = BigInt((match[2] as string).replaceAll('_', ''));
  return match[1] === '-' ? -value : value;
}

/** Python's `repr()` of a str. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch)) out += pyEscape(ch.codePointAt(0) ?? 0);
    else out += ch;
  }
  return out + quote;
}

function pyEscape(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Python's `repr()` of a list of str. */
export function pyListRepr(items: readonly string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}
