/**
 * `role_arn` + `source_profile` / `credential_source`: one AssumeRole hop per role profile. Here the
 * hop is read from its profile, and later finished with the checks botocore makes while calling
 * (its parameter validation) and those STS would make (preflight), both from the one STS table.
 */
import { CHAINED_DURATION_MESSAGE, CHAINED_MAX_DURATION, STS_PARAMETERS, parseRoleArn } from '../../base/constraints.js';
import { ConfigError } from '../../base/errors.js';
import type { Hop, Origin } from '../../base/types.js';
import type { Profile, Setting } from '../../config/profiles.js';
import { codePoints, pyInt } from '../../config/python.js';
import { optional, type PlannedHop, PreflightError, type ResolveContext, scalar } from './common.js';

export function plannedAssumeRoleHop(profile: Profile): PlannedHop {
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

/** One parameter as botocore would send it, with the config line it came from. */
interface Param {
  readonly name: string;
  readonly value: string | bigint;
  readonly origin: Origin;
}

export function finishHop(planned: PlannedHop, index: number, ctx: ResolveContext): Hop {
  const { profile } = planned;
  const roleArn = scalar(planned.roleArn, 'role_arn', profile);
  const configuredName = planned.sessionName ? scalar(planned.sessionName, 'role_session_name', profile) : '';
  const roleSessionName = configuredName !== '' ? configuredName : ctx.defaultSessionName;
  const externalId = planned.externalId ? scalar(planned.externalId, 'external_id', profile) : undefined;
  const mfaSerial = planned.mfaSerial ? scalar(planned.mfaSerial, 'mfa_serial', profile) : undefined;

  const params = requestParams(planned, { roleArn, roleSessionName, externalId, mfaSerial }, ctx);
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

/** botocore's request, in its parameter order (which is the order of its validation messages). */
function requestParams(
  planned: PlannedHop,
  values: { roleArn: string; roleSessionName: string; externalId?: string; mfaSerial?: string },
  ctx: ResolveContext,
): Param[] {
  const params: Param[] = [];
  const add = (name: string, value: string | bigint | undefined, origin?: Origin) => {
    if (value !== undefined) params.push({ name, value, origin: origin ?? planned.roleArn.origin });
  };
  if (planned.sessionName) add('RoleSessionName', values.roleSessionName, planned.sessionName.origin);
  add('ExternalId', values.externalId, planned.externalId?.origin);
  add('SerialNumber', values.mfaSerial, planned.mfaSerial?.origin);
  add('DurationSeconds', planned.duration?.value, planned.duration?.setting.origin);
  add('RoleArn', values.roleArn);
  if (!planned.sessionName) add('RoleSessionName', values.roleSessionName);
  if (values.mfaSerial !== undefined && ctx.mfaCode?.kind === 'code') add('TokenCode', ctx.mfaCode.code, planned.mfaSerial?.origin);
  return params;
}

/** Minimum lengths and values from the STS model: the only constraints botocore checks. */
function checkBotocoreParams(params: readonly Param[]): void {
  const failures: { text: string; origin: Origin }[] = [];
  for (const { name, value, origin } of params) {
    const rule = STS_PARAMETERS[name];
    if (typeof value === 'bigint') {
      const min = rule?.min;
      if (min !== undefined && value < BigInt(min)) {
        failures.push({ text: `Invalid value for parameter ${name}, value: ${value}, valid min value: ${min}`, origin });
      }
    } else {
      const min = rule?.minLength;
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
    const rule = STS_PARAMETERS[name];
    // The MFA code is a secret: never quoted in a message.
    if (!rule || name === 'TokenCode') continue;
    const shown = `Value '${String(value)}' at '${rule.member}' failed to satisfy constraint: Member must`;
    if (typeof value === 'bigint') {
      if (rule.max !== undefined && value > BigInt(rule.max)) violations.push({ text: `${shown} have value less than or equal to ${rule.max}`, origin });
      continue;
    }
    if (rule.maxLength !== undefined && codePoints(value) > rule.maxLength) {
      violations.push({ text: `${shown} have length less than or equal to ${rule.maxLength}`, origin });
    }
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
  if (index > 0 && duration && duration.value > BigInt(CHAINED_MAX_DURATION)) {
    throw new PreflightError('ValidationError', CHAINED_DURATION_MESSAGE, duration.setting.origin);
  }
}
