/**
 * The STS Query protocol's request body: `Action=…&Version=2011-06-15` then the parameters in the
 * order the SDK's serialiser writes them (each action's members in the API model's order), lists as
 * `Name.member.N[.Field]`, every key and value RFC 3986-encoded. Pure.
 */
import { encodeRfc3986 } from './sigv4.js';

export const STS_API_VERSION = '2011-06-15';

export type StsAction = 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'GetCallerIdentity';

export interface StsParams {
  readonly RoleArn?: string;
  readonly RoleSessionName?: string;
  readonly WebIdentityToken?: string;
  readonly ProviderId?: string;
  readonly PolicyArns?: readonly string[];
  readonly Policy?: string;
  readonly DurationSeconds?: number;
  readonly Tags?: readonly { readonly Key: string; readonly Value: string }[];
  readonly TransitiveTagKeys?: readonly string[];
  readonly ExternalId?: string;
  readonly SerialNumber?: string;
  readonly TokenCode?: string;
  readonly SourceIdentity?: string;
}

type Pair = readonly [string, string];

const scalar = (name: string, value: string | number | undefined): Pair[] => (value === undefined ? [] : [[name, String(value)]]);
const list = (name: string, values: readonly string[] | undefined, field?: string): Pair[] =>
  (values ?? []).map((v, i) => [`${name}.member.${i + 1}${field ? `.${field}` : ''}`, v]);

/** The parameters of one action, in the model's member order (which the SDK follows). */
function pairs(action: StsAction, p: StsParams): Pair[] {
  if (action === 'GetCallerIdentity') return [];
  const head = [...scalar('RoleArn', p.RoleArn), ...scalar('RoleSessionName', p.RoleSessionName)];
  const policies = [...list('PolicyArns', p.PolicyArns, 'arn'), ...scalar('Policy', p.Policy), ...scalar('DurationSeconds', p.DurationSeconds)];
  if (action === 'AssumeRoleWithWebIdentity') {
    return [...head, ...scalar('WebIdentityToken', p.WebIdentityToken), ...scalar('ProviderId', p.ProviderId), ...policies];
  }
  const tags = (p.Tags ?? []).flatMap((t, i): Pair[] => [
    [`Tags.member.${i + 1}.Key`, t.Key],
    [`Tags.member.${i + 1}.Value`, t.Value],
  ]);
  return [
    ...head,
    ...policies,
    ...tags,
    ...list('TransitiveTagKeys', p.TransitiveTagKeys),
    ...scalar('ExternalId', p.ExternalId),
    ...scalar('SerialNumber', p.SerialNumber),
    ...scalar('TokenCode', p.TokenCode),
    ...scalar('SourceIdentity', p.SourceIdentity),
  ];
}

export function queryBody(action: StsAction, params: StsParams = {}): string {
  const all: Pair[] = [['Action', action], ['Version', STS_API_VERSION], ...pairs(action, params)];
  return all.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join('&');
}
