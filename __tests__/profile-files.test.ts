/**
 * Named profiles in the shared credentials/config files: exact bytes kept, modes, refusals, symlinks,
 * atomicity, locking across processes, removal of exactly what was written, and that botocore reads
 * the result (python3 + botocore are on the test machine).
 */
import { PYTHON } from './support/peers.js';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../src/base/errors.js';
import {
  defaultProfilePaths,
  removeProfiles,
  validateProfileName,
  writeProfiles,
  type ProfileEntry,
  type ProfileFilePaths,
  type WrittenProfiles,
} from '../src/export/profileFiles.js';
import { parseIni } from '../src/config/configparser.js';
import { splitLines } from '../src/config/iniLines.js';
import { shlexSplit } from '../src/config/python.js';
import { profileOfSection } from '../src/config/sections.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WRITER = fileURLToPath(new URL('./fixtures/profile-writer.ts', import.meta.url));
// tsx's CLI run by this node: `.bin/tsx` is a shell script, which Windows cannot start directly.
const TSX_CLI = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
/** POSIX permission bits exist on Linux and macOS only; Windows files are guarded by ACLs. */
const posixIt = process.platform === 'win32' ? it.skip : it;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'profile-files-'));
  chmodSync(root, 0o755); // the unprivileged child of the unwritable-directory test must reach it
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function scratch(): string {
  const dir = join(root, `t${++n}`);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
}

function creds(tag: string, withToken = true) {
  return {
    accessKeyId: `AKIA${tag.toUpperCase().replace(/[^A-Z0-9]/g, '')}0000`,
    secretAccessKey: `SeCrEt/${tag}+abc=`,
    ...(withToken ? { sessionToken: `IQoJb3JpZ2luX2VjE${tag}//token==` } : {}),
  };
}

function entry(name: string, region = 'eu-central-1'): ProfileEntry {
  return { name, credentials: creds(name), region };
}

function credBlock(name: string): string {
  const c = creds(name);
  return `[${name}]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\naws_session_token = ${c.sessionToken}\n`;
}

const read = (p: string) => readFileSync(p);
const text = (p: string) => readFileSync(p, 'utf8');
const mode = (p: string) => statSync(p).mode & 0o777;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`rejected with a non-Error: ${String(e)}`);
  }
  throw new Error('expected a rejection');
}

/** Files in `dir` that a write may leave behind by mistake. */
function leftovers(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('.lock')) : [];
}

// ---- botocore read-back -----------------------------------------------------------------------

const PY_READ = `
import json, os, sys
from botocore.configloader import raw_config_parse, build_profile_map
import botocore.session
cred, conf, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
out = {
  'credentials': raw_config_parse(cred) if os.path.isfile(cred) else None,
  'profiles': build_profile_map(raw_config_parse(conf))['profiles'] if os.path.isfile(conf) else None,
  'resolved': {},
}
for n in names:
    s = botocore.session.Session(profile=n)
    c = s.get_credentials()
    f = c.get_frozen_credentials() if c else None
    out['resolved'][n] = {
        'method': c.method if c else None,
        'accessKeyId': f.access_key if f else None,
        'secretAccessKey': f.secret_key if f else None,
        'sessionToken': f.token if f else None,
        'region': s.get_config_variable('region'),
    }
print(json.dumps(out))
`;

interface Resolved {
  method: string | null;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  sessionToken: string | null;
  region: string | null;
}
interface PyView {
  credentials: Record<string, Record<string, string>> | null;
  profiles: Record<string, Record<string, string>> | null;
  resolved: Record<string, Resolved>;
}

