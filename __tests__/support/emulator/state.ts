/**
 * What one emulator instance remembers between requests: the world, the emulated clock, issued sessions, faults,
 * spent MFA codes, cached JWKS, IMDS tokens and the call log. Handlers take it as their first argument.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { parseArn, roleNameOf, type Fault, type World, type WorldRole, type WorldUser } from '../world.js';
import { ALNUM, B64, randomFrom, uniqueId } from './codes.js';
import { describeArn, normIssuer, oidcTrusts, principalFromSession } from './identity.js';
import type { CallLogEntry, IssuedSession, Principal, StsEmulatorOptions } from './types.js';

/** The per-session fields a role session adds to what the role itself decides. */
export type RoleSessionExtra = Pick<IssuedSession, 'chained' | 'viaWebIdentity' | 'tags' | 'transitiveTagKeys'> & { sourceIdentity?: string };

export class EmulatorState {
  readonly world: World;
  readonly calls: CallLogEntry[] = [];
  readonly issued = new Map<string, IssuedSession>();
  readonly rolesByArn: Map<string, WorldRole>;
  readonly usersByKey: Map<string, WorldUser>;
  /** Role ARN (or `*`) → the fault its calls meet. */
  readonly faults = new Map<string, Fault>();
  /** MFA serial → codes already accepted (AWS takes each code once per device). */
  readonly usedMfaCodes = new Map<string, Set<string>>();
  readonly jwksCache = new Map<string, Record<string, unknown>[]>();
  /** IMDSv2 token → expiry (real clock, epoch ms). */
  readonly imdsTokens = new Map<string, number>();
  readonly timers = new Set<NodeJS.Timeout>();
  /** Simulated round-trip latency: every STS answer waits this long (ms). */
  responseDelayMs: number;
  private offsetMs = 0;

  constructor(readonly opts: StsEmulatorOptions) {
    this.world = opts.world;
    this.responseDelayMs = opts.responseDelayMs ?? 0;
    this.rolesByArn = new Map(this.world.roles.map((r) => [r.arn, r]));
    this.usersByKey = new Map(this.world.users.map((u) => [u.accessKeyId, u]));
    for (const r of this.world.roles) if (r.faults) this.faults.set(r.arn, { ...r.faults });
  }

  /** Emulated time, epoch ms. */
  now(): number {
    return (this.opts.now ?? Date.now)() + this.offsetMs;
  }

  advanceClock(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  knownIssuers(): Set<string> {
    const w = this.world;
    return new Set([...(w.oidcProviders ?? []).map((p) => normIssuer(p.issuer)), ...w.roles.flatMap((r) => oidcTrusts(r).map((o) => normIssuer(o.issuer)))]);
  }

  log(entry: CallLogEntry): void {
    this.calls.push(entry);
    if (this.opts.logFile) appendFileSync(this.opts.logFile, `${JSON.stringify(entry)}\n`);
  }

  /** A timer `close` can cancel, so a delay fault never holds the process open. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.timers.add(t);
    });
  }

  /** The principal owning an access key: an issued session first, then a world user. */
  lookupKey(accessKeyId: string): Principal | undefined {
    const s = this.issued.get(accessKeyId);
    if (s) return principalFromSession(s);
    const u = this.usersByKey.get(accessKeyId);
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

  issue(fields: Omit<IssuedSession, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>): IssuedSession {
    const s: IssuedSession = {
      accessKeyId: `ASIA${randomFrom(ALNUM, 16)}`,
      secretAccessKey: randomFrom(B64, 40),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(420).toString('base64')}`,
      ...fields,
    };
    this.issued.set(s.accessKeyId, s);
    return s;
  }

  newRoleSession(role: WorldRole, sessionName: string, durationSeconds: number, extra: RoleSessionExtra): IssuedSession {
    const ra = parseArn(role.arn)!;
    return this.issue({
      expiresAt: this.now() + durationSeconds * 1000,
      principalArn: `arn:${ra.partition}:sts::${ra.account}:assumed-role/${roleNameOf(role.arn)}/${sessionName}`,
      userId: `${uniqueId('AROA', role.arn)}:${sessionName}`,
      account: ra.account,
      partition: ra.partition,
      roleArn: role.arn,
      sessionName,
      ...extra,
    });
  }
}
