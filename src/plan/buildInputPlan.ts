/**
 * Input mode: Settings (role-to-assume / role-chain / fan-out-roles and the hop inputs) → Plan.
 * Pure: every STS constraint is checked here, before any network call.
 */
import { InputError, UserError } from '../base/errors.js';
import type { HopDefaults, Settings, SourceChoice } from '../settings/settings.js';
import type { HopSpec } from '../settings/roleChain.js';
import {
  CHAINED_DURATION_MESSAGE,
  CHAINED_MAX_DURATION,
  MAX_POLICY_ARNS,
  MFA_SERIAL,
  TAG_LIMITS,
  externalIdProblem,
  forbiddenCharProblem,
  parseRoleArn,
  partitionOfRegion,
  policyArnProblem,
  policyProblem,
  regionProblem,
  roleArnProblem,
  sessionNameProblem,
  sourceIdentityProblem,
  tagProblem,
} from '../base/constraints.js';
import { DEFAULT_TAG_KEYS, defaultSessionName, defaultSessionTags, type GithubContext } from './github.js';
import type { Chain, Hop, MfaCode, Plan, SessionTag, Source, Target } from '../base/types.js';
import { renderProfileName } from '../config/profileName.js';
import { nameTemplate } from './outputChoices.js';
import { type PlannedSource, planRunnerSource, runnerWebIdentityHop } from './runnerSource.js';

export function buildInputPlan(settings: Settings, github: GithubContext): Plan {
  if (settings.mode.kind !== 'inputs') throw new Error('buildInputPlan needs input mode');
  const { hops: specs, fanOutRoles } = settings.mode;
  // Keys with no role need no STS call that a region would pick the endpoint of.
  const region = settings.region === undefined && specs.length === 0 ? undefined : checkRegion(settings.region, settings.regionSource);
  checkCustomTags(settings.hopDefaults.customTags);
  const { source, runnerHop, runnerSource } = planSource(settings.source, settings.audience, specs);
  const context: HopContext = {
    defaults: settings.hopDefaults,
    mfaCode: settings.mfaCode,
    region,
    sessionName: settings.hopDefaults.sessionName ?? defaultSessionName(github),
    tags: settings.hopDefaults.skipTagging ? [] : [...defaultSessionTags(github), ...settings.hopDefaults.customTags],
  };
  const first = runnerHop && runnerWebIdentityHop(runnerHop, checkRegion(region, settings.regionSource), context.sessionName);
  const chains: Chain[] =
    fanOutRoles.length === 0
      ? [buildChain(source, specs, context, first)]
      : fanOutRoles.map((member) => buildChain(source, [...specs, member], context, first));
  const naming = nameTemplate(settings, chains.length);
  const targets: Target[] = chains.map((chain, index) => ({
    name: targetName(naming, chain, index),
    chain,
  }));
  checkUniqueNames(targets, fanOutRoles.length > 0 ? 'profile-name-template' : 'aws-profile');
  return { region, stsEndpoint: settings.stsEndpoint, targets, ...(runnerSource ? { runnerSource } : {}) };
}

interface HopContext {
  readonly defaults: HopDefaults;
  readonly mfaCode?: MfaCode;
  /** Known whenever there is a hop (checkRegion refuses otherwise). */
  readonly region?: string;
  readonly sessionName: string;
  readonly tags: readonly SessionTag[];
}

/** The region must be a real region name; the error names where it came from (the input or an env variable). */
export function checkRegion(region: string | undefined, source = 'aws-region'): string {
  if (region === undefined) {
    throw new InputError('aws-region', 'is required for the STS calls and was not supplied (nor is AWS_REGION or AWS_DEFAULT_REGION set)');
  }
  // An environment variable is not checked as inputs are: its bad characters are named, never echoed.
  const problem = forbiddenCharProblem(region) ?? regionProblem(region);
  if (problem) {
    throw source === 'aws-region' ? new InputError('aws-region', problem) : new UserError(`Environment variable ${source}: ${problem}`);
  }
  return region;
}

function planSource(choice: SourceChoice, audience: string, specs: readonly HopSpec[]): PlannedSource {
  const origin = { where: 'inputs' };
  switch (choice.kind) {
    case 'github-oidc':
      if (specs.length === 0) {
        throw new InputError('role-to-assume', 'is required when the source is the GitHub OIDC token');
      }
      return { source: { kind: 'web-identity', token: { kind: 'github-oidc', audience } } };
    case 'token-file':
      if (specs.length === 0) throw new InputError('role-to-assume', 'is required with web-identity-token-file');
      return { source: { kind: 'web-identity', token: { kind: 'file', path: choice.path } } };
    case 'access-keys':
      return { source: { kind: 'static', credentials: choice.credentials, origin: { where: 'aws-access-key-id' } } };
    case 'environment':
      return { source: { kind: 'environment', origin } };
    case 'runner':
      return planRunnerSource(choice.identity, specs);
  }
}

