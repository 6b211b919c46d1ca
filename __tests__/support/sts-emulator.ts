/**
 * A local AWS STS emulator on 127.0.0.1 speaking the Query API (version 2011-06-15): AssumeRole,
 * AssumeRoleWithWebIdentity, GetCallerIdentity. Development/test only; never imported by `src/`.
 *
 * Requests are SigV4-verified against the world's users and the credentials the emulator issued; roles' trust, external
 * IDs, MFA, session tags, duration limits (including the 1-hour role-chaining limit) and parameter constraints are
 * enforced with AWS's error codes, HTTP statuses and (where known) message texts. Faults can be injected per role.
 *
 * Clocks: credential and token expiry use the emulated clock (`now` option + `advanceClock`); the SigV4 15-minute
 * skew check uses the real clock, since clients sign with the real one (or the `signerClocks` a test names).
 *
 * Also serves, for credential_source tests: `GET /container-credentials/<worldUserAccessKeyId>` (ECS-style) and IMDSv2
 * (`PUT /latest/api/token`, `GET /latest/meta-data/iam/security-credentials/[NAME]`) for `world.instanceMetadata`.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { listenOnLoopback } from './loopback.js';
import { appendFileSync } from 'node:fs';
import { createHash, createHmac, createPublicKey, randomBytes, randomUUID, verify as cryptoVerify } from 'node:crypto';
import { parseSigV4, scopeProblem, verifySigV4, type ReceivedRequest } from './sigv4.js';
import { parseArn, roleNameOf, type Fault, type Partition, type World, type WorldOidcTrust, type WorldRole } from './world.js';

export type { Fault, World, WorldRole, WorldUser } from './world.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_VERSION = '2011-06-15';

export interface StsEmulatorOptions {
  world: World;
  /** 0 or absent = a free port. */
  port?: number;
  /** Append one JSON line per call to this file. */
  logFile?: string;
  /** Emulated clock, epoch ms (default Date.now); `advanceClock` adds to it. */
  now?: () => number;
  /**
   * The clocks clients sign with (default: the real one). A signature passes the 15-minute skew check
   * when it is close to any of them: a test whose clients run on two clocks names both.
   */
  signerClocks?: () => readonly number[];
}

export interface CallSigner {
  accessKeyId: string;
  /** Signing region from the credential scope. */
  region: string;
  /** The identity that owns the key (user ARN or assumed-role ARN); null for an unknown key. */
  principalArn: string | null;
  /** An X-Amz-Security-Token was sent. */
  sessionToken: boolean;
  /** The signature was checked and matched. */
  verified: boolean;
}

/** Success fields are set per action; `errorCode`/`message` on failure. */
export interface CallResult {
  /** AssumeRole / AssumeRoleWithWebIdentity: the session ARN. */
  assumedRoleArn?: string;
  /** Issued (or, for credential endpoints, served) access key id. */
  accessKeyId?: string;
  expiration?: string;
  /** GetCallerIdentity, credential endpoints: the identity's ARN. */
  arn?: string;
  account?: string;
  userId?: string;
  errorCode?: string;
  message?: string;
}

export interface CallLogEntry {
  /** Emulated time, ISO-8601. */
  time: string;
  requestId: string;
  /** STS action, or `ContainerCredentials` / `InstanceMetadata` for the credential endpoints. */
  action: string;
  /**
   * Every request parameter except Action, Version and X-Amz-* auth parameters. WebIdentityToken is never logged:
   * its `sub` and `aud` claims appear as `WebIdentityToken.sub` / `WebIdentityToken.aud` when decodable.
   */
  params: Record<string, string>;
  signer: CallSigner | null;
  /** HTTP status answered; 0 when a hang fault left the request unanswered. */
  status: number;
  result: CallResult;
}

export interface SessionTag {
  key: string;
  value: string;
}

/** Credentials the emulator issued, with what it remembers about them. */
export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms (emulated clock). */
  expiresAt: number;
  /** Assumed-role session ARN, or the user ARN for container/IMDS user sessions. */
  principalArn: string;
  userId: string;
  account: string;
  partition: Partition;
  /** Set for role sessions: AssumeRole signed by these credentials is role chaining. */
  roleArn?: string;
  sessionName?: string;
  /** This session was itself obtained by role chaining. */
  chained: boolean;
  viaWebIdentity: boolean;
  sourceIdentity?: string;
  tags: SessionTag[];
  transitiveTagKeys: string[];
}

export interface StsEmulator {
  /** `http://127.0.0.1:PORT` (STS endpoint; also the IMDS endpoint). */
  readonly url: string;
  readonly port: number;
  readonly world: World;
  /** Live call log (same array across `clearCalls`). */
  readonly calls: readonly CallLogEntry[];
  /** Set (or with null, clear) the fault for calls naming `roleArn`; `*` = every STS call. */
  setFault(roleArn: string, fault: Fault | null): void;
  /** Move the emulated clock forward (or back, if negative). */
  advanceClock(seconds: number): void;
  /** Emulated time, epoch ms. */
  now(): number;
  clearCalls(): void;
  /** Every secret access key, session token and access key id the emulator issued (for leak checks). */
  issuedSecrets(): string[];
  issuedSessions(): readonly IssuedSession[];
  /** URL of the container-credentials endpoint serving the world user with this key. */
  containerCredentialsUrl(userAccessKeyId: string): string;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** HTTP status AWS answers with, by error code. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  AccessDenied: 403,
  ValidationError: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  MissingAuthenticationToken: 403,
  ExpiredToken: 400,
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPRejectedClaim: 403,
  IDPCommunicationError: 400,
  MalformedPolicyDocument: 400,
  PackedPolicyTooLarge: 400,
  RegionDisabledException: 403,
  Throttling: 400,
  InvalidAction: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

const DEFAULT_FAULT_MESSAGE: Readonly<Record<string, string>> = {
  Throttling: 'Rate exceeded',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
  IDPCommunicationError: "Couldn't contact your identity provider. Retry the request.",
  IDPRejectedClaim: 'The identity provider rejected the claims in the web identity token.',
  AccessDenied: 'Access denied',
};

export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = ERROR_STATUS[code] ?? 400,
    /** A fault's text: sent character for character (xmlVerbatim), as a hostile server could. */
    readonly verbatim = false,
  ) {
    super(message);
  }
}

