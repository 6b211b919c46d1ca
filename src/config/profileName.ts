/**
 * Profile names: the template for targets ({account}, {role}, {partition}, {index}) and the ONE rule
 * every name that will be written to a profile file must pass (checked at plan time, before any STS
 * call or file write; export checks again with the same function).
 *
 * The rule keeps a name to what cannot break an INI header or a path and what every AWS reader selects
 * the same way: `[profile NAME]` is split by shlex (whitespace, quotes and backslashes change it), a
 * `]` ends the header, a line break ends the line, and `DEFAULT` is configparser's defaults section.
 * Names never reach a path (private files are named by hash), but `/` and `..` are refused anyway.
 */
import { InputError } from '../base/errors.js';
import type { Plan } from '../base/types.js';

export interface ProfileNameFields {
  readonly account: string;
  readonly role: string;
  readonly partition: string;
  readonly index: number;
}

/** Longest profile name written; far above any real one, short enough for one log line. */
export const MAX_PROFILE_NAME_LENGTH = 128;

/** The name a template gives; whether it may be written is checked by `checkTargetNames`. */
export function renderProfileName(template: string, fields: ProfileNameFields, input = 'profile-name-template'): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (Object.hasOwn(fields, key)) return String(fields[key as keyof ProfileNameFields]);
    throw new InputError(input, `unknown placeholder ${whole} (use {account}, {role}, {partition}, {index})`);
  });
}

/** Why `name` cannot be written as a profile (a phrase: "is empty"), or undefined when it can. */
export function profileNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if ([...name].length > MAX_PROFILE_NAME_LENGTH) return `is longer than ${MAX_PROFILE_NAME_LENGTH} characters`;
  // \p{C}: controls (CR, LF, ESC, DEL, U+0085), format characters (bidi overrides, zero-width), unassigned.
  if (/[\s\p{Z}\p{C}]/u.test(name)) return 'contains whitespace or control characters';
  const bad = /[[\]/\\'"]/.exec(name);
  if (bad) return `contains '${bad[0]}'`;
  if (name.includes('..')) return "contains '..'";
  if (name === '.' || name === '__proto__') return 'is reserved';
  if (name === 'DEFAULT') return "is 'DEFAULT' (configparser's defaults section, not a profile)";
  return undefined;
}

/** What decides where names come from, so an error names the input the user typed. */
export interface NameSettings {
  readonly mode: { readonly kind: 'inputs' | 'config' };
  readonly profileOutput: { readonly write: boolean; readonly awsProfile?: string };
}

/**
 * Every target name that will be written (or, in input mode, that the template made) passes the rule;
 * the error names the input the name came from. Called on the plan, before any STS call.
 */
export function checkTargetNames(plan: Plan, settings: NameSettings): void {
  const { write, awsProfile } = settings.profileOutput;
  const inputs = settings.mode.kind === 'inputs';
  if (!inputs && !write) return; // config profile names are only read, never written
  for (const target of plan.targets) {
    const problem = profileNameProblem(target.name);
    if (!problem) continue;
    const shown = JSON.stringify(target.name);
    if (awsProfile !== undefined && target.name === awsProfile) throw new InputError('aws-profile', `the profile name ${shown} ${problem}`);
    if (inputs) throw new InputError('profile-name-template', `gives the profile name ${shown}, which ${problem}`);
    throw new InputError(
      'profile',
      `selects the config profile ${shown}, which cannot be written as a profile: it ${problem} (write-profiles: false reads it without writing)`,
    );
  }
}
