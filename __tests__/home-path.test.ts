/**
 * `~` as botocore expands it: config/homePath.ts against Python's own ntpath/posixpath.expanduser
 * (the functions botocore calls), run with the same environment, on any machine. Plus the places the
 * action expands `~`: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, the default ~/.aws files and the
 * profiles-*-file inputs.
 */
import { spawnSync } from 'node:child_process';
import { expandUser, userHome } from '../src/config/homePath.js';
import { defaultProfilePaths, inputProfilePath } from '../src/export/profileFiles.js';
import { PYTHON } from './support/peers.js';

const hasPython = spawnSync(PYTHON, ['-c', 'import ntpath, posixpath'], { stdio: 'ignore' }).status === 0;
const pythonTest = hasPython ? test : test.skip;

const PATHS = ['~', '~/.aws/config', '~\\.aws\\config', '~runneradmin\\x', '~other/x', '~/', 'C:\\abs\\~\\x', 'rel/~', '', '~~'];

const WINDOWS_ENVS: Record<string, string>[] = [
  { USERPROFILE: 'C:\\Users\\runneradmin', USERNAME: 'runneradmin', HOME: '/c/Users/ignored' },
  { HOMEDRIVE: 'D:', HOMEPATH: '\\Users\\me', USERNAME: 'me' },
  { HOMEPATH: '\\Users\\me' },
  { HOME: 'C:\\only-home' },
  { USERPROFILE: 'C:\\Users\\a', USERNAME: 'b' },
];
const POSIX_ENVS: Record<string, string>[] = [{ HOME: '/home/runner' }, { HOME: '/Users/runner/' }, { HOME: '/' }, { HOME: '' }];

/** Python's expanduser for each path, with exactly `env` as os.environ (no inherited variables). */
function pythonExpand(module: 'ntpath' | 'posixpath', env: Record<string, string>): string[] {
  const script = `import json, os, sys, ${module}
os.environ.clear(); os.environ.update(json.loads(sys.argv[1]))
print(json.dumps([${module}.expanduser(p) for p in json.loads(sys.argv[2])]))`;
  const r = spawnSync(PYTHON, ['-c', script, JSON.stringify(env), JSON.stringify(PATHS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[];
}

describe('expandUser', () => {
  pythonTest.each(WINDOWS_ENVS)("on Windows it matches Python's ntpath.expanduser (USERPROFILE, else HOMEDRIVE+HOMEPATH): %j", (env) => {
    expect(PATHS.map((p) => expandUser(p, env, 'win32'))).toEqual(pythonExpand('ntpath', env));
  });

  pythonTest.each(POSIX_ENVS)("on POSIX it matches Python's posixpath.expanduser (HOME): %j", (env) => {
    // `~name` needs the account database on POSIX: compared only for the forms that do not.
    const python = pythonExpand('posixpath', env);
    const ours = PATHS.map((p) => expandUser(p, env, 'linux'));
    PATHS.forEach((p, i) => {
      if (!/^~[^/]/.test(p)) expect([p, ours[i]]).toEqual([p, python[i]]);
      else expect(ours[i]).toBe(p);
    });
  });

  test('HOME is the Windows home only through nothing: the user profile wins, and HOME alone expands nothing', () => {
    expect(expandUser('~/x', { HOME: '/home/u', USERPROFILE: 'C:\\Users\\u' }, 'win32')).toBe('C:\\Users\\u/x');
    expect(expandUser('~/x', { HOME: '/home/u' }, 'win32')).toBe('~/x');
    expect(userHome({ HOME: '/home/u', USERPROFILE: 'C:\\Users\\u' }, 'linux')).toBe('/home/u');
    expect(userHome({ HOMEDRIVE: 'D:', HOMEPATH: '\\Users\\me' }, 'win32')).toBe('D:\\Users\\me');
  });

  test("on POSIX, without HOME, the caller's account lookup answers; `~\\` is not a home there", () => {
    expect(expandUser('~/x', {}, 'linux', () => '/var/lib/runner')).toBe('/var/lib/runner/x');
    expect(expandUser('~/x', {}, 'linux')).toBe('~/x');
    expect(expandUser('~\\x', { HOME: '/home/u' }, 'darwin')).toBe('~\\x');
  });
});

describe('where the action expands ~', () => {
  const WIN = { USERPROFILE: 'C:\\Users\\runneradmin', USERNAME: 'runneradmin' };

  test('the default files are under the Windows user profile, and AWS_CONFIG_FILE=~\\… is expanded there', () => {
    expect(defaultProfilePaths(WIN, 'C:\\Users\\runneradmin', 'win32')).toEqual({
      credentialsFile: 'C:\\Users\\runneradmin\\.aws\\credentials',
      configFile: 'C:\\Users\\runneradmin\\.aws\\config',
    });
    expect(defaultProfilePaths({ ...WIN, AWS_CONFIG_FILE: '~\\cfg\\config', AWS_SHARED_CREDENTIALS_FILE: '~/c' }, 'C:\\Users\\runneradmin', 'win32')).toEqual({
      credentialsFile: 'C:\\Users\\runneradmin\\c',
      configFile: 'C:\\Users\\runneradmin\\cfg\\config',
    });
  });

  test('on POSIX the same inputs use HOME', () => {
    expect(defaultProfilePaths({ HOME: '/home/runner', AWS_CONFIG_FILE: '~/cfg' }, '/home/runner', 'linux').configFile).toBe('/home/runner/cfg');
  });

  test('profiles-*-file inputs starting with ~ are the home, not a directory named ~ in the workspace', () => {
    expect(inputProfilePath('~/.aws/ci-config', { HOME: '/home/runner' }, '/home/runner', 'linux')).toBe('/home/runner/.aws/ci-config');
    expect(inputProfilePath('~\\.aws\\ci-config', WIN, 'C:\\Users\\runneradmin', 'win32')).toBe('C:\\Users\\runneradmin\\.aws\\ci-config');
    expect(inputProfilePath('D:\\a\\_temp\\aws\\config', WIN, 'C:\\Users\\runneradmin', 'win32')).toBe('D:\\a\\_temp\\aws\\config');
    expect(inputProfilePath('/abs/config', { HOME: '/h' }, '/h', 'linux')).toBe('/abs/config');
  });
});