function botocoreView(paths: ProfileFilePaths, names: string[]): PyView {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_SHARED_CREDENTIALS_FILE: paths.credentialsFile,
    AWS_CONFIG_FILE: paths.configFile,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const r = spawnSync(PYTHON, ['-c', PY_READ, paths.credentialsFile, paths.configFile, JSON.stringify(names)], {
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyView;
}

function expectResolved(view: PyView, name: string, region: string | null = 'eu-central-1'): void {
  const c = creds(name);
  expect(view.resolved[name]).toEqual({
    method: 'shared-credentials-file',
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    region,
  });
}

// ---- child processes ------------------------------------------------------------------------------

interface ChildResult {
  ok: boolean;
  written?: WrittenProfiles[];
  error?: string;
}

/**
 * The writer runs under tsx from the repo; as another user (`prefix` = setpriv …) it runs as one bundled
 * file in a world-readable temp dir with the system's node, since the checkout may sit in a private directory.
 */
let bundledWriter: string | undefined;
function writerForOtherUser(): string {
  if (!bundledWriter) {
    const dir = mkdtempSync(join(tmpdir(), 'aac-writer-'));
    chmodSync(dir, 0o755);
    bundledWriter = join(dir, 'profile-writer.mjs');
    const esbuild = join(REPO, 'node_modules', '.bin', 'esbuild');
    const r = spawnSync(esbuild, [WRITER, '--bundle', '--platform=node', '--format=esm', `--outfile=${bundledWriter}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`esbuild failed: ${r.stderr}`);
    chmodSync(bundledWriter, 0o644);
  }
  return bundledWriter;
}

function runWriter(args: string[], prefix: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const other = prefix.length > 0;
    const cmd = other ? prefix[0]! : process.execPath;
    const argv = other ? [...prefix.slice(1), 'node', writerForOtherUser(), ...args] : [TSX_CLI, WRITER, ...args];
    const cwd = other ? tmpdir() : REPO;
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`writer exited ${code}: ${out}${err}`));
      }
    });
  });
}

// =================================================================================================

describe('validateProfileName', () => {
  it.each(['dev', 'default', 'prod-eu_1', 'a.b', 'x@y', 'profile', 'ünï', 'a=b', 'a#b', 'A1'])('accepts %j', (name) => {
    expect(validateProfileName(name)).toBeUndefined();
  });
  it.each(['', 'a b', ' a', 'a\tb', 'a\nb', 'a\u0000b', 'a\u007fb', 'a\u00a0b', 'a\u200bb', '[a', 'a]', 'a/b', 'a\\b', `a'b`, 'a"b', '__proto__', 'DEFAULT'])(
    'rejects %j',
    (name) => {
      expect(validateProfileName(name)).toEqual(expect.any(String));
    },
  );
});

describe('defaultProfilePaths', () => {
  // POSIX paths on every machine (home-path.test.ts covers Windows).
  it('defaults to ~/.aws and honours the environment variables like botocore', () => {
    expect(defaultProfilePaths({}, '/home/u', 'linux')).toEqual({ credentialsFile: '/home/u/.aws/credentials', configFile: '/home/u/.aws/config' });
    expect(
      defaultProfilePaths({ AWS_SHARED_CREDENTIALS_FILE: '~/c/creds', AWS_CONFIG_FILE: '$BASE/${SUB}/cfg', BASE: '/x', SUB: 'y' }, '/home/u', 'linux'),
    ).toEqual({
      credentialsFile: '/home/u/c/creds',
      configFile: '/x/y/cfg',
    });
    expect(defaultProfilePaths({ AWS_SHARED_CREDENTIALS_FILE: '', AWS_CONFIG_FILE: '' }, '/h', 'linux').credentialsFile).toBe('/h/.aws/credentials');
  });
});

describe('writeProfiles: new files', () => {
  it('creates the directory 0700 and the files 0600, which botocore reads', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'a', '.aws', 'credentials'), configFile: join(dir, 'a', '.aws', 'config') };
    const w = await writeProfiles(paths, [entry('dev'), entry('default', 'us-west-2'), { name: 'nokeys', credentials: creds('nokeys', false) }], {
      overwrite: false,
    });
    if (process.platform !== 'win32') {
      // Modes only where the platform has them (Windows: ACLs of the user's profile).
      expect(mode(join(dir, 'a'))).toBe(0o700);
      expect(mode(join(dir, 'a', '.aws'))).toBe(0o700);
      expect(mode(paths.credentialsFile)).toBe(0o600);
      expect(mode(paths.configFile)).toBe(0o600);
    }
    expect(w.createdDirs).toEqual([join(dir, 'a'), join(dir, 'a', '.aws')]);
    expect(w.createdFiles).toEqual([paths.credentialsFile, paths.configFile]);
    expect(w.profiles).toEqual(['dev', 'default', 'nokeys']);
    expect(text(paths.credentialsFile)).toBe(
      `${credBlock('dev')}\n${credBlock('default')}\n[nokeys]\naws_access_key_id = ${creds('nokeys').accessKeyId}\naws_secret_access_key = ${creds('nokeys').secretAccessKey}\n`,
    );
    expect(text(paths.configFile)).toBe('[profile dev]\nregion = eu-central-1\n\n[default]\nregion = us-west-2\n\n[profile nokeys]\n');
    expect(leftovers(join(dir, 'a', '.aws'))).toEqual([]);

    const view = botocoreView(paths, ['dev', 'default', 'nokeys']);
    expectResolved(view, 'dev');
    expectResolved(view, 'default', 'us-west-2');
    expect(view.resolved.nokeys).toMatchObject({ accessKeyId: creds('nokeys').accessKeyId, sessionToken: null, region: null });
    expect(JSON.stringify(w)).not.toContain('SeCrEt');
  });

  posixIt('chmods an existing file to 0600 when writing it', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    writeFileSync(paths.credentialsFile, '[x]\nk = v\n', { mode: 0o644 });
    chmodSync(paths.credentialsFile, 0o644);
    const w = await writeProfiles(paths, [entry('dev')], { overwrite: false });
    expect(mode(paths.credentialsFile)).toBe(0o600);
    expect(w.createdFiles).toEqual([paths.configFile]);
    expect(w.createdDirs).toEqual([]);
  });
});