const MSG_INVALID_TOKEN = 'The security token included in the request is invalid.';
const MSG_EXPIRED_TOKEN = 'The security token included in the request is expired';
const MSG_BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const MSG_CHAINING_LIMIT = 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';
export const MSG_MAX_SESSION = 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.';
const MSG_WEB_IDENTITY_DENIED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
const MSG_NO_VERIFICATION_KEY =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

const denied = (caller: string, action: string, resource: string): StsError =>
  new StsError('AccessDenied', `User: ${caller} is not authorized to perform: ${action} on resource: ${resource}`);

/** Thrown internally for a hang fault: the request is never answered. */
class Hang extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** Escape text content (`&`, `<`, `>`, `"`; apostrophes stay literal, as in STS messages). */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const el = (name: string, text: string): string => `<${name}>${xmlEscape(text)}</${name}>`;

/** Every character outside printable ASCII as a character reference: CR, ESC, U+2028… arrive as sent. */
export function xmlVerbatim(s: string): string {
  const escaped = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return escaped.replace(/[^\x20-\x7e]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16)};`);
}

/** `2026-01-01T00:00:00Z`, as STS writes Expiration. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const randomFrom = (alphabet: string, n: number): string => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');
/** Deterministic IAM unique id: prefix + 17 chars of base32 over the ARN. */
function uniqueId(prefix: string, arn: string): string {
  const h = createHash('sha256').update(arn).digest();
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + [...h.subarray(0, 17)].map((b) => B32[b % 32]).join('');
}

/** Base32 (RFC 4648) decoding, case-insensitive, padding and spaces ignored. */
export function base32Decode(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA-1, 30-second steps, 6 digits) for a base32 secret at `atMs`. */
export function totp(secretBase32: string, atMs: number, stepOffset = 0): string {
  const counter = Math.floor(atMs / 1000 / 30) + stepOffset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(msg).digest();
  const off = mac[mac.length - 1]! & 0x0f;
  const code = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

function decodeJwtPart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `https://x/` → `x`: issuers compare without scheme and trailing slash. */
const normIssuer = (iss: string): string => iss.replace(/^https?:\/\//i, '').replace(/\/+$/, '');

/** IAM StringLike: `*` any run, `?` one character, everything else literal. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${re}$`).test(value);
}

function getJson(url: string, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) return reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Parameter validation in STS's (Coral's) wording

class Validator {
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
const P_SESSION_NAME = String.raw`[\w+=,.@-]*`;
const P_EXTERNAL_ID = String.raw`[\w+=,.@:\/-]*`;
const P_SERIAL = String.raw`[\w+=/:,.@-]*`;
const P_TOKEN_CODE = String.raw`[\d]*`;
const P_TAG_KEY = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`;
const P_TAG_VALUE = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`;
const P_POLICY = String.raw`[\u0009\u000A\u000D\u0020-\u00FF]+`;

type Params = Map<string, string>;

/** `Prefix.member.N[.field]` values ordered by N. */
function memberList(params: Params, prefix: string, field?: string): string[] {
  const re = new RegExp(`^${prefix}\\.member\\.(\\d+)${field ? `\\.${field}` : ''}$`);
  const found: [number, string][] = [];
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (m) found.push([Number(m[1]), v]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function tagList(params: Params): { index: number; key: string | undefined; value: string | undefined }[] {
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

const ALLOWED: Readonly<Record<string, { names: string[]; patterns: RegExp[] }>> = {
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

// ---------------------------------------------------------------------------------------------------------------
// Identities

/** Who signed a request. */
interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: number;
  arn: string;
  account: string;
  partition: Partition;
  userId: string;
  /** Role sessions only. */
  roleArn?: string;
  sourceIdentity?: string;
  transitiveTags: SessionTag[];
}

function principalFromSession(s: IssuedSession): Principal {
  return {
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    sessionToken: s.sessionToken,
    expiresAt: s.expiresAt,
    arn: s.principalArn,
    account: s.account,
    partition: s.partition,
    userId: s.userId,
    ...(s.roleArn !== undefined ? { roleArn: s.roleArn } : {}),
    ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
    transitiveTags: s.tags.filter((t) => s.transitiveTagKeys.some((k) => k.toLowerCase() === t.key.toLowerCase())),
  };
}

/** User id and (for `assumed-role` ARNs) role ARN of a world identity. */
function describeArn(arn: string): { userId: string; roleArn?: string } {
  const p = parseArn(arn)!;
  const m = /^assumed-role\/([^/]+)\/(.+)$/.exec(p.resource);
  if (p.service === 'sts' && m) {
    const roleArn = `arn:${p.partition}:iam::${p.account}:role/${m[1]}`;
    return { userId: `${uniqueId('AROA', roleArn)}:${m[2]}`, roleArn };
  }
  if (p.resource === 'root') return { userId: p.account };
  return { userId: uniqueId('AIDA', arn) };
}

function trustAllows(role: WorldRole, caller: Principal): boolean {
  const roleArn = parseArn(role.arn)!;
  if (roleArn.partition !== caller.partition) return false;
  const callerRoleName = caller.roleArn ? roleNameOf(caller.roleArn) : undefined;
  return (role.trust.principals ?? []).some((p) => {
    if (p === '*') return true;
    if (/^\d{12}$/.test(p)) return p === caller.account;
    if (p === caller.arn) return true;
    const pa = parseArn(p);
    if (!pa || pa.partition !== caller.partition || pa.account !== caller.account) return false;
    if (pa.resource === 'root') return true;
    if (caller.roleArn !== undefined && pa.service === 'iam' && pa.resource.startsWith('role/')) {
      return p === caller.roleArn || roleNameOf(p) === callerRoleName;
    }
    return false;
  });
}

const oidcTrusts = (role: WorldRole): WorldOidcTrust[] =>
  role.trust.oidc === undefined ? [] : Array.isArray(role.trust.oidc) ? role.trust.oidc : [role.trust.oidc];

// ---------------------------------------------------------------------------------------------------------------

export async function startStsEmulator(opts: StsEmulatorOptions): Promise<StsEmulator> {
  const world = opts.world;
  const baseNow = opts.now ?? Date.now;
  /** MFA serial → codes already accepted (AWS takes each code once per device). */
  const usedMfaCodes = new Map<string, Set<string>>();
  let offsetMs = 0;
  const now = (): number => baseNow() + offsetMs;
  const calls: CallLogEntry[] = [];
  const issued = new Map<string, IssuedSession>();
  const rolesByArn = new Map(world.roles.map((r) => [r.arn, r]));
  const usersByKey = new Map(world.users.map((u) => [u.accessKeyId, u]));
  const faults = new Map<string, Fault>();
  for (const r of world.roles) if (r.faults) faults.set(r.arn, { ...r.faults });
  const jwksCache = new Map<string, Record<string, unknown>[]>();
  const imdsTokens = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let url = '';

  const knownIssuers = (): Set<string> =>
    new Set([...(world.oidcProviders ?? []).map((p) => normIssuer(p.issuer)), ...world.roles.flatMap((r) => oidcTrusts(r).map((o) => normIssuer(o.issuer)))]);

  function lookupKey(accessKeyId: string): Principal | undefined {
    const s = issued.get(accessKeyId);
    if (s) return principalFromSession(s);
    const u = usersByKey.get(accessKeyId);
    if (!u) return undefined;
    const p = parseArn(u.arn)!;
    const d = describeArn(u.arn);
    return {
      accessKeyId: u.accessKeyId,
      secretAccessKey: u.secretAccessKey,
      ...(u.sessionToken !== undefined ? { sessionToken: u.sessionToken } : {}),
      ...(u.expiration !== undefined ? { expiresAt: Date.parse(u.expiration) } : {}),
      arn: u.arn,
      account: p.account,
      partition: p.partition,
      userId: d.userId,
      ...(d.roleArn !== undefined ? { roleArn: d.roleArn } : {}),
      transitiveTags: [],
    };
  }

  function issue(fields: Omit<IssuedSession, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>): IssuedSession {
    const s: IssuedSession = {
      accessKeyId: `ASIA${randomFrom(ALNUM, 16)}`,
      secretAccessKey: randomFrom(B64, 40),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(420).toString('base64')}`,
      ...fields,
    };
    issued.set(s.accessKeyId, s);
    return s;
  }

  function log(entry: CallLogEntry): void {
    calls.push(entry);
    if (opts.logFile) appendFileSync(opts.logFile, `${JSON.stringify(entry)}\n`);
  }

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      timers.add(t);
    });

  async function applyFault(key: string | undefined): Promise<Fault | undefined> {
    for (const k of [key, '*']) {
      if (k === undefined) continue;
      const f = faults.get(k);
      if (!f || f.count === 0) continue;
      if (f.count > 0 && Number.isFinite(f.count)) f.count -= 1;
      if (f.delayMs) await sleep(f.delayMs);
      if (f.hang) throw new Hang();
      if (f.code) {
        throw new StsError(f.code, f.message ?? DEFAULT_FAULT_MESSAGE[f.code] ?? f.code, f.status ?? ERROR_STATUS[f.code] ?? 400, true);
      }
      return f;
    }
    return undefined;
  }

  // ---- authentication ------------------------------------------------------------------------------------------

  function authenticate(rr: ReceivedRequest, entry: CallLogEntry): Principal {
    const parsed = parseSigV4(rr);
    if (parsed.kind === 'none') throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    if (parsed.kind === 'invalid') throw new StsError(parsed.code, parsed.message);
    const auth = parsed.auth;
    const principal = lookupKey(auth.accessKeyId);
    const signer: CallSigner = {
      accessKeyId: auth.accessKeyId,
      region: auth.region,
      principalArn: principal?.arn ?? null,
      sessionToken: auth.sessionToken !== undefined,
      verified: false,
    };
    entry.signer = signer;
    if (!principal) throw new StsError('InvalidClientTokenId', MSG_INVALID_TOKEN);
    if (auth.sessionToken !== principal.sessionToken) throw new StsError('InvalidClientTokenId', MSG_INVALID_TOKEN);
    if (principal.expiresAt !== undefined && now() >= principal.expiresAt) {
      throw new StsError('ExpiredToken', MSG_EXPIRED_TOKEN);
    }
    const scope = scopeProblem(auth, 'sts');
    if (scope) throw new StsError('SignatureDoesNotMatch', scope);
    // Of the signers' clocks, the one nearest the request's time judges its skew.
    const real = (opts.signerClocks?.() ?? [Date.now()]).reduce((best, c) => (Math.abs(c - auth.time) < Math.abs(best - auth.time) ? c : best));
    const skew = 15 * 60 * 1000;
    const fmt = (ms: number): string =>
      new Date(ms)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    if (auth.presigned && auth.expiresSeconds !== undefined && real > auth.time + auth.expiresSeconds * 1000) {
      throw new StsError(
        'SignatureDoesNotMatch',
        `Signature expired: ${auth.amzDate} is now earlier than ${fmt(real - auth.expiresSeconds * 1000)} (${fmt(real)} - ${auth.expiresSeconds} sec.)`,
      );
    }
    if (auth.time < real - skew) {
      throw new StsError('SignatureDoesNotMatch', `Signature expired: ${auth.amzDate} is now earlier than ${fmt(real - skew)} (${fmt(real)} - 15 min.)`);
    }
    if (auth.time > real + skew) {
      throw new StsError(
        'SignatureDoesNotMatch',
        `Signature not yet current: ${auth.amzDate} is still later than ${fmt(real + skew)} (${fmt(real)} + 15 min.)`,
      );
    }
    if (!verifySigV4(rr, auth, principal.secretAccessKey).ok) throw new StsError('SignatureDoesNotMatch', MSG_BAD_SIGNATURE);
    signer.verified = true;
    if ((world.disabledRegions ?? []).includes(auth.region)) {
      throw new StsError(
        'RegionDisabledException',
        `STS is not activated in this region for account:${principal.account}. ` +
          'Your account administrator can activate STS in this region using the IAM Console.',
      );
    }
    return principal;
  }

  // ---- shared AssumeRole* pieces ----------------------------------------------------------------------------------

  function validatePolicies(v: Validator, params: Params): { policy?: string; policyArns: string[] } {
    const policy = params.get('Policy');
    v.string('policy', policy, 1, 2048, P_POLICY);
    const policyArns = memberList(params, 'PolicyArns', 'arn');
    v.listLength('policyArns', policyArns, 10);
    policyArns.forEach((a, i) => v.string(`policyArns.${i + 1}.member.arn`, a, 20, 2048));
    return { ...(policy !== undefined ? { policy } : {}), policyArns };
  }

  /** MalformedPolicyDocument / PackedPolicyTooLarge; returns PackedPolicySize (percent) when anything was packed. */
  function packPolicies(policy: string | undefined, policyArns: string[], tags: SessionTag[]): number | undefined {
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

  function checkDuration(duration: number | undefined, role: WorldRole, chained: boolean): number {
    const d = duration ?? 3600;
    if (chained && d > 3600) throw new StsError('ValidationError', MSG_CHAINING_LIMIT);
    if (d > (role.maxSessionDuration ?? 3600)) throw new StsError('ValidationError', MSG_MAX_SESSION);
    return d;
  }

  function credentialsXml(s: IssuedSession): string {
    return (
      `<Credentials>${el('AccessKeyId', s.accessKeyId)}${el('SecretAccessKey', s.secretAccessKey)}` +
      `${el('SessionToken', s.sessionToken)}${el('Expiration', isoSeconds(s.expiresAt))}</Credentials>`
    );
  }

  function assumedRoleUserXml(s: IssuedSession): string {
    return `<AssumedRoleUser>${el('AssumedRoleId', s.userId)}${el('Arn', s.principalArn)}</AssumedRoleUser>`;
  }

  function newRoleSession(
    role: WorldRole,
    sessionName: string,
    durationSeconds: number,
    extra: Pick<IssuedSession, 'chained' | 'viaWebIdentity' | 'tags' | 'transitiveTagKeys'> & { sourceIdentity?: string },
  ): IssuedSession {
    const ra = parseArn(role.arn)!;
    return issue({
      expiresAt: now() + durationSeconds * 1000,
      principalArn: `arn:${ra.partition}:sts::${ra.account}:assumed-role/${roleNameOf(role.arn)}/${sessionName}`,
      userId: `${uniqueId('AROA', role.arn)}:${sessionName}`,
      account: ra.account,
      partition: ra.partition,
      roleArn: role.arn,
      sessionName,
      ...extra,
    });
  }

  // ---- actions -----------------------------------------------------------------------------------------------------

  function assumeRole(params: Params, caller: Principal, entry: CallLogEntry, requestId: string): string {
    const v = new Validator();
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    if (v.required('roleArn', roleArn)) v.string('roleArn', roleArn, 20, 2048);
    if (v.required('roleSessionName', sessionName)) v.string('roleSessionName', sessionName, 2, 64, P_SESSION_NAME);
    const duration = v.integer('durationSeconds', params.get('DurationSeconds'), 900, 43200);
    const externalId = params.get('ExternalId');
    v.string('externalId', externalId, 2, 1224, P_EXTERNAL_ID);
    const sourceIdentity = params.get('SourceIdentity');
    v.string('sourceIdentity', sourceIdentity, 2, 64, P_SESSION_NAME);
    if (sourceIdentity?.toLowerCase().startsWith('aws:')) {
      v.custom(`Value '${sourceIdentity}' at 'sourceIdentity' failed to satisfy constraint: Member must not start with 'aws:'`);
    }
    const serial = params.get('SerialNumber');
    const tokenCode = params.get('TokenCode');
    v.string('serialNumber', serial, 9, 256, P_SERIAL);
    v.string('tokenCode', tokenCode, 6, 6, P_TOKEN_CODE);
    const { policy, policyArns } = validatePolicies(v, params);
    const rawTags = tagList(params);
    if (rawTags.length > 50)
      v.custom(`Value '[${rawTags.length} tags]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
    rawTags.forEach((t, i) => {
      const at = `tags.${i + 1}.member`;
      if (v.required(`${at}.key`, t.key)) v.string(`${at}.key`, t.key, 1, 128, P_TAG_KEY);
      if (v.required(`${at}.value`, t.value)) v.string(`${at}.value`, t.value, 0, 256, P_TAG_VALUE);
    });
    const transitiveTagKeys = memberList(params, 'TransitiveTagKeys');
    v.listLength('transitiveTagKeys', transitiveTagKeys, 50);
    transitiveTagKeys.forEach((k, i) => v.string(`transitiveTagKeys.${i + 1}.member`, k, 1, 128, P_TAG_KEY));
    v.check();
    const tags = rawTags.map((t) => ({ key: t.key!, value: t.value! }));

    const role = rolesByArn.get(roleArn!);
    if (!role || !trustAllows(role, caller)) throw denied(caller.arn, 'sts:AssumeRole', roleArn!);
    if ((tags.length > 0 || transitiveTagKeys.length > 0) && role.allowTagSession === false) {
      throw denied(caller.arn, 'sts:TagSession', role.arn);
    }
    if (role.externalId !== undefined && externalId !== role.externalId) throw denied(caller.arn, 'sts:AssumeRole', role.arn);
    if (role.mfa) {
      if (serial === undefined || tokenCode === undefined) throw denied(caller.arn, 'sts:AssumeRole', role.arn);
      if (serial !== role.mfa.serialNumber) {
        throw new StsError(
          'AccessDenied',
          'MultiFactorAuthentication failed, unable to validate MFA code. ' + 'Please verify your MFA serial number is valid and associated with this user.',
        );
      }
      const secret = role.mfa.totpSecret;
      const t = now();
      if (secret !== undefined && ![-1, 0, 1].some((step) => totp(secret, t, step) === tokenCode)) {
        throw new StsError('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code. ');
      }
      // A one-time code is one time: AWS refuses a code the device already spent.
      const spent = usedMfaCodes.get(serial) ?? new Set<string>();
      if (spent.has(tokenCode)) throw new StsError('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code. ');
      spent.add(tokenCode);
      usedMfaCodes.set(serial, spent);
    }
    if (caller.sourceIdentity !== undefined && sourceIdentity !== undefined && sourceIdentity !== caller.sourceIdentity) {
      throw denied(caller.arn, 'sts:SetSourceIdentity', role.arn);
    }
    // Session tags are case-insensitive; inherited transitive tags cannot be overridden.
    const seen = new Set<string>();
    for (const t of tags) {
      const k = t.key.toLowerCase();
      if (seen.has(k)) {
        throw new StsError('ValidationError', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
      }
      seen.add(k);
      if (caller.transitiveTags.some((x) => x.key.toLowerCase() === k)) {
        throw new StsError('ValidationError', `Cannot override transitive session tag with key: ${t.key}`);
      }
    }
    for (const k of transitiveTagKeys) {
      if (!seen.has(k.toLowerCase())) {
        throw new StsError('ValidationError', `Transitive tag key ${k} is not one of the session tags in Tags.`);
      }
    }
    const chained = caller.roleArn !== undefined;
    const durationSeconds = checkDuration(duration, role, chained);
    const packed = packPolicies(policy, policyArns, tags);

    const si = sourceIdentity ?? caller.sourceIdentity;
    const s = newRoleSession(role, sessionName!, durationSeconds, {
      chained,
      viaWebIdentity: false,
      tags: [...caller.transitiveTags, ...tags],
      transitiveTagKeys: [...caller.transitiveTags.map((t) => t.key), ...transitiveTagKeys],
      ...(si !== undefined ? { sourceIdentity: si } : {}),
    });
    entry.result = { assumedRoleArn: s.principalArn, accessKeyId: s.accessKeyId, expiration: isoSeconds(s.expiresAt) };
    return (
      `<AssumeRoleResponse xmlns="${STS_NAMESPACE}">\n  <AssumeRoleResult>\n` +
      (si !== undefined ? `    ${el('SourceIdentity', si)}\n` : '') +
      `    ${assumedRoleUserXml(s)}\n    ${credentialsXml(s)}\n` +
      (packed !== undefined ? `    ${el('PackedPolicySize', String(packed))}\n` : '') +
      `  </AssumeRoleResult>\n  <ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata>\n</AssumeRoleResponse>\n`
    );
  }

  async function jwksFor(iss: string, refresh: boolean): Promise<Record<string, unknown>[]> {
    const key = normIssuer(iss);
    const cached = jwksCache.get(key);
    if (cached && !refresh) return cached;
    const base = /^https?:\/\//i.test(iss) ? iss.replace(/\/+$/, '') : `https://${key}`;
    let keys: Record<string, unknown>[];
    try {
      const conf = (await getJson(`${base}/.well-known/openid-configuration`)) as { jwks_uri?: unknown };
      if (typeof conf.jwks_uri !== 'string') throw new Error('no jwks_uri');
      const jwks = (await getJson(conf.jwks_uri)) as { keys?: unknown };
      if (!Array.isArray(jwks.keys)) throw new Error('no keys');
      keys = jwks.keys as Record<string, unknown>[];
    } catch {
      throw new StsError('InvalidIdentityToken', MSG_NO_VERIFICATION_KEY);
    }
    jwksCache.set(key, keys);
    return keys;
  }

  async function verifyJwt(token: string): Promise<Record<string, unknown>> {
    const parts = token.split('.');
    const header = decodeJwtPart(parts[0]);
    const claims = decodeJwtPart(parts[1]);
    if (parts.length !== 3 || !header || !claims) {
      throw new StsError('InvalidIdentityToken', "Couldn't parse the web identity token: not a JWT.");
    }
    const iss = claims.iss;
    if (typeof iss !== 'string' || !knownIssuers().has(normIssuer(iss))) {
      throw new StsError('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${String(iss)}`);
    }
    const hashes: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };
    const hash = typeof header.alg === 'string' ? hashes[header.alg] : undefined;
    if (!hash) throw new StsError('InvalidIdentityToken', `Unsupported token signing algorithm: ${String(header.alg)}`);
    const pick = (keys: Record<string, unknown>[]): Record<string, unknown> | undefined =>
      header.kid !== undefined ? keys.find((k) => k.kid === header.kid) : keys.length === 1 ? keys[0] : undefined;
    let jwk = pick(await jwksFor(iss, false));
    jwk ??= pick(await jwksFor(iss, true)); // key rotation: refetch once
    if (!jwk) throw new StsError('InvalidIdentityToken', MSG_NO_VERIFICATION_KEY);
    let ok = false;
    try {
      const key = createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
      ok = cryptoVerify(hash, Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new StsError(
        'InvalidIdentityToken',
        'The web identity token that was passed could not be validated by AWS. ' +
          'Get a new identity token from the identity provider and then retry the request.',
      );
    }
    const nowSec = Math.floor(now() / 1000);
    const leeway = 300;
    if (typeof claims.exp !== 'number' || nowSec >= claims.exp) {
      throw new StsError('ExpiredTokenException', `Token expired: current date/time ${nowSec} must be before the expiration date/time ${String(claims.exp)}`);
    }
    if (typeof claims.nbf === 'number' && claims.nbf > nowSec + leeway) {
      throw new StsError('InvalidIdentityToken', `Token is not yet valid: current date/time ${nowSec} is before nbf ${claims.nbf}`);
    }
    if (typeof claims.iat === 'number' && claims.iat > nowSec + leeway) {
      throw new StsError('InvalidIdentityToken', `Token is issued in the future: iat ${claims.iat}, current date/time ${nowSec}`);
    }
    return claims;
  }

  async function assumeRoleWithWebIdentity(params: Params, entry: CallLogEntry, requestId: string): Promise<string> {
    const v = new Validator();
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    const token = params.get('WebIdentityToken');
    if (v.required('roleArn', roleArn)) v.string('roleArn', roleArn, 20, 2048);
    if (v.required('roleSessionName', sessionName)) v.string('roleSessionName', sessionName, 2, 64, P_SESSION_NAME);
    if (v.required('webIdentityToken', token)) v.string('webIdentityToken', token, 4, 20000, undefined, '***');
    v.string('providerId', params.get('ProviderId'), 4, 2048);
    const duration = v.integer('durationSeconds', params.get('DurationSeconds'), 900, 43200);
    const { policy, policyArns } = validatePolicies(v, params);
    v.check();

    const claims = await verifyJwt(token!);
    const iss = claims.iss as string;
    const sub = typeof claims.sub === 'string' ? claims.sub : '';
    const auds = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
    const role = rolesByArn.get(roleArn!);
    const trust = role
      ? oidcTrusts(role).find((o) => normIssuer(o.issuer) === normIssuer(iss) && auds.includes(o.audience) && globMatch(o.subject, sub))
      : undefined;
    if (!role || !trust) throw new StsError('AccessDenied', MSG_WEB_IDENTITY_DENIED);
    const durationSeconds = checkDuration(duration, role, false);
    const packed = packPolicies(policy, policyArns, []);
    const siClaim = claims['https://aws.amazon.com/source_identity'];
    const sourceIdentity = typeof siClaim === 'string' ? siClaim : undefined;
    const s = newRoleSession(role, sessionName!, durationSeconds, {
      chained: false,
      viaWebIdentity: true,
      tags: [],
      transitiveTagKeys: [],
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    });
    const ra = parseArn(role.arn)!;
    const provider = `arn:${ra.partition}:iam::${ra.account}:oidc-provider/${normIssuer(iss)}`;
    entry.result = { assumedRoleArn: s.principalArn, accessKeyId: s.accessKeyId, expiration: isoSeconds(s.expiresAt) };
    return (
      `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NAMESPACE}">\n  <AssumeRoleWithWebIdentityResult>\n` +
      `    ${el('Audience', trust.audience)}\n` +
      (sourceIdentity !== undefined ? `    ${el('SourceIdentity', sourceIdentity)}\n` : '') +
      `    ${assumedRoleUserXml(s)}\n    ${credentialsXml(s)}\n` +
      `    ${el('Provider', provider)}\n    ${el('SubjectFromWebIdentityToken', sub)}\n` +
      (packed !== undefined ? `    ${el('PackedPolicySize', String(packed))}\n` : '') +
      `  </AssumeRoleWithWebIdentityResult>\n  <ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata>\n` +
      `</AssumeRoleWithWebIdentityResponse>\n`
    );
  }

  function getCallerIdentity(caller: Principal, entry: CallLogEntry, requestId: string): string {
    entry.result = { arn: caller.arn, account: caller.account, userId: caller.userId };
    return (
      `<GetCallerIdentityResponse xmlns="${STS_NAMESPACE}">\n  <GetCallerIdentityResult>\n` +
      `    ${el('Arn', caller.arn)}\n    ${el('UserId', caller.userId)}\n    ${el('Account', caller.account)}\n` +
      `  </GetCallerIdentityResult>\n  <ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata>\n` +
      `</GetCallerIdentityResponse>\n`
    );
  }

  // ---- HTTP ---------------------------------------------------------------------------------------------------------

  function sendXml(res: ServerResponse, status: number, body: string, requestId: string): void {
    res.writeHead(status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
    });
    res.end(body);
  }

  function errorXml(e: StsError, requestId: string): string {
    const field = (name: string, text: string): string => (e.verbatim ? `<${name}>${xmlVerbatim(text)}</${name}>` : el(name, text));
    return (
      `<ErrorResponse xmlns="${STS_NAMESPACE}">\n  <Error>\n    ${el('Type', e.status >= 500 ? 'Receiver' : 'Sender')}\n` +
      `    ${field('Code', e.code)}\n    ${field('Message', e.message)}\n  </Error>\n  ${el('RequestId', requestId)}\n</ErrorResponse>\n`
    );
  }

  function logParams(params: Params): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of params) {
      if (k === 'Action' || k === 'Version' || k.startsWith('X-Amz-')) continue;
      if (k === 'WebIdentityToken') {
        const c = decodeJwtPart(v.split('.')[1]);
        if (c && typeof c.sub === 'string') out['WebIdentityToken.sub'] = c.sub;
        if (c && c.aud !== undefined) out['WebIdentityToken.aud'] = Array.isArray(c.aud) ? c.aud.join(',') : String(c.aud);
        continue;
      }
      out[k] = v;
    }
    return out;
  }

  async function handleSts(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    const target = req.url ?? '/';
    const qIndex = target.indexOf('?');
    const params: Params = new Map(new URLSearchParams(qIndex < 0 ? '' : target.slice(qIndex + 1)));
    if (req.method === 'POST' && body.length > 0) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
    const action = params.get('Action') ?? '';
    const entry: CallLogEntry = {
      time: new Date(now()).toISOString(),
      requestId,
      action,
      params: logParams(params),
      signer: null,
      status: 0,
      result: {},
    };
    const rr: ReceivedRequest = { method: req.method ?? 'GET', url: target, rawHeaders: req.rawHeaders, body };
    try {
      if (req.method !== 'POST' && req.method !== 'GET') {
        throw new StsError('InvalidAction', `The HTTP method ${req.method ?? ''} is not supported.`, 405);
      }
      const allowed = ALLOWED[action];
      if (!allowed || params.get('Version') !== STS_VERSION) {
        throw new StsError('InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
      }
      const caller = action === 'AssumeRoleWithWebIdentity' ? undefined : authenticate(rr, entry);
      for (const k of params.keys()) {
        if (k === 'Action' || k === 'Version' || k.startsWith('X-Amz-')) continue;
        if (!allowed.names.includes(k) && !allowed.patterns.some((p) => p.test(k))) {
          // AWS may silently ignore unknown parameters; the emulator refuses them so client bugs show up in tests.
          throw new StsError('ValidationError', `The parameter ${k} is not recognized by ${action}.`);
        }
      }
      const fault = await applyFault(action === 'GetCallerIdentity' ? undefined : params.get('RoleArn'));
      let xml: string;
      if (action === 'AssumeRole') xml = assumeRole(params, caller!, entry, requestId);
      else if (action === 'AssumeRoleWithWebIdentity') xml = await assumeRoleWithWebIdentity(params, entry, requestId);
      else xml = getCallerIdentity(caller!, entry, requestId);
      if (fault?.assumedArn !== undefined) {
        const arn = xmlVerbatim(fault.assumedArn);
        xml = xml.replace(/(<AssumedRoleUser>.*?<Arn>)[^<]*(<\/Arn>)/s, (_, open: string, close: string) => open + arn + close);
      }
      entry.status = 200;
      log(entry);
      sendXml(res, 200, xml, requestId);
    } catch (err) {
      if (err instanceof Hang) {
        entry.result = { errorCode: 'Hang', message: 'fault: request left unanswered' };
        log(entry);
        return;
      }
      const e = err instanceof StsError ? err : new StsError('InternalFailure', DEFAULT_FAULT_MESSAGE.InternalFailure!);
      if (!(err instanceof StsError)) console.error('sts-emulator: internal error', err);
      entry.status = e.status;
      entry.result = { errorCode: e.code, message: e.message };
      log(entry);
      sendXml(res, e.status, errorXml(e, requestId), requestId);
    }
  }

  // ---- credential endpoints (container, IMDSv2) ----------------------------------------------------------------------

  function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** The world user's own keys if they are session keys; else fresh session keys for that user. */
  function credentialsForUser(accessKeyId: string): { accessKeyId: string; secret: string; token: string; expiresAt: number; arn: string } | undefined {
    const u = usersByKey.get(accessKeyId);
    if (!u) return undefined;
    if (u.sessionToken !== undefined) {
      return {
        accessKeyId: u.accessKeyId,
        secret: u.secretAccessKey,
        token: u.sessionToken,
        expiresAt: u.expiration !== undefined ? Date.parse(u.expiration) : now() + 6 * 3600 * 1000,
        arn: u.arn,
      };
    }
    const p = parseArn(u.arn)!;
    const s = issue({
      expiresAt: now() + 6 * 3600 * 1000,
      principalArn: u.arn,
      userId: describeArn(u.arn).userId,
      account: p.account,
      partition: p.partition,
      chained: false,
      viaWebIdentity: false,
      tags: [],
      transitiveTagKeys: [],
    });
    return { accessKeyId: s.accessKeyId, secret: s.secretAccessKey, token: s.sessionToken, expiresAt: s.expiresAt, arn: u.arn };
  }

  function handleCredentialEndpoint(req: IncomingMessage, res: ServerResponse, path: string): void {
    const base = { time: new Date(now()).toISOString(), requestId: randomUUID(), signer: null };
    const container = /^\/container-credentials\/([^/]+)$/.exec(path);
    if (container) {
      const akid = decodeURIComponent(container[1]!);
      const entry: CallLogEntry = { ...base, action: 'ContainerCredentials', params: { accessKeyId: akid }, status: 0, result: {} };
      const expected = world.containerAuthorizationToken;
      const c = credentialsForUser(akid);
      if (req.method !== 'GET') entry.status = 405;
      else if (expected !== undefined && req.headers.authorization !== expected) entry.status = 401;
      else if (!c) entry.status = 404;
      if (entry.status !== 0 || !c) {
        entry.result = { errorCode: String(entry.status), message: 'refused' };
        log(entry);
        return sendJson(res, entry.status, { code: 'Refused', message: `container credentials: HTTP ${entry.status}` });
      }
      entry.status = 200;
      entry.result = { accessKeyId: c.accessKeyId, arn: c.arn, expiration: isoSeconds(c.expiresAt) };
      log(entry);
      return sendJson(res, 200, {
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secret,
        Token: c.token,
        Expiration: isoSeconds(c.expiresAt),
        ...(c.arn.includes(':assumed-role/') ? { RoleArn: describeArn(c.arn).roleArn } : {}),
      });
    }
    // IMDSv2
    if (path === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (req.method !== 'PUT') return sendJson(res, 405, '', 'text/plain');
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return sendJson(res, 400, '', 'text/plain');
      const token = randomBytes(32).toString('base64');
      imdsTokens.set(token, Date.now() + ttl * 1000);
      res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
      return sendJson(res, 200, token, 'text/plain');
    }
    const im = world.instanceMetadata;
    const prefix = '/latest/meta-data/iam/security-credentials/';
    if (!path.startsWith(prefix) || !im) return sendJson(res, 404, '', 'text/plain');
    const token = req.headers['x-aws-ec2-metadata-token'];
    const exp = typeof token === 'string' ? imdsTokens.get(token) : undefined;
    if (exp === undefined || Date.now() > exp) return sendJson(res, 401, '', 'text/plain');
    const profile = im.profileName ?? 'emulator-instance-profile';
    const name = decodeURIComponent(path.slice(prefix.length));
    if (name === '') return sendJson(res, 200, profile, 'text/plain');
    if (name !== profile) return sendJson(res, 404, '', 'text/plain');
    const c = credentialsForUser(im.accessKeyId)!;
    log({
      ...base,
      action: 'InstanceMetadata',
      params: { profile },
      status: 200,
      result: { accessKeyId: c.accessKeyId, arn: c.arn, expiration: isoSeconds(c.expiresAt) },
    });
    return sendJson(
      res,
      200,
      {
        Code: 'Success',
        LastUpdated: isoSeconds(now()),
        Type: 'AWS-HMAC',
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secret,
        Token: c.token,
        Expiration: isoSeconds(c.expiresAt),
      },
      'text/plain',
    );
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!;
      if (path.startsWith('/container-credentials/') || path.startsWith('/latest/')) {
        try {
          handleCredentialEndpoint(req, res, path);
        } catch (e) {
          sendJson(res, 500, { message: String(e) });
        }
        return;
      }
      void handleSts(req, res, body);
    });
  });
  const loopback = await listenOnLoopback(server, opts.port ?? 0);
  const { port } = loopback;
  url = loopback.url;

  return {
    url,
    port,
    world,
    calls,
    setFault(roleArn, fault) {
      if (fault) faults.set(roleArn, { ...fault });
      else faults.delete(roleArn);
    },
    advanceClock(seconds) {
      offsetMs += seconds * 1000;
    },
    now,
    clearCalls() {
      calls.length = 0;
    },
    issuedSecrets() {
      return [...issued.values()].flatMap((s) => [s.secretAccessKey, s.sessionToken, s.accessKeyId]);
    },
    issuedSessions() {
      return [...issued.values()];
    },
    containerCredentialsUrl(userAccessKeyId) {
      return `${url}/container-credentials/${encodeURIComponent(userAccessKeyId)}`;
    },
    close: () => {
      for (const t of timers) clearTimeout(t);
      return loopback.close();
    },
  };
}
