/**
 * Turns parsed config and credentials files into named profiles, the way botocore does
 * (botocore reads the same two files with configparser): which sections are profiles, which of two sections for one profile
 * wins, and how the credentials file is layered over the config file. Pure.
 */
import type { Origin } from '../base/types.js';
import type { IniDocument, IniSection } from './configparser.js';
import { classifySection } from './sections.js';
import { closestNames } from './closestNames.js';

/** One setting, with the file and line it was read from. */
export interface Setting {
  readonly value: string;
  /** botocore's nested block (`key =` followed by indented `k = v` lines). */
  readonly nested?: ReadonlyMap<string, string>;
  /** File, line of the key, and the profile it belongs to (when it belongs to one). */
  readonly origin: Origin;
}

/** The settings of one section of one file. */
export interface SettingsSection {
  readonly settings: ReadonlyMap<string, Setting>;
  /** File and line of the section header. */
  readonly origin: Origin;
}

export interface Profile {
  readonly name: string;
  /** Config-file settings with the credentials file's settings over them, key by key. */
  readonly settings: ReadonlyMap<string, Setting>;
  /** The config-file section that defines the profile (the later one if two sections name it). */
  readonly config?: SettingsSection;
  /** The credentials-file section of the same name. */
  readonly credentials?: SettingsSection;
  /** Where the profile is defined: its config-file header, else its credentials-file header. */
  readonly origin: Origin;
}

export interface ProfileMap {
  readonly profiles: ReadonlyMap<string, Profile>;
  /** `[sso-session NAME]` sections of the config file. */
  readonly ssoSessions: ReadonlyMap<string, SettingsSection>;
  /** `[services NAME]` sections of the config file. */
  readonly services: ReadonlyMap<string, SettingsSection>;
  readonly configPath?: string;
  readonly credentialsPath?: string;
}

export interface ParsedFile {
  readonly doc: IniDocument;
  readonly path: string;
}

function toSection(section: IniSection, path: string, profile?: string): SettingsSection {
  const settings = new Map<string, Setting>();
  for (const [key, value] of section.values) {
    const origin: Origin = profile === undefined ? { where: path, line: value.line } : { where: path, line: value.line, profile };
    settings.set(key, value.nested ? { value: value.text, nested: value.nested, origin } : { value: value.text, origin });
  }
  const origin: Origin = profile === undefined ? { where: path, line: section.line } : { where: path, line: section.line, profile };
  return { settings, origin };
}

/**
 * Build the profile map from the config file and/or the credentials file (either may be absent,
 * like a missing file in botocore).
 */
export function buildProfileMap(config?: ParsedFile, credentials?: ParsedFile): ProfileMap {
  const fromConfig = new Map<string, SettingsSection>();
  const ssoSessions = new Map<string, SettingsSection>();
  const services = new Map<string, SettingsSection>();
  for (const section of config?.doc.sections ?? []) {
    const found = classifySection(section.name, 'config');
    if (!found || !config) continue;
    // Later sections replace earlier ones wholesale ([default] vs [profile default]).
    if (found.kind === 'profile') fromConfig.set(found.name, toSection(section, config.path, found.name));
    else if (found.kind === 'sso-session') ssoSessions.set(found.name, toSection(section, config.path));
    else services.set(found.name, toSection(section, config.path));
  }

  const fromCredentials = new Map<string, SettingsSection>();
  for (const section of credentials?.doc.sections ?? []) {
    const found = classifySection(section.name, 'credentials');
    if (found && credentials) fromCredentials.set(found.name, toSection(section, credentials.path, found.name));
  }

  const profiles = new Map<string, Profile>();
  for (const name of new Set([...fromConfig.keys(), ...fromCredentials.keys()])) {
    const configSection = fromConfig.get(name);
    const credentialsSection = fromCredentials.get(name);
    const settings = new Map<string, Setting>([...(configSection?.settings ?? []), ...(credentialsSection?.settings ?? [])]);
    const origin = (configSection ?? credentialsSection)?.origin ?? { where: '', profile: name };
    profiles.set(name, {
      name,
      settings,
      ...(configSection ? { config: configSection } : {}),
      ...(credentialsSection ? { credentials: credentialsSection } : {}),
      origin,
    });
  }

  return {
    profiles,
    ssoSessions,
    services,
    ...(config ? { configPath: config.path } : {}),
    ...(credentials ? { credentialsPath: credentials.path } : {}),
  };
}

/** Up to this many profiles are all listed when none is close to a missing name. */
const LIST_ALL_UP_TO = 8;

/**
 * The AWS CLI's words for a missing profile, then in parentheses what does exist: the closest names, or
 * every name when the files hold few.
 */
export function profileNotFoundDetail(name: string, map: ProfileMap): string {
  const base = `The config profile (${name}) could not be found`;
  const names = [...map.profiles.keys()];
  const close = closestNames(name, names);
  if (close.length > 0) return `${base} (did you mean ${close.join(', ')}?)`;
  if (names.length === 0) return `${base} (the files define no profile)`;
  if (names.length <= LIST_ALL_UP_TO) return `${base} (the profiles are: ${names.join(', ')})`;
  return `${base} (none of the ${names.length} profiles has a name close to it)`;
}
