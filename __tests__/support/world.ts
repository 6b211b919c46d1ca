/**
 * The "world" the local STS emulator serves: IAM users with keys, roles with trust rules, OIDC providers.
 * Development/test only; never imported by `src/`.
 *
 * A world file is JSON. String values may contain `${NAME}` placeholders, filled by `resolveWorld(raw, vars)`
 * (the emulator CLI provides `OIDC_ISSUER`, the URL of the OIDC stand-in it starts, which is not known before).
 */
import { readFileSync } from 'node:fs';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';
export const PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];

/**
 * A failure injected for calls that name a role (or, under the key `*`, for every STS call).
 * `count`: fail the next N calls; `-1` (or `Infinity`) = every call; `0` = spent.
 * `code` absent ⇒ no error: the call is only delayed (`delayMs`) or left hanging (`hang`), then answered normally.
 * `status` absent ⇒ the status AWS uses for that code (400 if unknown).
 */
export interface Fault {
  code?: string;
  status?: number;
  message?: string;
  count: number;
  delayMs?: number;
  /** Accept the connection and never answer (the socket is destroyed on `close()`). */
  hang?: boolean;
  /**
   * Answer successfully, but with this text as `AssumedRoleUser.Arn` (a hostile or broken STS). The
   * fault's `code` and `message`, and this text, reach the client character for character: line
   * breaks and controls are sent as XML character references, which the SDK's parser decodes.
   */
  assumedArn?: string;
}

/** An IAM identity with keys: an IAM user (`arn:aws:iam::ACCT:user/NAME`), the root, or pre-existing session keys
 * (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION` with a `sessionToken`). */
export interface WorldUser {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests signed with this key must carry it as `X-Amz-Security-Token`. */
  sessionToken?: string;
  /** ISO-8601; requests signed after it fail with ExpiredToken. */
  expiration?: string;
}

export interface WorldOidcTrust {
  /** Issuer URL as in the token's `iss` (scheme and trailing `/` are ignored when comparing). */
  issuer: string;
  /** Must equal the token's `aud` (or one of them). */
  audience: string;
  /** Glob over the token's `sub`, `*` = any run of characters, `?` = one character (IAM StringLike). */
  subject: string;
}

export interface WorldTrust {
  /** User ARNs, role ARNs, assumed-role session ARNs, 12-digit account IDs, `arn:PART:iam::ACCT:root`, or `*`. */
  principals?: string[];
  /** Web-identity trust; several entries = any of them. */
  oidc?: WorldOidcTrust | WorldOidcTrust[];
}

export interface WorldRole {
  arn: string;
  /** 3600..43200; default 3600. */
  maxSessionDuration?: number;
  trust: WorldTrust;
  /** When set, AssumeRole must send exactly this ExternalId. */
  externalId?: string;
  /** When set, AssumeRole must send this SerialNumber and a valid TokenCode. */
  mfa?: {
    serialNumber: string;
    /** Base32 TOTP secret (RFC 6238, SHA-1, 30 s, 6 digits, ±1 step). Absent ⇒ any 6-digit code is accepted. */
    totpSecret?: string;
  };
  /** sts:TagSession allowed for this role's trust; default true. */
  allowTagSession?: boolean;
  faults?: Fault;
}

export interface World {
  users: WorldUser[];
  roles: WorldRole[];
  /** Issuers registered as IAM OIDC providers. Issuers named in a role's trust are registered implicitly. */
  oidcProviders?: { issuer: string }[];
  /** Signing regions for which STS answers RegionDisabledException. */
  disabledRegions?: string[];
  /** The world user whose credentials the IMDSv2 endpoint serves, and the instance-profile role name it reports. */
  instanceMetadata?: { accessKeyId: string; profileName?: string };
  /** When set, the container-credentials endpoint requires this exact `Authorization` header value. */
  containerAuthorizationToken?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// ARNs

export interface ParsedArn {
  partition: Partition;
  service: 'iam' | 'sts';
  account: string;
  /** Everything after the account, e.g. `role/path/name`, `user/alice`, `assumed-role/r/s`, `root`. */
  resource: string;
}

const ARN_RE = /^arn:(aws|aws-cn|aws-us-gov):(iam|sts)::(\d{12}):(.+)$/;

export function parseArn(arn: string): ParsedArn | undefined {
  const m = ARN_RE.exec(arn);
  if (!m) return undefined;
  return { partition: m[1] as Partition, service: m[2] as 'iam' | 'sts', account: m[3]!, resource: m[4]! };
}

/** `arn:aws:iam::1:role/path/name` → `name`. */
export function roleNameOf(roleArn: string): string {
  const p = parseArn(roleArn);
  const res = p?.resource ?? roleArn;
  return res.slice(res.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Loading and validation

/** Replace `${NAME}` in every string of a JSON value. Unknown names are left as they are. */
export function substitute(value: unknown, vars: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name: string) => vars[name] ?? all);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  }
  return value;
}

/** Substitute placeholders, then validate. Throws an Error listing every problem. */
export function resolveWorld(raw: unknown, vars: Readonly<Record<string, string>> = {}): World {
  const world = substitute(raw, vars);
  const problems = validateWorld(world);
  if (problems.length > 0) throw new Error(`invalid world:\n  ${problems.join('\n  ')}`);
  return world as World;
}