describe('writeProfiles: existing files are kept byte for byte', () => {
  const CRED =
    '# my keys\n[default]\naws_access_key_id = AKIAUSER\naws_secret_access_key = usersecret\n\n; ci\n[ci]\naws_access_key_id=AKIACI\naws_secret_access_key=cisecret\n# trailing comment\n';
  const CONF =
    '[default]\nregion = us-east-1\noutput = json\n\n[profile ci]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n\n[sso-session corp]\nsso_region = us-east-1\n';

  it('appends new sections after everything else', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    writeFileSync(paths.credentialsFile, CRED);
    writeFileSync(paths.configFile, CONF);
    const w = await writeProfiles(paths, [entry('dev')], { overwrite: false });
    expect(text(paths.credentialsFile)).toBe(`${CRED}\n${credBlock('dev')}`);
    expect(text(paths.configFile)).toBe(`${CONF}\n[profile dev]\nregion = eu-central-1\n`);
    expect(w.createdFiles).toEqual([]);
    const view = botocoreView(paths, ['dev', 'ci', 'default']);
    expectResolved(view, 'dev');
    expect(view.resolved.ci).toMatchObject({ accessKeyId: 'AKIACI', region: 'eu-west-1' });
    expect(view.resolved.default).toMatchObject({ accessKeyId: 'AKIAUSER', region: 'us-east-1' });
    expect(view.profiles?.ci).toEqual({ region: 'eu-west-1', s3: { addressing_style: 'path' } });
  });

  it('keeps CRLF line ends and terminates an unterminated last line', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    writeFileSync(paths.credentialsFile, '[a]\r\naws_access_key_id = A\r\naws_secret_access_key = B');
    writeFileSync(paths.configFile, '[profile a]\nregion = x\n   ');
    await writeProfiles(paths, [entry('dev')], { overwrite: false });
    expect(text(paths.credentialsFile)).toBe(`[a]\r\naws_access_key_id = A\r\naws_secret_access_key = B\r\n\r\n${credBlock('dev').replace(/\n/g, '\r\n')}`);
    expect(text(paths.configFile)).toBe('[profile a]\nregion = x\n   \n[profile dev]\nregion = eu-central-1\n');
    expectResolved(botocoreView(paths, ['dev']), 'dev');
  });

  it('keeps bytes that are not UTF-8', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    const original = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\n[x]\nk = v\n')]);
    writeFileSync(paths.credentialsFile, original);
    const w = await writeProfiles(paths, [entry('dév')], { overwrite: false });
    const after = read(paths.credentialsFile);
    expect(after.subarray(0, original.length).equals(original)).toBe(true);
    expect(after.subarray(original.length).toString('utf8')).toBe(`\n${credBlock('dév')}`);
    await removeProfiles(w);
    expect(read(paths.credentialsFile).equals(original)).toBe(true);
  });
});

