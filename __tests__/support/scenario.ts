/**
 * A standard test world: the STS emulator, the GitHub OIDC stand-in, and a runner Job wired to both.
 * Accounts: 111… hub (OIDC-trusted role and an IAM user), 222… deploy, 333… target, 4xx… audit members.
 */
import { startOidcIssuer, type OidcIssuer } from './oidc-issuer.js';
import { startStsEmulator, type StsEmulator, type CallLogEntry } from './sts-emulator.js';
import type { World, WorldRole } from './world.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job, NODE24_BIN, assertNoLeaks, type StepOptions, type StepResult } from './harness.js';

export const HUB = 'arn:aws:iam::111111111111:role/github-hub';
export const DEPLOY = 'arn:aws:iam::222222222222:role/deployer';
export const TARGET = 'arn:aws:iam::333333333333:role/target';
export const NO_TAGS = 'arn:aws:iam::333333333333:role/no-tag-session';
export const USER = {
  arn: 'arn:aws:iam::111111111111:user/ci',
  accessKeyId: 'AKIAEMULATORUSER0001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
/** Inputs of a one-hop run from USER's access keys to DEPLOY (whose trust policy wants this external ID). */
export const KEYS_TO_DEPLOY = {
  'aws-region': 'us-east-1',
  'aws-access-key-id': USER.accessKeyId,
  'aws-secret-access-key': USER.secretAccessKey,
  'role-to-assume': DEPLOY,
  'role-external-id': 'deploy-ext-42',
} as const;
export const MFA_ROLE = 'arn:aws:iam::222222222222:role/mfa-admin';
export const MFA_SERIAL = 'arn:aws:iam::111111111111:mfa/ci';
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const memberRole = (i: number) => `arn:aws:iam::${String(400000000000 + i)}:role/audit`;

/**
 * A checked-in config whose profile `target` is three hops (HUB → DEPLOY → TARGET) from a web-identity
 * root whose token file is absent in CI, so the GitHub OIDC token stands in.
 */
export const THREE_HOP_CONFIG = `[profile ci]
web_identity_token_file = /var/run/not-in-ci/token
role_arn = ${HUB}

[profile deploy]
role_arn = ${DEPLOY}
source_profile = ci
external_id = deploy-ext-42

[profile target]
role_arn = ${TARGET}
source_profile = deploy
region = eu-west-1
`;

/** Writes THREE_HOP_CONFIG into the workspace; returns its path as the config-file input names it. */
export function writeThreeHopConfig(workspace: string): string {
  mkdirSync(join(workspace, '.github', 'aws'), { recursive: true });
  writeFileSync(join(workspace, '.github', 'aws', 'config'), THREE_HOP_CONFIG);
  return '.github/aws/config';
}

export interface ScenarioOptions {
  members?: number;
  extraRoles?: WorldRole[];
  issuerLifetimeSeconds?: number;
}

export function standardWorld(issuer: string, opts: ScenarioOptions = {}): World {
  const roles: WorldRole[] = [
    {
      arn: HUB,
      maxSessionDuration: 7200,
      trust: {
        principals: [USER.arn],
        oidc: { issuer, audience: 'sts.amazonaws.com', subject: 'repo:octo-org/octo-repo:*' },
      },
    },
    { arn: DEPLOY, trust: { principals: [HUB, USER.arn] }, externalId: 'deploy-ext-42', maxSessionDuration: 43200 },
    { arn: TARGET, trust: { principals: [DEPLOY, HUB] } },
    { arn: NO_TAGS, trust: { principals: [HUB, USER.arn] }, allowTagSession: false },
    { arn: MFA_ROLE, trust: { principals: [USER.arn] }, mfa: { serialNumber: MFA_SERIAL, totpSecret: TOTP_SECRET } },
    ...Array.from({ length: opts.members ?? 0 }, (_, i) => ({ arn: memberRole(i + 1), trust: { principals: [HUB] } })),
    ...(opts.extraRoles ?? []),
  ];
  return { users: [USER], roles, oidcProviders: [{ issuer }], instanceMetadata: { accessKeyId: USER.accessKeyId, profileName: 'runner-instance' } };
}

export class Scenario {
  /** Added to the emulator's clock (ms); tests replace it to make tokens or sessions look expired. */
  clockShift: () => number = () => 0;
  /** Added to the OIDC stand-in's clock (ms), for tests where the whole world moves on in time. */
  issuerClockShift: () => number = () => 0;
  /** Offsets (ms) of the clocks clients sign with; a test that runs a client on a shifted clock adds its offset. */
  signerClockShifts: number[] = [0];

  private constructor(
    readonly sts: StsEmulator,
    readonly oidc: OidcIssuer,
    readonly job: Job,
  ) {}

  static async start(opts: ScenarioOptions = {}): Promise<Scenario> {
    let scenario: Scenario | undefined;
    const oidc = await startOidcIssuer({
      lifetimeSeconds: opts.issuerLifetimeSeconds ?? 300,
      now: () => Date.now() + (scenario?.issuerClockShift() ?? 0),
    });
    const sts = await startStsEmulator({
      world: standardWorld(oidc.url, opts),
      now: () => Date.now() + (scenario?.clockShift() ?? 0),
      signerClocks: () => (scenario?.signerClockShifts ?? [0]).map((shift) => Date.now() + shift),
    });
    const job = new Job({ secrets: [USER.secretAccessKey, USER.accessKeyId] });
    scenario = new Scenario(sts, oidc, job);
    return scenario;
  }

  /** The env a job has when it may mint OIDC tokens (`id-token: write`) and STS is the emulator. */
  get oidcEnv(): Record<string, string> {
    return { ...this.oidc.env, AWS_ENDPOINT_URL_STS: this.sts.url };
  }

  get stsEnv(): Record<string, string> {
    return { AWS_ENDPOINT_URL_STS: this.sts.url };
  }

  /** Every secret the world knows or issued, including minted JWTs. */
  secrets(): string[] {
    return [USER.secretAccessKey, USER.accessKeyId, TOTP_SECRET, ...this.sts.issuedSecrets(), ...this.oidc.tokens];
  }

  /** Run the bundled main entry on node 24, as the runner does. */
  async main(opts: StepOptions): Promise<StepResult> {
    return this.job.runStep({ node: NODE24_BIN, ...opts, entry: 'main' });
  }

  async post(opts: StepOptions = {}): Promise<StepResult> {
    return this.job.runPost({ node: NODE24_BIN, ...opts });
  }

  /** Leak check with every secret known at this point; extra files may hold secrets by design. */
  noLeaks(result: StepResult, allowFiles: string[] = []): void {
    assertNoLeaks(result, this.secrets(), { allowFiles });
  }

  calls(action?: string): CallLogEntry[] {
    return this.sts.calls.filter((c) => action === undefined || c.action === action);
  }

  async stop(): Promise<void> {
    await this.job.cleanup();
    await this.sts.close();
    await this.oidc.close();
  }
}
