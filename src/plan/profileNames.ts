/** Profile names for targets: a template with {account}, {role}, {partition}, {index}. */
import { InputError } from '../errors.js';

export interface ProfileNameFields {
  readonly account: string;
  readonly role: string;
  readonly partition: string;
  readonly index: number;
}

export function renderProfileName(template: string, fields: ProfileNameFields): string {
  const name = template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (key in fields) return String(fields[key as keyof ProfileNameFields]);
    throw new InputError('profile-name-template', `unknown placeholder ${whole} (use {account}, {role}, {partition}, {index})`);
  });
  const problem = profileNameProblem(name);
  if (problem) throw new InputError('profile-name-template', `gives the profile name "${name}", which ${problem}`);
  return name;
}

/** Names that every AWS config reader parses back to the same profile. */
export function profileNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > 128) return 'is longer than 128 characters';
  if (!/^[A-Za-z0-9_.@+=,:-]+$/.test(name)) return 'may only contain letters, digits and _.@+=,:-';
  if (name === '__proto__') return 'is reserved';
  return undefined;
}