describe('writeProfiles: existing profiles', () => {
  const CRED = '[dev]\naws_access_key_id = OLD\naws_secret_access_key = OLDSECRET\n# about prod\n[prod]\naws_access_key_id = P\naws_secret_access_key = PS\n';
  const CONF = '# header\n[profile  dev ]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = prod\n\n# about prod\n[profile prod]\nregion = us-east-1\n';

  function setup(cred: string, conf: string) {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    writeFileSync(paths.credentialsFile, cred);
    writeFileSync(paths.configFile, conf);
    return { dir, paths };
  }

  it.each([
    ['both files', CRED, CONF, ['credentials (line 1)', 'config (line 2)']],
    ['the config file only', '[prod]\naws_access_key_id = P\naws_secret_access_key = PS\n', CONF, ['config (line 2)']],
    ['the credentials file only', CRED, '[profile prod]\nregion = us-east-1\n', ['credentials (line 1)']],
  ])('are refused in %s, and neither file is touched', async (_, cred, conf, places) => {
    const { dir, paths } = setup(cred, conf);
    const before = [read(paths.credentialsFile), read(paths.configFile)];
    const mtimes = [statSync(paths.credentialsFile).mtimeMs, statSync(paths.configFile).mtimeMs];
    const err = await rejection(writeProfiles(paths, [entry('new'), entry('dev')], { overwrite: false }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain("profile 'dev'");
    for (const p of places) expect(err.message).toContain(p);
    expect(err.message).not.toContain('SeCrEt');
    expect(err.message).not.toContain('OLDSECRET');
    expect(read(paths.credentialsFile).equals(before[0]!)).toBe(true);
    expect(read(paths.configFile).equals(before[1]!)).toBe(true);
    expect([statSync(paths.credentialsFile).mtimeMs, statSync(paths.configFile).mtimeMs]).toEqual(mtimes);
    expect(leftovers(dir)).toEqual([]);
  });

  it('are replaced in place with overwrite, everything around them kept', async () => {
    const { paths } = setup(CRED, CONF);
    await writeProfiles(paths, [entry('dev')], { overwrite: true });
    expect(text(paths.credentialsFile)).toBe(`${credBlock('dev')}# about prod\n[prod]\naws_access_key_id = P\naws_secret_access_key = PS\n`);
    expect(text(paths.configFile)).toBe('# header\n[profile dev]\nregion = eu-central-1\n\n# about prod\n[profile prod]\nregion = us-east-1\n');
    const view = botocoreView(paths, ['dev', 'prod']);
    expectResolved(view, 'dev');
    expect(view.resolved.prod).toMatchObject({ accessKeyId: 'P', region: 'us-east-1' });
  });

  it('with overwrite, every section defining the profile goes ([default] and [profile default])', async () => {
    const { paths } = setup(
      '[default]\naws_access_key_id = U\naws_secret_access_key = US\n',
      '[default]\nregion = us-east-1\n\n[other]\nx = 1\n\n[profile "default"]\noutput = text\n',
    );
    await writeProfiles(paths, [entry('default')], { overwrite: true });
    expect(text(paths.credentialsFile)).toBe(credBlock('default'));
    expect(text(paths.configFile)).toBe('[default]\nregion = eu-central-1\n\n[other]\nx = 1\n\n');
    expectResolved(botocoreView(paths, ['default']), 'default');
  });

  it('follows botocore when deciding what is the same profile', async () => {
    // Not profiles for botocore: no `profile` prefix, DEFAULT, an indented header (a continuation line),
    // an unclosed quote. So writing 'dev' appends.
    const conf = '[dev]\nx = 1\n[DEFAULT]\ny = 2\n[profile other]\nz = 3\n  [profile dev]\n[profile "dev]\nw = 4\n';
    const { paths } = setup('[ dev ]\nk = v\n', conf);
    await writeProfiles(paths, [entry('dev')], { overwrite: false });
    expect(text(paths.configFile)).toBe(`${conf}\n[profile dev]\nregion = eu-central-1\n`);
    expect(text(paths.credentialsFile)).toBe(`[ dev ]\nk = v\n\n${credBlock('dev')}`);
  });

  it('refuses an overwrite that would turn the next (indented) header into a value', async () => {
    // `  [profile next]` is a header today (not deeper than the indented `region` line before it); after
    // the column-0 replacement it would be read as a continuation of the new `region`.
    const conf = '[profile dev]\n    region = x\n  [profile next]\nregion = y\n';
    const { paths } = setup('', conf);
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: true }));
    expect(err.message).toContain(`Cannot safely write AWS profiles to ${paths.configFile}`);
    expect(text(paths.configFile)).toBe(conf);
    expect(text(paths.credentialsFile)).toBe('');
  });
});

