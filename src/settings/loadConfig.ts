/**
 * The edge of config-profile mode: reads the config (and credentials) file the inputs name and finds
 * which web-identity token files exist, so the plan gets all of it as data and does no I/O itself.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { InputError } from '../base/errors.js';
import { PROFILE_FILE_CAP, readBoundedFile } from '../config/boundedFile.js';
import { parseConfigText } from '../config/configparser.js';
import { expandUser } from '../config/homePath.js';
import { profileNameProblem } from '../config/profileName.js';
import { buildProfileMap, type ParsedFile, type ProfileMap } from '../config/profiles.js';
import type { Settings } from './settings.js';

export interface LoadedConfig {
  readonly map: ProfileMap;
  /** The `web_identity_token_file` values (as written) that name an existing file at plan time. */
  readonly existingTokenFiles: ReadonlySet<string>;
}

/** Undefined in input mode, where no file is read. */
export function loadConfig(settings: Settings, env: NodeJS.ProcessEnv): LoadedConfig | undefined {
  if (settings.mode.kind !== 'config') return undefined;
  // A plain input, refused before any file is read (the order the action has always reported in).
  checkRename(settings.profileOutput.awsProfile);
  const { configFile, credentialsFile } = settings.mode;
  const workspace = env['GITHUB_WORKSPACE'] ?? process.cwd();
  // `~` is the user's home, as the AWS CLI would read the same path (config/homePath.ts).
  const home = (path: string) => expandUser(path, env, process.platform, homedir);
  const config = readProfileFile(configFile, 'config-file', workspace, home);
  const credentials = credentialsFile === undefined ? undefined : readProfileFile(credentialsFile, 'credentials-file', workspace, home);
  const map = buildProfileMap(config, credentials);
  return { map, existingTokenFiles: existingTokenFiles(map, workspace) };
}

/** Config mode writes the one profile under `aws-profile` as typed: checked now, not after the STS calls. */
function checkRename(awsProfile: string | undefined): void {
  const problem = awsProfile === undefined ? undefined : profileNameProblem(awsProfile);
  if (problem) throw new InputError('aws-profile', `the profile name ${JSON.stringify(awsProfile)} ${problem}`);
}

/**
 * Paths are relative to the workspace; errors and annotations name the path as the user wrote it.
 * Read through the bounded reader: a regular file (a symlink to one is followed) of at most 1 MiB.
 */
function readProfileFile(path: string, input: string, workspace: string, expand: (path: string) => string): ParsedFile {
  const expanded = expand(path);
  const full = isAbsolute(expanded) ? expanded : join(workspace, expanded);
  const read = readBoundedFile(full, PROFILE_FILE_CAP);
  if (!read.ok) throw new InputError(input, `file "${path}" ${read.detail}`);
  return { doc: parseConfigText(read.data.toString('utf8'), path), path };
}

/**
 * Every token file any profile names, looked up once, relative to the workspace. Only existence is
 * checked here (the file is read at run time); the plan refuses bad paths before it asks.
 */
function existingTokenFiles(map: ProfileMap, workspace: string): Set<string> {
  const found = new Set<string>();
  for (const profile of map.profiles.values()) {
    const path = profile.settings.get('web_identity_token_file')?.value;
    if (path === undefined || path === '' || found.has(path)) continue;
    try {
      if (existsSync(isAbsolute(path) ? path : join(workspace, path))) found.add(path);
    } catch {
      // a path Node refuses to look up (a NUL byte) exists for no one; the plan names its problem
    }
  }
  return found;
}