/** `first`: a hop that comes before the specs' (the runner's web-identity hop); the specs' hops are then chained. */
function buildChain(source: Source, specs: readonly HopSpec[], ctx: HopContext, first?: Hop): Chain {
  const hops: Hop[] = first ? [first] : [];
  const transitive = new Set<string>();
  let sourceIdentityPending = ctx.defaults.sourceIdentity;
  let mfaPending = ctx.defaults.mfaSerial;
  specs.forEach((spec, index) => {
    const webIdentity = index === 0 && source.kind === 'web-identity' && !first;
    const last = index === specs.length - 1;
    const chained = index > 0 || first !== undefined;
    const hop = buildHop(spec, { ctx, webIdentity, last, chained, transitive, sourceIdentityPending, mfaPending });
    if (!webIdentity) {
      sourceIdentityPending = undefined;
      mfaPending = undefined;
    }
    for (const key of hop.transitiveTagKeys) transitive.add(key.toLowerCase());
    hops.push(hop);
  });
  return { source, hops };
}

type Fail = (detail: string, input?: string) => never;

interface HopOptions {
  readonly ctx: HopContext;
  readonly webIdentity: boolean;
  readonly last: boolean;
  readonly chained: boolean;
  readonly transitive: ReadonlySet<string>;
  readonly sourceIdentityPending?: string;
  readonly mfaPending?: string;
}

/** What every hop sends, checked in the order the user reads the line: role, session, duration, policies. */
interface HopBase {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  readonly policyArns: string[];
}

function buildHop(spec: HopSpec, opts: HopOptions): Hop {
  const fail: Fail = (detail, input = spec.input) => {
    throw new InputError(input, detail, input === spec.input && spec.input !== 'role-to-assume' ? spec.line : undefined);
  };
  const base = hopBase(spec, opts, fail);
  const origin = { where: spec.input, line: spec.line };
  if (opts.webIdentity) return webIdentityHop(spec, base, origin, fail);
  return { action: 'AssumeRole', ...base, ...assumeRoleParts(spec, opts, fail), origin };
}

function hopBase(spec: HopSpec, opts: HopOptions, fail: Fail): HopBase {
  const { ctx, last, chained } = opts;
  const arnProblem = roleArnProblem(spec.roleArn);
  if (arnProblem) fail(arnProblem);
  const arn = parseRoleArn(spec.roleArn)!;
  const expectedPartition = partitionOfRegion(ctx.region!);
  if (arn.partition !== expectedPartition) {
    fail(`role is in partition "${arn.partition}" but aws-region "${ctx.region}" is in partition "${expectedPartition}"`);
  }

  const sessionName = spec.sessionName ?? ctx.sessionName;
  const sessionProblem = sessionNameProblem(sessionName);
  if (sessionProblem) fail(`session name ${sessionProblem}`, spec.sessionName ? spec.input : 'role-session-name');

  const durationSeconds = spec.durationSeconds ?? ctx.defaults.durationSeconds;
  if (chained && durationSeconds !== undefined && durationSeconds > CHAINED_MAX_DURATION) {
    fail(
      `${CHAINED_DURATION_MESSAGE} This hop is assumed with the previous hop's role credentials; ` +
        `use duration=${CHAINED_MAX_DURATION} or less on this line (or lower role-duration-seconds).`,
      spec.input === 'role-to-assume' ? 'role-duration-seconds' : spec.input,
    );
  }

  const policyArns = [...spec.policyArns, ...(last ? ctx.defaults.managedSessionPolicies : [])];
  if (policyArns.length > MAX_POLICY_ARNS) {
    fail(`at most ${MAX_POLICY_ARNS} managed session policies per hop, got ${policyArns.length}`, 'managed-session-policies');
  }
  for (const p of policyArns) {
    const problem = policyArnProblem(p);
    if (problem) fail(problem, spec.policyArns.includes(p) ? spec.input : 'managed-session-policies');
  }
  const policy = last ? ctx.defaults.inlineSessionPolicy : undefined;
  if (policy !== undefined) {
    const problem = policyProblem(policy);
    if (problem) fail(`the policy ${problem}`, 'inline-session-policy');
  }
  return { roleArn: spec.roleArn, roleSessionName: sessionName, durationSeconds, policy, policyArns };
}

/** AssumeRoleWithWebIdentity takes no external ID, source identity, MFA or tags: a line asking for one is refused. */
function webIdentityHop(spec: HopSpec, base: HopBase, origin: Hop['origin'], fail: Fail): Hop {
  for (const [value, name] of [
    [spec.externalId, 'external-id'],
    [spec.sourceIdentity, 'source-identity'],
    [spec.mfaSerial, 'mfa-serial'],
  ] as const) {
    if (value !== undefined) fail(`${name} cannot be used on a web-identity hop (AssumeRoleWithWebIdentity)`);
  }
  if (spec.tags.length > 0 || spec.transitiveTagKeys.length > 0) {
    fail('session tags cannot be sent on a web-identity hop (AssumeRoleWithWebIdentity does not accept them)');
  }
  return { action: 'AssumeRoleWithWebIdentity', ...base, tags: [], transitiveTagKeys: [], origin };
}

