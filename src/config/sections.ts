/**
 * What a section of an AWS config or credentials file names, as botocore reads it, and the header
 * this action writes for a profile. One rule for the reader (profiles.ts) and the in-place editor
 * (export/profileText.ts). Pure.
 *
 * - `DEFAULT` is configparser's defaults section, never a profile.
 * - In the credentials file a section's name is the profile name as it is.
 * - In the config file a section whose name starts with `profile`, `sso-session` or `services` (checked
 *   in that order) names something only when it splits (shlex, POSIX) into exactly two words: the
 *   second word is the name. `[default]` is the default profile too.
 */
import { shlexSplit } from './python.js';

export type IniFileKind = 'credentials' | 'config';
export type SectionKind = 'profile' | 'sso-session' | 'services';

export interface SectionRef {
  readonly kind: SectionKind;
  readonly name: string;
}

const PREFIXED_KINDS: readonly SectionKind[] = ['profile', 'sso-session', 'services'];

/** What a section defines; undefined when it defines nothing botocore would use. */
export function classifySection(sectionName: string, file: IniFileKind): SectionRef | undefined {
  if (sectionName === 'DEFAULT') return undefined;
  if (file === 'credentials') return { kind: 'profile', name: sectionName };
  for (const kind of PREFIXED_KINDS) {
    if (sectionName.startsWith(kind)) {
      const words = shlexSplit(sectionName);
      const name = words?.length === 2 ? words[1] : undefined;
      return name === undefined ? undefined : { kind, name };
    }
  }
  return sectionName === 'default' ? { kind: 'profile', name: 'default' } : undefined;
}

/** The profile a section defines; undefined when it defines none. */
export function profileOfSection(sectionName: string, file: IniFileKind): string | undefined {
  const found = classifySection(sectionName, file);
  return found?.kind === 'profile' ? found.name : undefined;
}

/** The section header line (without terminator) this action writes for a profile. */
export function headerFor(profile: string, file: IniFileKind): string {
  if (file === 'credentials' || profile === 'default') return `[${profile}]`;
  return `[profile ${profile}]`;
}
