/** Parameter validation in STS's (Coral's) wording, the parameters each action accepts, and policy/duration limits. */
import type { WorldRole } from '../world.js';
import { MSG_CHAINING_LIMIT, MSG_MAX_SESSION, StsError } from './errors.js';
import type { Params, SessionTag } from './types.js';

export class Validator {
  readonly errors: string[] = [];
  private fail(member: string, value: string | null, rule: string): void {
    this.errors.push(`Value ${value === null ? 'null' : `'${value}'`} at '${member}' failed to satisfy constraint: Member must ${rule}`);
  }
  required(member: string, v: string | undefined): v is string {
    if (v === undefined) this.fail(member, null, 'not be null');
    return v !== undefined;
  }
  /** Length (in code points) and optional pattern; `shown` replaces the value in the message (for secrets). */
  string(member: string, v: string | undefined, min: number, max: number, pattern?: string, shown?: string): void {
    if (v === undefined) return;
    const len = [...v].length;
    const display = shown ?? v;
    if (len < min) this.fail(member, display, `have length greater than or equal to ${min}`);
    if (len > max) this.fail(member, display, `have length less than or equal to ${max}`);
    if (pattern !== undefined && !new RegExp(`^(?:${pattern})$`, 'u').test(v)) {
      this.fail(member, display, `satisfy regular expression pattern: ${pattern}`);
    }
  }
  integer(member: string, v: string | undefined, min: number, max: number): number | undefined {
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v.trim())) {
      this.fail(member, v, 'be an integer');
      return undefined;
    }
    const n = Number(v.trim());
    if (n < min) this.fail(member, v, `have value greater than or equal to ${min}`);
    if (n > max) this.fail(member, v, `have value less than or equal to ${max}`);
    return n;
  }
  listLength(member: string, list: readonly string[], max: number): void {
    if (list.length > max) this.fail(member, `[${list.join(', ')}]`, `have length less than or equal to ${max}`);
  }
  custom(message: string): void {
    this.errors.push(message);
  }
  check(): void {
    const n = this.errors.length;
    if (n > 0) {
      throw new StsError('ValidationError', `${n} validation error${n > 1 ? 's' : ''} detected: ${this.errors.join('; ')}`);
    }
  }
}

// Patterns from the STS API model (service-2.json), written as STS prints them.
export const P_SESSION_NAME = String.raw`[\w+=,.@-]*`;
export const P_EXTERNAL_ID = String.raw`[\w+=,.@:\/-]*`;
export const P_SERIAL = String.raw`[\w+=/:,.@-]*`;
export const P_TOKEN_CODE = String.raw`[\d]*`;
export const P_TAG_KEY = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`;
export const P_TAG_VALUE = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`;
const P_POLICY = String.raw`[\u0009\u000A\u000D\u0020-\u00FF]+`;

/** `Prefix.member.N[.field]` values ordered by N. */
export function memberList(params: Params, prefix: string, field?: string): string[] {
  const re = new RegExp(`^${prefix}\\.member\\.(\\d+)${field ? `\\.${field}` : ''}$`);
  const found: [number, string][] = [];
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (m) found.push([Number(m[1]), v]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export function tagList(params: Params): { index: number; key: string | undefined; value: string | undefined }[] {
  const byIndex = new Map<number, { key?: string; value?: string }>();
  for (const [k, v] of params) {
    const m = /^Tags\.member\.(\d+)\.(Key|Value)$/.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const t = byIndex.get(i) ?? {};
    if (m[2] === 'Key') t.key = v;
    else t.value = v;
    byIndex.set(i, t);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, t]) => ({ index, key: t.key, value: t.value }));
}

/** The parameters each action accepts (AWS may ignore others; the emulator refuses them). */
export const ALLOWED: Readonly<Record<string, { names: string[]; patterns: RegExp[] }>> = {
  AssumeRole: {
    names: [
      'RoleArn',
      'RoleSessionName',
      'DurationSeconds',
      'ExternalId',
      'Policy',
      'SourceIdentity',
      'SerialNumber',
      'TokenCode',
      'PolicyArns',
      'Tags',
      'TransitiveTagKeys',
      'ProvidedContexts',
    ],
    patterns: [
      /^PolicyArns\.member\.\d+\.arn$/,
      /^Tags\.member\.\d+\.(Key|Value)$/,
      /^TransitiveTagKeys\.member\.\d+$/,
      /^ProvidedContexts\.member\.\d+\.(ProviderArn|ContextAssertion)$/,
    ],
  },
  AssumeRoleWithWebIdentity: {
    names: ['RoleArn', 'RoleSessionName', 'WebIdentityToken', 'ProviderId', 'Policy', 'DurationSeconds', 'PolicyArns'],
    patterns: [/^PolicyArns\.member\.\d+\.arn$/],
  },
  GetCallerIdentity: { names: [], patterns: [] },
};

export function validatePolicies(v: Validator, params: Params): { policy?: string; policyArns: string[] } {
  const policy = params.get('Policy');
  v.string('policy', policy, 1, 2048, P_POLICY);
  const policyArns = memberList(params, 'PolicyArns', 'arn');
  v.listLength('policyArns', policyArns, 10);
  policyArns.forEach((a, i) => {
    v.string(`policyArns.${i + 1}.member.arn`, a, 20, 2048);
  });
  return { ...(policy !== undefined ? { policy } : {}), policyArns };
}

/** MalformedPolicyDocument / PackedPolicyTooLarge; returns PackedPolicySize (percent) when anything was packed. */
export function packPolicies(policy: string | undefined, policyArns: string[], tags: SessionTag[]): number | undefined {
  let minified = '';
  if (policy !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(policy);
    } catch {
      throw new StsError('MalformedPolicyDocument', 'Syntax errors in policy.');
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new StsError('MalformedPolicyDocument', 'Syntax errors in policy.');
    }
    minified = JSON.stringify(doc);
  }
  if (policy === undefined && policyArns.length === 0 && tags.length === 0) return undefined;
  // AWS's packed format is undocumented; this model charges plaintext characters against a 2048-character budget.
  const used = minified.length + policyArns.join('').length + tags.reduce((n, t) => n + t.key.length + t.value.length, 0);
  const percent = Math.max(1, Math.ceil((used * 100) / 2048));
  if (percent > 100) {
    throw new StsError('PackedPolicyTooLarge', `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`);
  }
  return percent;
}

export function checkDuration(duration: number | undefined, role: WorldRole, chained: boolean): number {
  const d = duration ?? 3600;
  if (chained && d > 3600) throw new StsError('ValidationError', MSG_CHAINING_LIMIT);
  if (d > (role.maxSessionDuration ?? 3600)) throw new StsError('ValidationError', MSG_MAX_SESSION);
  return d;
}