describe('writeProfiles: refusals before anything is written', () => {
  it('refuses a symbolic link as the file, naming it', async () => {
    const dir = scratch();
    const real = join(dir, 'real-credentials');
    writeFileSync(real, '[x]\nk = v\n');
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    symlinkSync(real, paths.credentialsFile);
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
    expect(err.message).toContain(paths.credentialsFile);
    expect(err.message).toContain('symbolic link');
    expect(text(real)).toBe('[x]\nk = v\n');
    expect(existsSync(paths.configFile)).toBe(false);
    expect(lstatSync(paths.credentialsFile).isSymbolicLink()).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses a symbolic link as the directory, naming it', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, '.aws'));
    const paths = { credentialsFile: join(dir, '.aws', 'credentials'), configFile: join(dir, '.aws', 'config') };
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
    expect(err.message).toContain(join(dir, '.aws'));
    expect(err.message).toContain('symbolic link');
    expect(readdirSync(join(dir, 'real'))).toEqual([]);
  });

  it('refuses a path that is not a regular file', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'config'));
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
    expect(err.message).toContain(`${paths.configFile} is not a regular file`);
    expect(existsSync(paths.credentialsFile)).toBe(false);
  });

  it('refuses bad names, duplicates, and values with line breaks without echoing secrets', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    await expect(writeProfiles(paths, [entry('a b')], { overwrite: false })).rejects.toThrow('Invalid profile name "a b"');
    await expect(writeProfiles(paths, [entry('x'), entry('x')], { overwrite: false })).rejects.toThrow("Profile 'x' is listed more than once");
    const bad = { name: 'x', credentials: { ...creds('x'), secretAccessKey: 'SeCrEt\n[evil]' } };
    const err = await rejection(writeProfiles(paths, [bad], { overwrite: false }));
    expect(err.message).toContain('secret access key');
    expect(err.message).not.toContain('SeCrEt');
    await expect(writeProfiles(paths, [entry('x')], { overwrite: false, lock: {} }).then(() => undefined)).resolves.toBeUndefined();
    await expect(writeProfiles({ credentialsFile: paths.configFile, configFile: paths.configFile }, [entry('y')], { overwrite: false })).rejects.toThrow(
      'same file',
    );
    expect(readdirSync(dir).sort()).toEqual(['config', 'credentials']);
  });

  // A read-only directory mode does not stop writes on Windows.
  posixIt('refuses an unwritable directory: nothing written, no temp file, created directories removed', async () => {
    const dir = scratch();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    const original = '[keep]\nk = v\n';
    writeFileSync(join(locked, 'credentials'), original);
    chmodSync(join(locked, 'credentials'), 0o666);
    chmodSync(dir, 0o777);
    const args = ['once', join(locked, 'credentials'), join(dir, 'new', 'config'), 'dev'];
    let result: ChildResult;
    if (process.getuid?.() === 0) {
      // root writes anywhere: run the writer as nobody, for whom `locked` (root's, 0755) is read-only.
      if (spawnSync('setpriv', ['--version']).status !== 0) throw new Error('running as root needs setpriv (util-linux) for this test');
      chmodSync(locked, 0o755);
      result = await runWriter(args, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    } else {
      chmodSync(locked, 0o555);
      result = await runWriter(args);
      chmodSync(locked, 0o755);
    }
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`the directory ${locked} is not writable`);
    expect(text(join(locked, 'credentials'))).toBe(original);
    expect(readdirSync(locked)).toEqual(['credentials']);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['locked']);
  });
});

