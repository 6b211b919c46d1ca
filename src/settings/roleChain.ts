/**
 * The `role-chain` input: one hop per line, a role ARN followed by optional `key=value` settings.
 *
 *   arn:aws:iam::111111111111:role/hub
 *   arn:aws:iam::222222222222:role/deploy external-id=ext-1 session-name=deploy duration=900 tag:team=core
 *
 * Values cannot contain spaces. Blank lines and lines starting with `#` are ignored.
 */
import { InputError } from '../base/errors.js';
import { parseInteger } from './inputs.js';
import { DURATION } from '../base/constraints.js';

/** Settings one line may give; anything absent falls back to the step-wide inputs. */
export interface HopSpec {
  readonly roleArn: string;
  readonly line: number;
  readonly input: string;
  readonly sessionName?: string;
  readonly durationSeconds?: number;
  readonly externalId?: string;
  readonly tags: ReadonlyArray<{ key: string; value: string }>;
  readonly transitiveTagKeys: readonly string[];
  /** `tags=none`: send no session tags on this hop. */
  readonly skipTags?: boolean;
  readonly sourceIdentity?: string;
  readonly mfaSerial?: string;
  readonly policyArns: readonly string[];
}

const KEYS = ['session-name', 'duration', 'external-id', 'tag:KEY', 'transitive-tag', 'tags', 'source-identity', 'mfa-serial', 'policy-arn'];

export function parseRoleChainLine(text: string, line: number, input = 'role-chain'): HopSpec {
  const [roleArn, ...settings] = text.split(/\s+/);
  const spec: {
    -readonly [K in keyof HopSpec]: HopSpec[K];
  } & { tags: Array<{ key: string; value: string }>; transitiveTagKeys: string[]; policyArns: string[] } = {
    roleArn: roleArn!,
    line,
    input,
    tags: [],
    transitiveTagKeys: [],
    policyArns: [],
  };
  for (const setting of settings) {
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new InputError(input, `"${setting}" is not key=value (keys: ${KEYS.join(', ')})`, line);
    const key = setting.slice(0, eq);
    const value = setting.slice(eq + 1);
    if (key.startsWith('tag:')) {
      spec.tags.push({ key: key.slice(4), value });
      continue;
    }
    if (value === '') throw new InputError(input, `"${key}" has an empty value`, line);
    switch (key) {
      case 'session-name':
        spec.sessionName = value;
        break;
      case 'duration':
        spec.durationSeconds = parseInteger(input, value, DURATION, line);
        break;
      case 'external-id':
        spec.externalId = value;
        break;
      case 'transitive-tag':
        spec.transitiveTagKeys.push(value);
        break;
      case 'tags':
        if (value !== 'none') throw new InputError(input, `tags= only accepts "none", got "${value}"`, line);
        spec.skipTags = true;
        break;
      case 'source-identity':
        spec.sourceIdentity = value;
        break;
      case 'mfa-serial':
        spec.mfaSerial = value;
        break;
      case 'policy-arn':
        spec.policyArns.push(value);
        break;
      default:
        throw new InputError(input, `unknown setting "${key}" (known: ${KEYS.join(', ')})`, line);
    }
  }
  return spec;
}
