/** AssumeRole: parameters, trust, external ID, MFA, source identity, session tags, role chaining. */
import type { WorldRole } from '../world.js';
import { totp } from './codes.js';
import { denied, MSG_MFA_BAD_CODE, StsError } from './errors.js';
import { trustAllows } from './identity.js';
import type { EmulatorState } from './state.js';
import type { CallLogEntry, Params, Principal, SessionTag } from './types.js';
import {
  checkDuration,
  memberList,
  P_EXTERNAL_ID,
  P_SERIAL,
  P_SESSION_NAME,
  P_TAG_KEY,
  P_TAG_VALUE,
  P_TOKEN_CODE,
  packPolicies,
  tagList,
  Validator,
  validatePolicies,
} from './validate.js';
import { assumedRoleUserXml, credentialsXml, el, isoSeconds, responseXml } from './xml.js';

interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  duration: number | undefined;
  externalId: string | undefined;
  sourceIdentity: string | undefined;
  serial: string | undefined;
  tokenCode: string | undefined;
  policy: string | undefined;
  policyArns: string[];
  tags: SessionTag[];
  transitiveTagKeys: string[];
}

function validateTags(v: Validator, params: Params): { tags: SessionTag[]; transitiveTagKeys: string[] } {
  const rawTags = tagList(params);
  if (rawTags.length > 50) {
    v.custom(`Value '[${rawTags.length} tags]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
  }
  rawTags.forEach((t, i) => {
    const at = `tags.${i + 1}.member`;
    if (v.required(`${at}.key`, t.key)) v.string(`${at}.key`, t.key, 1, 128, P_TAG_KEY);
    if (v.required(`${at}.value`, t.value)) v.string(`${at}.value`, t.value, 0, 256, P_TAG_VALUE);
  });
  const transitiveTagKeys = memberList(params, 'TransitiveTagKeys');
  v.listLength('transitiveTagKeys', transitiveTagKeys, 50);
  transitiveTagKeys.forEach((k, i) => {
    v.string(`transitiveTagKeys.${i + 1}.member`, k, 1, 128, P_TAG_KEY);
  });
  // Used only after v.check() passed, when every tag has a key and a value.
  return { tags: rawTags.map((t) => ({ key: t.key!, value: t.value! })), transitiveTagKeys };
}

/** Every parameter checked in STS's order and wording; one ValidationError lists all problems. */
function validateRequest(params: Params): AssumeRoleRequest {
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
  const { tags, transitiveTagKeys } = validateTags(v, params);
  v.check();
  return { roleArn: roleArn!, sessionName: sessionName!, duration, externalId, sourceIdentity, serial, tokenCode, policy, policyArns, tags, transitiveTagKeys };
}

/** The device's serial and a current, unspent TOTP code (one step of drift either way). */
function checkMfa(state: EmulatorState, role: WorldRole, req: AssumeRoleRequest, caller: Principal): void {
  const mfa = role.mfa;
  if (!mfa) return;
  const { serial, tokenCode } = req;
  if (serial === undefined || tokenCode === undefined) throw denied(caller.arn, 'sts:AssumeRole', role.arn);
  if (serial !== mfa.serialNumber) {
    throw new StsError(
      'AccessDenied',
      'MultiFactorAuthentication failed, unable to validate MFA code. ' + 'Please verify your MFA serial number is valid and associated with this user.',
    );
  }
  const secret = mfa.totpSecret;
  const t = state.now();
  if (secret !== undefined && ![-1, 0, 1].some((step) => totp(secret, t, step) === tokenCode)) {
    throw new StsError('AccessDenied', MSG_MFA_BAD_CODE);
  }
  // A one-time code is one time: AWS refuses a code the device already spent.
  const spent = state.usedMfaCodes.get(serial) ?? new Set<string>();
  if (spent.has(tokenCode)) throw new StsError('AccessDenied', MSG_MFA_BAD_CODE);
  spent.add(tokenCode);
  state.usedMfaCodes.set(serial, spent);
}

/** Session tags are case-insensitive; inherited transitive tags cannot be overridden. */
function checkTags(req: AssumeRoleRequest, caller: Principal): void {
  const seen = new Set<string>();
  for (const t of req.tags) {
    const k = t.key.toLowerCase();
    if (seen.has(k)) {
      throw new StsError('ValidationError', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    }
    seen.add(k);
    if (caller.transitiveTags.some((x) => x.key.toLowerCase() === k)) {
      throw new StsError('ValidationError', `Cannot override transitive session tag with key: ${t.key}`);
    }
  }
  for (const k of req.transitiveTagKeys) {
    if (!seen.has(k.toLowerCase())) {
      throw new StsError('ValidationError', `Transitive tag key ${k} is not one of the session tags in Tags.`);
    }
  }
}

/** The role the caller may assume, or AccessDenied: trust, tagging permission, external ID, MFA, source identity. */
function authorize(state: EmulatorState, req: AssumeRoleRequest, caller: Principal): WorldRole {
  const role = state.rolesByArn.get(req.roleArn);
  if (!role || !trustAllows(role, caller)) throw denied(caller.arn, 'sts:AssumeRole', req.roleArn);
  if ((req.tags.length > 0 || req.transitiveTagKeys.length > 0) && role.allowTagSession === false) {
    throw denied(caller.arn, 'sts:TagSession', role.arn);
  }
  if (role.externalId !== undefined && req.externalId !== role.externalId) throw denied(caller.arn, 'sts:AssumeRole', role.arn);
  checkMfa(state, role, req, caller);
  if (caller.sourceIdentity !== undefined && req.sourceIdentity !== undefined && req.sourceIdentity !== caller.sourceIdentity) {
    throw denied(caller.arn, 'sts:SetSourceIdentity', role.arn);
  }
  return role;
}

export function assumeRole(state: EmulatorState, params: Params, caller: Principal, entry: CallLogEntry, requestId: string): string {
  const req = validateRequest(params);
  const role = authorize(state, req, caller);
  checkTags(req, caller);
  const chained = caller.roleArn !== undefined;
  const durationSeconds = checkDuration(req.duration, role, chained);
  const packed = packPolicies(req.policy, req.policyArns, req.tags);

  const si = req.sourceIdentity ?? caller.sourceIdentity;
  const s = state.newRoleSession(role, req.sessionName, durationSeconds, {
    chained,
    viaWebIdentity: false,
    tags: [...caller.transitiveTags, ...req.tags],
    transitiveTagKeys: [...caller.transitiveTags.map((t) => t.key), ...req.transitiveTagKeys],
    ...(si !== undefined ? { sourceIdentity: si } : {}),
  });
  entry.result = { assumedRoleArn: s.principalArn, accessKeyId: s.accessKeyId, expiration: isoSeconds(s.expiresAt) };
  const lines = [
    ...(si !== undefined ? [el('SourceIdentity', si)] : []),
    assumedRoleUserXml(s),
    credentialsXml(s),
    ...(packed !== undefined ? [el('PackedPolicySize', String(packed))] : []),
  ];
  return responseXml('AssumeRole', lines, requestId);
}