describe('removeProfiles', () => {
  it('leaves pre-existing files byte-identical', async () => {
    const cases: [string, string][] = [
      ['# c\n[default]\naws_access_key_id = U\naws_secret_access_key = S\n', '[default]\nregion = x\n'],
      ['[a]\nk = v', '[profile a]\r\nregion = x\r\n\r\n'],
      ['# only a comment', ''],
      ['', '\n\n# trailing\n\n'],
      ['[a]\nk = v\n   ', '[a]\r\nk = v\r\n  multi\r\n\r\n  line'],
    ];
    for (const [cred, conf] of cases) {
      const dir = scratch();
      const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
      writeFileSync(paths.credentialsFile, cred);
      writeFileSync(paths.configFile, conf);
      const w = await writeProfiles(paths, [entry('dev'), entry('ci')], { overwrite: false });
      expect(text(paths.credentialsFile)).not.toBe(cred);
      botocoreView(paths, ['dev']);
      await removeProfiles(w);
      expect(text(paths.credentialsFile)).toBe(cred);
      expect(text(paths.configFile)).toBe(conf);
      await removeProfiles(w); // idempotent
      expect(text(paths.credentialsFile)).toBe(cred);
    }
  });

  it('removes the files and directories it created, and only when empty', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'h', '.aws', 'credentials'), configFile: join(dir, 'h', '.aws', 'config') };
    const w = await writeProfiles(paths, [entry('dev')], { overwrite: false });
    await removeProfiles(w);
    expect(readdirSync(dir)).toEqual([]);

    const w2 = await writeProfiles(paths, [entry('dev')], { overwrite: false });
    writeFileSync(join(dir, 'h', 'unrelated'), 'x');
    await removeProfiles(w2);
    expect(readdirSync(dir)).toEqual(['h']);
    expect(readdirSync(join(dir, 'h'))).toEqual(['unrelated']);
  });

  it('keeps what others wrote meanwhile, and is fine with missing files', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    const cred = '[user]\nk = v\n';
    writeFileSync(paths.credentialsFile, cred);
    const mine = await writeProfiles(paths, [entry('mine')], { overwrite: false });
    const theirs = await writeProfiles(paths, [entry('theirs')], { overwrite: false });
    const afterBoth = text(paths.credentialsFile);
    await removeProfiles(mine);
    expect(text(paths.credentialsFile)).toBe(afterBoth.replace(`\n${credBlock('mine')}`, ''));
    // The blank line that separated `theirs` from `mine` came with `theirs`: it stays until `theirs` goes.
    expect(text(paths.configFile)).toBe('\n[profile theirs]\nregion = eu-central-1\n');
    expectResolved(botocoreView(paths, ['theirs']), 'theirs');
    await removeProfiles(theirs);
    expect(text(paths.credentialsFile)).toBe(cred);
    expect(existsSync(paths.configFile)).toBe(true); // created by `mine`, emptied by `theirs`: neither deletes it
    rmSync(paths.credentialsFile);
    rmSync(paths.configFile);
    await removeProfiles(mine);
    await removeProfiles({ ...mine, credentialsFile: join(dir, 'gone', 'credentials'), configFile: join(dir, 'gone', 'config') });
  });

  it('undoes the line end it added to an unterminated last line when writers are removed last-in first-out', async () => {
    // (Removed out of order, that one line end stays: the section after it is no longer ours to judge.)
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    writeFileSync(paths.credentialsFile, '[user]\nk = v');
    const first = await writeProfiles(paths, [entry('first')], { overwrite: false });
    const second = await writeProfiles(paths, [entry('second')], { overwrite: false });
    await removeProfiles(second);
    await removeProfiles(first);
    expect(text(paths.credentialsFile)).toBe('[user]\nk = v');
    expect(existsSync(paths.configFile)).toBe(false);
  });

  it('leaves a section someone changed after it was written (an indented line configparser reads as part of it), and names it', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    writeFileSync(paths.configFile, '[profile a]\nregion = x\n  more\n');
    const w = await writeProfiles(paths, [entry('dev')], { overwrite: false });
    const changed = `${text(paths.configFile)}  [profile b]\n`;
    writeFileSync(paths.configFile, changed);
    const report = await removeProfiles(w);
    expect(report.left).toEqual([{ file: paths.configFile, profile: 'dev' }]);
    expect(text(paths.configFile)).toBe(changed);
    expect(text(paths.credentialsFile)).toContain('[dev]'); // a profile is its two sections: both stay
  });
});