export function loadWorldFile(path: string, vars: Readonly<Record<string, string>> = {}): World {
  return resolveWorld(JSON.parse(readFileSync(path, 'utf8')) as unknown, vars);
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function validateFault(f: unknown, at: string, out: string[]): void {
  if (!isObj(f)) return void out.push(`${at}: must be an object`);
  if (typeof f.count !== 'number') out.push(`${at}.count: must be a number (-1 = always)`);
  if (f.code !== undefined && typeof f.code !== 'string') out.push(`${at}.code: must be a string`);
  if (f.status !== undefined && (typeof f.status !== 'number' || f.status < 100 || f.status > 599)) {
    out.push(`${at}.status: must be an HTTP status`);
  }
  if (f.delayMs !== undefined && typeof f.delayMs !== 'number') out.push(`${at}.delayMs: must be a number`);
  if (f.hang !== undefined && typeof f.hang !== 'boolean') out.push(`${at}.hang: must be a boolean`);
  if (f.assumedArn !== undefined && typeof f.assumedArn !== 'string') out.push(`${at}.assumedArn: must be a string`);
}

/** Problems with a world value, as human-readable lines (empty = valid). */
export function validateWorld(w: unknown): string[] {
  const out: string[] = [];
  if (!isObj(w)) return ['world: must be an object'];
  if (!Array.isArray(w.users)) out.push('users: must be an array');
  if (!Array.isArray(w.roles)) out.push('roles: must be an array');
  const keys = new Set<string>();
  (Array.isArray(w.users) ? w.users : []).forEach((u: unknown, i) => {
    const at = `users[${i}]`;
    if (!isObj(u)) {
      out.push(`${at}: must be an object`);
      return;
    }
    const arn = isStr(u.arn) ? parseArn(u.arn) : undefined;
    if (!arn) out.push(`${at}.arn: not an IAM/STS ARN in partition aws, aws-cn or aws-us-gov`);
    if (!isStr(u.accessKeyId)) out.push(`${at}.accessKeyId: required`);
    else if (keys.has(u.accessKeyId)) out.push(`${at}.accessKeyId: duplicate ${u.accessKeyId}`);
    else keys.add(u.accessKeyId);
    if (!isStr(u.secretAccessKey)) out.push(`${at}.secretAccessKey: required`);
    if (u.sessionToken !== undefined && !isStr(u.sessionToken)) out.push(`${at}.sessionToken: must be a string`);
    if (u.expiration !== undefined && (typeof u.expiration !== 'string' || Number.isNaN(Date.parse(u.expiration)))) {
      out.push(`${at}.expiration: must be an ISO-8601 date`);
    }
  });
  const roleArns = new Set<string>();
  (Array.isArray(w.roles) ? w.roles : []).forEach((r: unknown, i) => {
    const at = `roles[${i}]`;
    if (!isObj(r)) {
      out.push(`${at}: must be an object`);
      return;
    }
    const arn = isStr(r.arn) ? parseArn(r.arn) : undefined;
    if (arn?.service !== 'iam' || !arn.resource.startsWith('role/')) {
      out.push(`${at}.arn: not a role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)`);
    } else if (roleArns.has(r.arn as string)) out.push(`${at}.arn: duplicate`);
    else roleArns.add(r.arn as string);
    const max = r.maxSessionDuration;
    if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 3600 || max > 43200)) {
      out.push(`${at}.maxSessionDuration: integer 3600..43200`);
    }
    if (!isObj(r.trust)) out.push(`${at}.trust: required object`);
    else {
      const t = r.trust;
      if (t.principals !== undefined && (!Array.isArray(t.principals) || !t.principals.every(isStr))) {
        out.push(`${at}.trust.principals: must be an array of strings`);
      }
      if (t.oidc !== undefined) {
        const list: unknown[] = Array.isArray(t.oidc) ? t.oidc : [t.oidc];
        list.forEach((o, j) => {
          if (!isObj(o) || !isStr(o.issuer) || !isStr(o.audience) || !isStr(o.subject)) {
            out.push(`${at}.trust.oidc${Array.isArray(t.oidc) ? `[${j}]` : ''}: needs issuer, audience, subject strings`);
          }
        });
      }
    }
    if (r.externalId !== undefined && !isStr(r.externalId)) out.push(`${at}.externalId: must be a string`);
    if (r.mfa !== undefined) {
      if (!isObj(r.mfa) || !isStr(r.mfa.serialNumber)) out.push(`${at}.mfa.serialNumber: required`);
      else if (r.mfa.totpSecret !== undefined && !/^[A-Z2-7]+=*$/i.test(String(r.mfa.totpSecret).replace(/\s/g, ''))) {
        out.push(`${at}.mfa.totpSecret: must be base32`);
      }
    }
    if (r.allowTagSession !== undefined && typeof r.allowTagSession !== 'boolean') {
      out.push(`${at}.allowTagSession: must be a boolean`);
    }
    if (r.faults !== undefined) validateFault(r.faults, `${at}.faults`, out);
  });
  if (w.oidcProviders !== undefined) {
    if (!Array.isArray(w.oidcProviders) || !w.oidcProviders.every((p) => isObj(p) && isStr(p.issuer))) {
      out.push('oidcProviders: must be an array of { issuer }');
    }
  }
  if (w.disabledRegions !== undefined && (!Array.isArray(w.disabledRegions) || !w.disabledRegions.every(isStr))) {
    out.push('disabledRegions: must be an array of region names');
  }
  if (w.instanceMetadata !== undefined) {
    const im = w.instanceMetadata;
    if (!isObj(im) || !isStr(im.accessKeyId) || !keys.has(im.accessKeyId)) {
      out.push('instanceMetadata.accessKeyId: must name a world user');
    }
  }
  return out;
}
