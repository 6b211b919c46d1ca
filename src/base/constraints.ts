/**
 * STS parameter constraints (from the STS API reference / service model), checked before any call.
 * Each check returns a problem description, or undefined when the value is fine.
 */

/**
 * Characters no AWS identifier, endpoint, region or path from a config may hold, and that could end a
 * log line or drive a terminal if printed: C0 and C1 controls (CR, LF, ESC, U+0085 …), DEL, the Unicode
 * line and paragraph separators, and the bidi controls that reorder text on screen. The one rule for
 * inputs and config values alike; the message names the character by code point, never raw.
 */
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export function forbiddenCharProblem(value: string, allow: { tab?: boolean; lineBreaks?: boolean } = {}): string | undefined {
  for (const ch of value) {
    if (!FORBIDDEN_CHAR.test(ch)) continue;
    if (ch === '\t' && allow.tab) continue;
    if (ch === '\n' && allow.lineBreaks) continue;
    const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    const what =
      ch === '\n' || ch === '\r' || ch === '\u0085' || ch === '\u2028' || ch === '\u2029'
        ? 'a line break'
        : /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(ch)
          ? 'a bidi control'
          : 'a control character';
    return `contains ${what} (${code}), which AWS does not accept here and the log must not show`;
  }
  return undefined;
}

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'];

const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

export interface RoleArnParts {
  readonly partition: string;
  readonly accountId: string;
  readonly roleName: string;
}

export function parseRoleArn(arn: string): RoleArnParts | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m || arn.length > 2048 || !PARTITIONS.includes(m[1]!)) return undefined;
  return { partition: m[1]!, accountId: m[2]!, roleName: m[3]! };
}

export function roleArnProblem(arn: string): string | undefined {
  if (parseRoleArn(arn)) return undefined;
  const partition = /^arn:([^:]*):/.exec(arn)?.[1];
  if (partition !== undefined && !PARTITIONS.includes(partition)) {
    return `"${arn}" names an unknown partition "${partition}" (expected one of ${PARTITIONS.join(', ')})`;
  }
  return `"${arn}" is not an IAM role ARN (expected arn:PARTITION:iam::ACCOUNT_ID:role/NAME)`;
}

/** Region names as botocore accepts them. */
const REGION = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function regionProblem(region: string): string | undefined {
  return REGION.test(region) ? undefined : `"${region}" is not a valid region name`;
}

/** The partition a region belongs to (AWS's published region prefixes). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-') || region.startsWith('eu-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

export const SESSION_NAME = /^[\w+=,.@-]*$/;

export function sessionNameProblem(name: string): string | undefined {
  if (name.length < 2 || name.length > 64) return `"${name}" must be 2 to 64 characters long`;
  if (!SESSION_NAME.test(name)) return `"${name}" may only contain letters, digits and _+=,.@-`;
  return undefined;
}

export const EXTERNAL_ID = /^[\w+=,.@:/-]*$/;
export const SERIAL_NUMBER = /^[\w+=/:,.@-]*$/;

export function externalIdProblem(id: string): string | undefined {
  if (id.length < 2 || id.length > 1224) return 'must be 2 to 1224 characters long';
  if (!EXTERNAL_ID.test(id)) return 'may only contain letters, digits and _+=,.@:/-';
  return undefined;
}

export function sourceIdentityProblem(value: string): string | undefined {
  if (value.length < 2 || value.length > 64) return `"${value}" must be 2 to 64 characters long`;
  if (!SESSION_NAME.test(value)) return `"${value}" may only contain letters, digits and _+=,.@-`;
  if (value.startsWith('aws:')) return `"${value}" must not start with "aws:"`;
  return undefined;
}

export const DURATION = { min: 900, max: 43200 } as const;
/** STS caps sessions of roles assumed with role-session credentials at one hour. */
export const CHAINED_MAX_DURATION = 3600;
export const CHAINED_DURATION_MESSAGE = 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';

export const TAG_LIMITS = { count: 50, key: 128, value: 256 } as const;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function tagProblem(key: string, value: string): string | undefined {
  // STS's \p{Z} admits U+2028/U+2029; a tag key is printed in the plan, so line breaks are refused here too.
  if (forbiddenCharProblem(key)) return `a tag key ${forbiddenCharProblem(key)}`;
  if (forbiddenCharProblem(value)) return `tag "${key}" value ${forbiddenCharProblem(value)}`;
  if (key.length < 1 || key.length > TAG_LIMITS.key) return `tag key "${key}" must be 1 to ${TAG_LIMITS.key} characters`;
  if (!TAG_CHARS.test(key)) return `tag key "${key}" has characters STS does not accept`;
  if (value.length > TAG_LIMITS.value) return `tag "${key}" value must be at most ${TAG_LIMITS.value} characters`;
  if (!TAG_CHARS.test(value)) return `tag "${key}" value has characters STS does not accept`;
  return undefined;
}

/** Replace characters STS rejects in tag values and cut to length (for tags built from the GitHub context). */
export function sanitizeTagValue(value: string): string {
  return cutUtf16(value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]|[\u2028\u2029]/gu, '_'), TAG_LIMITS.value);
}

/** At most `max` UTF-16 units, never ending inside a surrogate pair. */
export function cutUtf16(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

export const MAX_POLICY_ARNS = 10;
export const MAX_POLICY_CHARS = 2048;
const POLICY_ARN = /^arn:[a-z-]+:iam::(\d{12}|aws):policy\/[\x21-\x7e]+$/;

export function policyArnProblem(arn: string): string | undefined {
  return POLICY_ARN.test(arn) ? undefined : `"${arn}" is not an IAM policy ARN`;
}

export function policyProblem(policy: string): string | undefined {
  if (policy.length > MAX_POLICY_CHARS) return `is ${policy.length} characters; STS accepts at most ${MAX_POLICY_CHARS}`;
  if (!/^[\u0009\u000A\u000D\u0020-\u00FF]+$/.test(policy)) return 'has characters STS does not accept';
  try {
    const doc = JSON.parse(policy) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'must be a JSON object';
  } catch {
    return 'is not valid JSON';
  }
  return undefined;
}

export const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;

/**
 * The STS model's limits on the request members a profile hop sends, by API parameter name: the one
 * table both checks read. botocore validates only the minimums before sending; STS enforces the rest.
 * `member` is the name STS's ValidationError text uses. TokenCode's value is a secret and is never
 * quoted, so only its minimum (which botocore checks without quoting it) is listed.
 */
export const STS_PARAMETERS: Readonly<
  Record<
    string,
    {
      readonly member: string;
      readonly minLength?: number;
      readonly maxLength?: number;
      readonly min?: number;
      readonly max?: number;
      readonly pattern?: { readonly regex: RegExp; readonly text: string };
    }
  >
> = {
  RoleArn: { member: 'roleArn', minLength: 20, maxLength: 2048 },
  RoleSessionName: { member: 'roleSessionName', minLength: 2, maxLength: 64, pattern: { regex: SESSION_NAME, text: '[\\w+=,.@-]*' } },
  ExternalId: { member: 'externalId', minLength: 2, maxLength: 1224, pattern: { regex: EXTERNAL_ID, text: '[\\w+=,.@:\\/-]*' } },
  SerialNumber: { member: 'serialNumber', minLength: 9, maxLength: 256, pattern: { regex: SERIAL_NUMBER, text: '[\\w+=/:,.@-]*' } },
  TokenCode: { member: 'tokenCode', minLength: 6 },
  DurationSeconds: { member: 'durationSeconds', min: DURATION.min, max: DURATION.max },
};