describe('locking', () => {
  it('many concurrent in-process writers and several processes all land', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, '.aws', 'credentials'), configFile: join(dir, '.aws', 'config') };
    mkdirSync(join(dir, '.aws'), { mode: 0o700 });
    const original = '# keep me\n[user]\naws_access_key_id = U\naws_secret_access_key = S\n';
    writeFileSync(paths.credentialsFile, original);
    const procs = ['p1', 'p2', 'p3'].map((p) => runWriter(['write', paths.credentialsFile, paths.configFile, p, '6']));
    const cyclers = ['c1', 'c2'].map((p) => runWriter(['cycle', paths.credentialsFile, paths.configFile, p, '5']));
    const local = Array.from({ length: 16 }, (_, i) => writeProfiles(paths, [entry(`local-${i}`)], { overwrite: false }));
    const results = await Promise.all(procs);
    const cycled = await Promise.all(cyclers);
    const localWritten = await Promise.all(local);
    for (const r of [...results, ...cycled]) expect(r).toMatchObject({ ok: true });

    const names = [...['p1', 'p2', 'p3'].flatMap((p) => Array.from({ length: 6 }, (_, i) => `${p}-${i}`)), ...localWritten.map((w) => w.profiles[0]!)];
    const view = botocoreView(paths, names);
    expect(Object.keys(view.credentials ?? {}).sort()).toEqual(['user', ...names].sort());
    expect(Object.keys(view.profiles ?? {}).sort()).toEqual([...names].sort());
    for (const name of localWritten.map((w) => w.profiles[0]!)) expectResolved(view, name);
    for (const name of names.filter((x) => x.startsWith('p'))) {
      expect(view.resolved[name]).toMatchObject({ method: 'shared-credentials-file', sessionToken: `token-${name}`, region: 'us-east-2' });
    }
    expect(text(paths.credentialsFile).startsWith(original)).toBe(true);
    expect(leftovers(join(dir, '.aws'))).toEqual([]);

    // Removing everything, concurrently, gives the original file back and deletes the created config.
    const all = [...localWritten, ...results.flatMap((r) => r.written ?? [])];
    await Promise.all(all.map((w) => removeProfiles(w)));
    expect(text(paths.credentialsFile)).toBe(original);
    expect(readdirSync(join(dir, '.aws')).sort()).toEqual(['config', 'credentials']);
    expect(text(paths.configFile)).toBe('');
  });

  it('writers racing to create the directory, and cleanups racing with writers, all succeed', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'h', '.aws', 'credentials'), configFile: join(dir, 'h', '.aws', 'config') };
    const ws = await Promise.all(Array.from({ length: 10 }, (_, i) => writeProfiles(paths, [entry(`w${i}`)], { overwrite: false })));
    // Each directory and file is recorded by exactly the writer that created it.
    expect(ws.flatMap((w) => w.createdDirs).sort()).toEqual([join(dir, 'h'), join(dir, 'h', '.aws')]);
    expect(ws.flatMap((w) => w.createdFiles).sort()).toEqual([paths.configFile, paths.credentialsFile]);
    await Promise.all(ws.map((w) => removeProfiles(w)));
    expect(pyView(paths)).toEqual([]);
    for (let round = 0; round < 15; round++) {
      rmSync(join(dir, 'h'), { recursive: true, force: true });
      const a = await writeProfiles(paths, [entry('a')], { overwrite: false });
      const [, b] = await Promise.all([removeProfiles(a), writeProfiles(paths, [entry('b')], { overwrite: false })]);
      // (a leading blank line when `b` was appended after `a`, before `a` was removed)
      expect([credBlock('b'), `\n${credBlock('b')}`]).toContain(text(paths.credentialsFile));
      expect(['[profile b]\nregion = eu-central-1\n', '\n[profile b]\nregion = eu-central-1\n']).toContain(text(paths.configFile));
      await removeProfiles(b);
      expect([paths.credentialsFile, paths.configFile].filter((f) => existsSync(f) && text(f) !== '')).toEqual([]);
    }
    function pyView(p: ProfileFilePaths): string[] {
      const v = botocoreView(p, []);
      return [...Object.keys(v.credentials ?? {}), ...Object.keys(v.profiles ?? {})];
    }
  });

  it('breaks a lock left by a dead process, and waits for a live one', async () => {
    const dir = scratch();
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    const lock = `${paths.credentialsFile}.lock`;
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), token: 'dead' }));
    await writeProfiles(paths, [entry('a')], { overwrite: false });
    expect(existsSync(lock)).toBe(false);

    // A lock from another host is judged by age only.
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'remote' }));
    const err = await rejection(writeProfiles(paths, [entry('b')], { overwrite: false, lock: { timeoutMs: 300, staleMs: 5000 } }));
    expect(err.message).toContain(`waiting for the lock file ${lock}`);
    expect(text(paths.credentialsFile)).not.toContain('[b]');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await writeProfiles(paths, [entry('b')], { overwrite: false, lock: { timeoutMs: 300, staleMs: 5000 } });
    expect(existsSync(lock)).toBe(false);
    expect(Object.keys(botocoreView(paths, []).credentials ?? {})).toEqual(['a', 'b']);
  });
});

