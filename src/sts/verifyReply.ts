/**
 * An STS reply is checked against the request before anything in it is used: the session must be for
 * the role asked for (partition, account, role name) under the session name sent, it must expire in
 * the future and no later than the duration asked for allows, and the keys must have AWS's shapes
 * (no line breaks or spaces that could reach an env file or an INI line). Pure: a test feeds it
 * any reply. A failed check is final (the same endpoint would answer the same way).
 */
import type { AwsCredentials } from '../base/types.js';
import { CLOCK_SKEW_MS, DIAGNOSTIC_CHARS, STS_DEFAULT_DURATION_S } from '../net/limits.js';
import { keyShapeProblem } from '../sources/keyShapes.js';
import { StsError } from './errors.js';

export interface ReplyRequest {
  readonly action: 'AssumeRole' | 'AssumeRoleWithWebIdentity';
  readonly roleArn: string;
  readonly sessionName: string;
  /** As sent; undefined ⇒ STS's default of one hour. */
  readonly durationSeconds?: number;
}

export interface ReplyFields {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly assumedRoleArn?: string;
}

export interface VerifiedSession {
  readonly credentials: AwsCredentials;
  readonly assumedRoleArn: string;
  /** The requested role's account, which the reply was checked to carry. */
  readonly accountId: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

/** The parts of a role ARN a session ARN repeats, or undefined for a string that is not a role ARN. */
export function parseRoleArn(arn: string): { partition: string; account: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, roleName: m[3]! } : undefined;
}

/** A hostile server's text, quoted short and on one line. */
export function quoted(value: string): string {
  const flat = value.replace(/[\x00-\x1f\x7f\u2028\u2029]/g, ' ');
  return JSON.stringify(flat.length > DIAGNOSTIC_CHARS ? `${flat.slice(0, DIAGNOSTIC_CHARS)}…` : flat);
}

export function verifyAssumeRoleReply(request: ReplyRequest, reply: ReplyFields, now: number = Date.now()): VerifiedSession {
  const reject = (why: string) =>
    new StsError(request.action, 'UnexpectedReply', undefined, `the STS reply was refused: ${why}; nothing was used`, false, request.roleArn);
  const role = parseRoleArn(request.roleArn);
  if (!role) throw reject('the requested role ARN cannot be checked against the reply');
  const { accessKeyId, secretAccessKey, sessionToken, expiration, assumedRoleArn } = reply;
  if (!accessKeyId || !secretAccessKey || !sessionToken || !assumedRoleArn || !expiration) {
    throw reject('it lacks the credentials, the session token, the expiration or the assumed-role ARN');
  }
  checkSessionArn(assumedRoleArn, role, request.sessionName, reject);
  checkExpiration(expiration, request.durationSeconds ?? STS_DEFAULT_DURATION_S, now, reject);
  const problem = keyShapeProblem({ accessKeyId, secretAccessKey, sessionToken });
  if (problem) throw reject(problem);
  return { credentials: { accessKeyId, secretAccessKey, sessionToken, expiration }, assumedRoleArn, accountId: role.account };
}

function checkSessionArn(arn: string, role: NonNullable<ReturnType<typeof parseRoleArn>>, sessionName: string, reject: (why: string) => StsError): void {
  const m = /^arn:([^:]*):sts::([^:]*):assumed-role\/([^/]*)\/(.*)$/.exec(arn);
  if (!m) throw reject(`the assumed-role ARN ${quoted(arn)} is not an STS session ARN`);
  const [, partition, account, roleName, session] = m;
  if (partition !== role.partition) throw reject(`the session is in partition ${quoted(partition!)}, not ${role.partition}`);
  if (account !== role.account) throw reject(`the session is in account ${quoted(account!)}, not ${role.account}`);
  // IAM role names are unique regardless of case, and STS answers with the name's stored case.
  if (roleName!.toLowerCase() !== role.roleName.toLowerCase()) throw reject(`the session is for role ${quoted(roleName!)}, not ${role.roleName}`);
  if (session !== sessionName) throw reject(`the session name is ${quoted(session!)}, not the ${quoted(sessionName)} sent`);
}

function checkExpiration(expiration: Date, durationSeconds: number, now: number, reject: (why: string) => StsError): void {
  const at = expiration.getTime();
  if (Number.isNaN(at)) throw reject('its Expiration is not a date');
  if (at <= now) throw reject(`its Expiration ${expiration.toISOString()} is not in the future`);
  const latest = now + durationSeconds * 1000 + CLOCK_SKEW_MS;
  if (at > latest) throw reject(`its Expiration ${expiration.toISOString()} is later than the ${durationSeconds} s asked for allows`);
}

/** GetCallerIdentity carries no request to compare with; the account and ARN must at least agree. */
export function verifyCallerIdentity(arn: string | undefined, account: string | undefined): { arn: string; accountId: string } {
  const reject = (why: string) => new StsError('GetCallerIdentity', 'UnexpectedReply', undefined, `the STS reply was refused: ${why}`, false);
  if (!arn || !account) throw reject('it lacks the ARN or the account');
  if (!/^\d{12}$/.test(account)) throw reject(`the account ${quoted(account)} is not a 12-digit AWS account ID`);
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):[\x21-\x7e]+$/.exec(arn);
  if (!m) throw reject(`the ARN ${quoted(arn)} is not an IAM or STS ARN`);
  if (m[1] !== account) throw reject(`the ARN ${quoted(arn)} is not in the account ${account} it names`);
  return { arn, accountId: account };
}
