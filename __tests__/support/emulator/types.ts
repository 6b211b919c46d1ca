/** The STS emulator's public types, and the two internal shapes its handlers share (Params, Principal). */
import type { Fault, Partition, World } from '../world.js';

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
  /** Hold every STS answer back this long (ms), as a network round trip would; default 0. */
  responseDelayMs?: number;
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
  /** Delay of every STS answer from now on (ms; 0 = none): simulated network latency. */
  setResponseDelay(ms: number): void;
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

/** Query parameters of one request (query string and form body merged). */
export type Params = Map<string, string>;

/** Who signed a request. */
export interface Principal {
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