describe('INI reading matches configparser and botocore', () => {
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const POOL = [
    '[a]',
    '[profile a]',
    '[profile  a ]',
    '  [b]',
    '\t[profile b]',
    '[profile "c d"]',
    "[profile 'x]",
    '[DEFAULT]',
    '[default]',
    '[profile default]',
    '[]]',
    '[]',
    '[x]y]',
    '[x] ; c',
    ' [ spaced ] ',
    '[profiles a]',
    '[profile a b]',
    '[profile\ta]',
    '[profile a\\ b]',
    '[profile "a\\"b"]',
    "[profile 'a\\']",
    '[profile a\\]',
    'key = v',
    'key=',
    'k : v',
    '  cont',
    '    deeper',
    '\tcont',
    '= novalue',
    ': x',
    'junk',
    '  junk',
    '# c',
    '; c',
    '   # indented c',
    '',
    '   ',
    '[sso-session s]',
    '[profilefoo bar]',
    '\u00a0[nbsp]',
    '[a]\u00a0',
    'x = [profile z]',
    '\u2003key = v',
  ];
  const PY_SECTIONS = `
import configparser, io, json, sys
from botocore.configloader import _parse_section
files = json.loads(sys.stdin.read())
out = []
for f in files:
    names = []
    class Rec:
        def match(self, v):
            m = configparser.RawConfigParser.SECTCRE.match(v)
            if m: names.append(m.group('header'))
            return m
    cp = configparser.RawConfigParser(strict=False)
    cp.SECTCRE = Rec()
    try:
        cp.read_file(io.StringIO(f, newline=None))  # universal newlines, as when reading a file
    except configparser.ParsingError:
        pass
    profiles = []
    for n in names:
        if n == 'DEFAULT': profiles.append(None)
        elif n.startswith('profile'):
            r = _parse_section(n, {})
            profiles.append(list(r.keys())[0] if r else None)
        elif n == 'default': profiles.append('default')
        else: profiles.append(None)
    out.append({'names': names, 'profiles': profiles})
print(json.dumps(out))
`;

  it('finds the same section headers and config profiles on random files', () => {
    const next = rng(42);
    const files: string[] = [];
    for (let i = 0; i < 400; i++) {
      const count = 1 + Math.floor(next() * 10);
      let f = '[start]\n';
      for (let j = 0; j < count; j++) f += (POOL[Math.floor(next() * POOL.length)] ?? '') + (next() < 0.2 ? '\r\n' : next() < 0.1 ? '\r' : '\n');
      files.push(f);
    }
    const r = spawnSync(PYTHON, ['-c', PY_SECTIONS], { input: JSON.stringify(files), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const py = JSON.parse(r.stdout) as { names: string[]; profiles: (string | null)[] }[];
    files.forEach((f, i) => {
      const sections = parseIni(splitLines(f)).sections;
      const ours = { names: sections.map((s) => s.name), profiles: sections.map((s) => profileOfSection(s.name, 'config') ?? null) };
      expect({ file: f, ...ours }).toEqual({ file: f, ...py[i] });
    });
  });

  it('splits like shlex.split', () => {
    const next = rng(7);
    const chars = ['a', 'b', ' ', '\t', '"', "'", '\\', 'x', '\n'];
    const inputs = ['', ' ', 'a b', '"a b"', "'a\\'", '"a\\"b"', 'a\\ b', '""', "''", 'a""b', '"\\\\"', '"\\x"', 'a\\'];
    for (let i = 0; i < 500; i++) {
      let s = '';
      const len = Math.floor(next() * 8);
      for (let j = 0; j < len; j++) s += chars[Math.floor(next() * chars.length)] ?? '';
      inputs.push(s);
    }
    const py = `
import json, shlex, sys
out = []
for s in json.loads(sys.stdin.read()):
    try: out.append(shlex.split(s))
    except ValueError: out.append(None)
print(json.dumps(out))
`;
    const r = spawnSync(PYTHON, ['-c', py], { input: JSON.stringify(inputs), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const expected = JSON.parse(r.stdout) as (string[] | null)[];
    inputs.forEach((s, i) => {
      expect({ s, split: shlexSplit(s) ?? null }).toEqual({ s, split: expected[i] });
    });
  });
});
