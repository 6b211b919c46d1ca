/**
 * `~` as botocore expands it (Python's os.path.expanduser), so a path means the same file to the
 * action and to the AWS CLI in a later step. Pure: the environment and platform are parameters.
 *
 * - POSIX: HOME, else the account's home directory (the caller's fallback); only `/` ends the `~`.
 * - Windows (Python 3.8 and later): USERPROFILE, else HOMEDRIVE + HOMEPATH; HOME is not consulted.
 *   `\` and `/` both end the `~`; `~name` means a sibling of the user's own profile directory.
 */
import { posix, win32 } from 'node:path';

/** The user's home directory for `~`, or undefined when the environment names none. */
export function userHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  if (platform === 'win32') {
    if (env['USERPROFILE'] !== undefined) return env['USERPROFILE'];
    if (env['HOMEPATH'] === undefined) return undefined;
    return win32.join(env['HOMEDRIVE'] ?? '', env['HOMEPATH']);
  }
  return env['HOME'];
}

/**
 * `path` with a leading `~` or `~name` replaced; unchanged when it has none or the home is unknown.
 * `fallbackHome` answers on POSIX when HOME is unset (the account database, as Python asks it).
 */
export function expandUser(path: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform, fallbackHome?: () => string | undefined): string {
  if (!path.startsWith('~')) return path;
  return platform === 'win32' ? expandWindows(path, env) : expandPosix(path, env, fallbackHome);
}

function expandWindows(path: string, env: NodeJS.ProcessEnv): string {
  const end = firstIndex(path, ['\\', '/']);
  let home = userHome(env, 'win32');
  if (home === undefined) return path;
  if (end !== 1) {
    // `~name`: only a user other than this one is rewritten, to a sibling of this user's directory.
    const name = path.slice(1, end);
    if (name !== env['USERNAME']) {
      if (env['USERNAME'] !== win32.basename(home)) return path;
      home = win32.join(win32.dirname(home), name);
    }
  }
  return home + path.slice(end);
}

function expandPosix(path: string, env: NodeJS.ProcessEnv, fallbackHome?: () => string | undefined): string {
  const end = firstIndex(path, ['/']);
  // `~name` needs the account database, which only the caller can ask: left as written.
  if (end !== 1) return path;
  const home = env['HOME'] ?? fallbackHome?.();
  if (home === undefined) return path;
  const trimmed = home.replace(/\/+$/, '');
  return trimmed + path.slice(end) || posix.sep;
}

/** Index of the first of `seps` after the `~`, or the length when there is none. */
function firstIndex(path: string, seps: readonly string[]): number {
  for (let i = 1; i < path.length; i++) if (seps.includes(path[i]!)) return i;
  return path.length;
}