/** The AssumeRole-only parameters: external ID, session tags, source identity and MFA. */
function assumeRoleParts(spec: HopSpec, opts: HopOptions, fail: Fail): Pick<Hop, 'externalId' | 'tags' | 'transitiveTagKeys' | 'sourceIdentity' | 'mfa'> {
  const { ctx } = opts;
  const externalId = spec.externalId ?? ctx.defaults.externalId;
  if (externalId !== undefined) {
    const problem = externalIdProblem(externalId);
    if (problem) fail(`external ID ${problem}`, spec.externalId ? spec.input : 'role-external-id');
  }
  const tags = spec.skipTags ? [] : hopTags(ctx.tags, spec, opts.transitive, fail);
  const tagKeys = new Set(tags.map((t) => t.key.toLowerCase()));
  const transitiveTagKeys = [...spec.transitiveTagKeys, ...ctx.defaults.transitiveTagKeys].filter(
    (key, i, all) => tagKeys.has(key.toLowerCase()) && all.indexOf(key) === i,
  );
  for (const key of spec.transitiveTagKeys) {
    if (!tagKeys.has(key.toLowerCase())) fail(`transitive-tag "${key}" is not a tag sent on this hop`);
  }

  const sourceIdentity = spec.sourceIdentity ?? opts.sourceIdentityPending;
  if (sourceIdentity !== undefined) {
    const problem = sourceIdentityProblem(sourceIdentity);
    if (problem) fail(`source identity ${problem}`, spec.sourceIdentity ? spec.input : 'source-identity');
  }
  const mfaSerial = spec.mfaSerial ?? opts.mfaPending;
  let mfa: Hop['mfa'];
  if (mfaSerial !== undefined) {
    const input = spec.mfaSerial ? spec.input : 'mfa-serial';
    if (!MFA_SERIAL.test(mfaSerial)) fail(`MFA serial "${mfaSerial}" is not a device serial number or ARN`, input);
    if (!ctx.mfaCode) fail('an MFA serial needs mfa-token-code or mfa-totp-secret', input);
    mfa = { serialNumber: mfaSerial, code: ctx.mfaCode! };
  }
  return { externalId, tags, transitiveTagKeys, sourceIdentity, mfa };
}

/** Step tags plus this line's tags; keys made transitive by an earlier hop are inherited, so not re-sent. */
function hopTags(
  stepTags: readonly SessionTag[],
  spec: HopSpec,
  inherited: ReadonlySet<string>,
  fail: (detail: string, input?: string) => never,
): SessionTag[] {
  const byKey = new Map<string, SessionTag>();
  for (const tag of [...stepTags, ...spec.tags]) byKey.set(tag.key.toLowerCase(), tag);
  for (const tag of spec.tags) {
    const problem = tagProblem(tag.key, tag.value);
    if (problem) fail(problem);
    if (inherited.has(tag.key.toLowerCase())) {
      fail(`tag "${tag.key}" was made transitive by an earlier hop; STS refuses to set it again`);
    }
  }
  const tags = [...byKey.entries()].filter(([key]) => !inherited.has(key)).map(([, tag]) => tag);
  if (tags.length > TAG_LIMITS.count) fail(`at most ${TAG_LIMITS.count} session tags per hop, got ${tags.length}`);
  return tags;
}

function checkCustomTags(tags: readonly SessionTag[]): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    const problem = tagProblem(tag.key, tag.value);
    if (problem) throw new InputError('custom-tags', problem);
    const key = tag.key.toLowerCase();
    if (DEFAULT_TAG_KEYS.some((k) => k.toLowerCase() === key)) {
      throw new InputError('custom-tags', `"${tag.key}" is a default session tag and cannot be overridden`);
    }
    if (seen.has(key)) throw new InputError('custom-tags', `tag "${tag.key}" is given twice (tag keys are case-insensitive)`);
    seen.add(key);
  }
  if (tags.length + DEFAULT_TAG_KEYS.length > TAG_LIMITS.count) {
    throw new InputError('custom-tags', `too many tags: STS accepts at most ${TAG_LIMITS.count} including the defaults`);
  }
}

function targetName(naming: { template: string; input: string }, chain: Chain, index: number): string {
  const last = chain.hops[chain.hops.length - 1];
  const arn = last ? parseRoleArn(last.roleArn) : undefined;
  const fields = { account: arn?.accountId ?? 'source', role: arn?.roleName ?? 'source', partition: arn?.partition ?? 'aws', index: index + 1 };
  return renderProfileName(naming.template, fields, naming.input);
}

function checkUniqueNames(targets: readonly Target[], input: string): void {
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.name)) throw new InputError(input, `produces the profile name "${t.name}" more than once`);
    seen.add(t.name);
  }
}
