/**
 * The domain of the pipeline: settings → Plan (pure) → execute → export.
 * Every value here is plain data a test can build by hand; nothing here does I/O.
 */

/** Where a value came from, so errors can name the input, the role-chain line, or the config file and line. */
export interface Origin {
  /** e.g. `role-chain`, `role-to-assume`, or a config file path. */
  readonly where: string;
  /** 1-based line in the input or file, when known. */
  readonly line?: number;
  /** Config profile name, in config-profile mode. */
  readonly profile?: string;
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface SessionTag {
  readonly key: string;
  readonly value: string;
}

/** How the web-identity token for the first hop is obtained. */
export type TokenSource =
  | { readonly kind: 'github-oidc'; readonly audience: string }
  /**
   * A token file. `githubFallbackAudience` set means: if the file does not exist and the job can
   * mint a GitHub OIDC token, use that token instead (config-profile mode, see README).
   */
  | { readonly kind: 'file'; readonly path: string; readonly githubFallbackAudience?: string };

/** The identity the first hop is called with. */
export type Source =
  /** First hop is AssumeRoleWithWebIdentity (unsigned) with this token. */
  | { readonly kind: 'web-identity'; readonly token: TokenSource }
  /** Long-term or session keys known at plan time (inputs, or a config/credentials file profile). */
  | { readonly kind: 'static'; readonly credentials: AwsCredentials; readonly origin: Origin }
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN read from the environment at run time. */
  | { readonly kind: 'environment'; readonly origin: Origin }
  /** ECS/EKS container credentials endpoint (self-hosted runners), via the AWS SDK's provider. */
  | { readonly kind: 'container'; readonly origin: Origin }
  /** EC2 instance metadata (self-hosted runners), via the AWS SDK's provider. */
  | { readonly kind: 'instance-metadata'; readonly origin: Origin }
  /** A config profile's `credential_process` (botocore's custom-process provider). */
  | { readonly kind: 'process'; readonly command: string; readonly origin: Origin };

export type MfaCode =
  | { readonly kind: 'code'; readonly code: string }
  /** Base32 TOTP secret; the 6-digit code is computed per RFC 6238 at call time. */
  | { readonly kind: 'totp'; readonly secret: string };

export interface Mfa {
  readonly serialNumber: string;
  readonly code: MfaCode;
}

/** One STS call. */
export interface Hop {
  /** AssumeRoleWithWebIdentity only for the first hop of a web-identity source. */
  readonly action: 'AssumeRole' | 'AssumeRoleWithWebIdentity';
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** Omitted ⇒ not sent (STS default 3600). */
  readonly durationSeconds?: number;
  readonly externalId?: string;
  readonly tags: readonly SessionTag[];
  readonly transitiveTagKeys: readonly string[];
  readonly policy?: string;
  readonly policyArns: readonly string[];
  readonly sourceIdentity?: string;
  readonly mfa?: Mfa;
  readonly origin: Origin;
}

/** A source and the hops assumed from it, in order. Each hop is signed by the previous hop's credentials. */
export interface Chain {
  readonly source: Source;
  readonly hops: readonly Hop[];
}

/** One set of credentials the step produces (one profile in fan-out; the only one otherwise). */
export interface Target {
  /** Profile name when written to files; a display name otherwise. */
  readonly name: string;
  readonly chain: Chain;
  /** Signing region and endpoint when they differ per target (config mode: each selected profile's own). */
  readonly region?: string;
  readonly stsEndpoint?: string;
  /** Set when `stsEndpoint` came from the config file (not the trusted `sts-endpoint` input): where. */
  readonly stsEndpointOrigin?: Origin;
}

/** Everything execute needs: pure data, validated. */
export interface Plan {
  /** The step's region; undefined only when no target makes an STS call that needs one (keys, no role). */
  readonly region?: string;
  /** Explicit STS endpoint (input `sts-endpoint`, config `endpoint_url`); undefined ⇒ SDK default / AWS_ENDPOINT_URL_STS. */
  readonly stsEndpoint?: string;
  readonly targets: readonly Target[];
  /** Set when the source is the runner's own AWS identity (no source input, no OIDC): which one, for the log and the dry run. */
  readonly runnerSource?: string;
}

/** Result of one hop, no secrets except in `credentials`. */
export interface HopResult {
  readonly hop: Hop;
  readonly assumedRoleArn: string;
  readonly accountId: string;
  readonly credentials: AwsCredentials;
}

export interface TargetResult {
  readonly target: Target;
  readonly hops: readonly HopResult[];
}
