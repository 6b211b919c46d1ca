/**
 * Where profiles are written (botocore's rules for the two files) and what may be written there:
 * names (the one rule of config/profileName.ts) and values that stay on one line of an INI file.
 * Pure: no I/O.
 */
import { posix, win32 } from 'node:path';
import { UserError } from '../base/errors.js';
import type { AwsCredentials } from '../base/types.js';
import { expandUser } from '../config/homePath.js';
import { profileNameProblem } from '../config/profileName.js';

/** A command the SDKs run for credentials (the config profile's `credential_process`). */
export interface CredentialProcess {
  readonly credentialProcess: string;
}

export interface ProfileEntry {
  readonly name: string;
  /** Keys for the credentials file, or a command for the config file (the credentials section is then empty). */
  readonly credentials: AwsCredentials | CredentialProcess;
  readonly region?: string;
}

export const isProcess = (c: ProfileEntry['credentials']): c is CredentialProcess => 'credentialProcess' in c;

export interface ProfileFilePaths {
  readonly credentialsFile: string;
  readonly configFile: string;
}

/** Python's os.path.expandvars: `$NAME` and `${NAME}` replaced when set, left as is otherwise. */
function expandVars(p: string, env: NodeJS.ProcessEnv): string {
  return p.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    const v = env[key];
    return v === undefined ? whole : v;
  });
}

/**
 * AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (with `~` and `$VAR` expanded, as botocore does; an
 * empty value counts as unset), else `~/.aws/credentials` and `~/.aws/config`. Absolute paths.
 * `home` is the user's home (config/homePath.ts `userHome`, else the account's).
 */
export function defaultProfilePaths(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform = process.platform): ProfileFilePaths {
  // The target platform's path rules, so Windows paths are handled the same when tested elsewhere.
  const path = platform === 'win32' ? win32 : posix;
  const expand = (value: string): string => expandUser(expandVars(value, env), env, platform, () => home);
  const pick = (value: string | undefined, fallback: string): string => path.resolve(value ? expand(value) : fallback);
  return {
    credentialsFile: pick(env.AWS_SHARED_CREDENTIALS_FILE, path.join(home, '.aws', 'credentials')),
    configFile: pick(env.AWS_CONFIG_FILE, path.join(home, '.aws', 'config')),
  };
}

/**
 * A `profiles-*-file` input as an absolute path: `~` is the user's home as in the AWS CLI (a runner
 * does not expand it in `with:` values), and a relative path is relative to the working directory.
 */
export function inputProfilePath(value: string, env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform = process.platform): string {
  const path = platform === 'win32' ? win32 : posix;
  return path.resolve(expandUser(value, env, platform, () => home));
}

/**
 * Why `name` cannot be a profile name written by this module (a phrase like "is empty"), or undefined
 * when it can: the one rule of config/profileName.ts, which the plan already applied.
 */
export function validateProfileName(name: string): string | undefined {
  return profileNameProblem(name);
}

function checkValue(value: string | undefined, what: string, profile: string, required: boolean): void {
  if (value === undefined || value === '') {
    if (required) throw new UserError(`Cannot write profile '${profile}': the ${what} is empty.`);
    return;
  }
  if (/[\s\p{Z}\p{C}]/u.test(value)) {
    throw new UserError(`Cannot write profile '${profile}': the ${what} contains whitespace or control characters.`);
  }
}

export function validateEntries(entries: readonly ProfileEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const problem = validateProfileName(e.name);
    if (problem) throw new UserError(`Invalid profile name ${JSON.stringify(e.name)}: it ${problem}.`);
    if (seen.has(e.name)) throw new UserError(`Profile '${e.name}' is listed more than once.`);
    seen.add(e.name);
    if (isProcess(e.credentials)) {
      // One line: spaces are part of the command, line breaks would end the option.
      if (e.credentials.credentialProcess.trim() === '' || /[\p{C}]/u.test(e.credentials.credentialProcess)) {
        throw new UserError(`Cannot write profile '${e.name}': the credential_process command is empty or contains control characters.`);
      }
    } else {
      checkValue(e.credentials.accessKeyId, 'access key id', e.name, true);
      checkValue(e.credentials.secretAccessKey, 'secret access key', e.name, true);
      checkValue(e.credentials.sessionToken, 'session token', e.name, false);
    }
    checkValue(e.region, 'region', e.name, false);
  }
}
