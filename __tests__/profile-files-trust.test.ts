/**
 * Profile files under hostile conditions: removal by hash (another job on the same HOME), overwrite
 * restore, undo of a write byte for byte, files that are not AWS INI files, size caps, directories and
 * files of other users or writable by others, and the one profile-name rule.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeProfiles, writeProfiles, writeProfilesUndoable, type ProfileEntry } from '../src/export/profileFiles.js';
import { MAX_PROFILE_FILE_BYTES } from '../src/base/safeFiles.js';
import { profileNameProblem } from '../src/config/profileName.js';

const posix = process.platform !== 'win32';
const isRoot = posix && process.getuid?.() === 0;
const NOBODY = 65534;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'profile-trust-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function scratch(): { dir: string; paths: { credentialsFile: string; configFile: string } } {
  const dir = join(root, `t${++n}`);
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  return { dir, paths: { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') } };
}

const keys = (tag: string) => ({ accessKeyId: `AKIA${tag.toUpperCase()}00000000`, secretAccessKey: `secret-${tag}`, sessionToken: `token-${tag}` });
const entry = (name: string, tag = name): ProfileEntry => ({ name, credentials: keys(tag), region: 'eu-west-1' });
const text = (f: string) => readFileSync(f, 'utf8');

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('removal acts only on sections still exactly as written', () => {
  test("two jobs sharing a HOME: B overwrites A's profile; A's removal leaves B's section and the file; B's puts A's back", async () => {
    const { paths } = scratch();
    const userText = '[user]\naws_access_key_id = AKIAUSER\naws_secret_access_key = u\n';
    writeFileSync(paths.credentialsFile, userText);
    const a = await writeProfiles(paths, [entry('deploy', 'a')], { overwrite: false });
    const afterA = text(paths.credentialsFile);
    const b = await writeProfiles(paths, [entry('deploy', 'b')], { overwrite: true });
    const afterB = text(paths.credentialsFile);
    expect(afterB).toContain('secret-b');
    expect(afterB).not.toContain('secret-a');

    const reportA = await removeProfiles(a);
    // The config sections are byte-identical; the credentials one differs, so the profile (both) stays.
    expect(reportA.left).toEqual([{ file: paths.credentialsFile, profile: 'deploy' }]);
    expect(text(paths.credentialsFile)).toBe(afterB);
    expect(existsSync(paths.configFile)).toBe(true);

    const reportB = await removeProfiles(b);
    expect(reportB.left).toEqual([]);
    expect(text(paths.credentialsFile)).toBe(afterA); // A's section is back, byte for byte
    await removeProfiles(a); // now A's own removal finds its section
    expect(text(paths.credentialsFile)).toBe(userText);
  });

  test('overwrite-profiles: the replaced sections (both [default] and [profile "default"]) come back byte for byte', async () => {
    const { paths } = scratch();
    const cred = '# mine\n[default]\naws_access_key_id = AKIAORIG\naws_secret_access_key = orig ; kept\n\n[other]\nk = v\n';
    const conf = '[default]\nregion = us-east-1\noutput = json\n\n[profile x]\nregion = y\n';
    writeFileSync(paths.credentialsFile, cred);
    writeFileSync(paths.configFile, conf);
    const w = await writeProfiles(paths, [entry('default', 'new')], { overwrite: true });
    expect(text(paths.credentialsFile)).not.toContain('AKIAORIG');
    expect(text(paths.configFile)).not.toContain('output = json');
    expect((await removeProfiles(w)).left).toEqual([]);
    expect(text(paths.credentialsFile)).toBe(cred);
    expect(text(paths.configFile)).toBe(conf);
  });

  test('a section someone edited is left with its other half, and no file is deleted even though the step created both', async () => {
    const { dir, paths } = scratch();
    const w = await writeProfiles(paths, [entry('dev')], { overwrite: false });
    writeFileSync(paths.credentialsFile, text(paths.credentialsFile).replace('secret-dev', 'secret-edited'));
    const report = await removeProfiles(w);
    expect(report.left).toEqual([{ file: paths.credentialsFile, profile: 'dev' }]);
    expect(text(paths.credentialsFile)).toContain('secret-edited');
    // A profile is its two sections: the unchanged config half stays with the edited half.
    expect(text(paths.configFile)).toBe('[profile dev]\nregion = eu-west-1\n');
    expect(readdirSync(dir).sort()).toEqual(['config', 'credentials']);
  });
});

describe('a write undone by the step that made it', () => {
  test('restores both files byte for byte and removes the directories it created', async () => {
    const { dir, paths } = scratch();
    writeFileSync(paths.credentialsFile, '[a]\r\nk = v'); // CRLF, unterminated: the write changes both
    const w = await writeProfilesUndoable(paths, [entry('dev')], { overwrite: false });
    expect(text(paths.credentialsFile)).toContain('[dev]');
    await w.undo();
    expect(text(paths.credentialsFile)).toBe('[a]\r\nk = v');
    expect(existsSync(paths.configFile)).toBe(false);

    const nested = { credentialsFile: join(dir, 'h', '.aws', 'credentials'), configFile: join(dir, 'h', '.aws', 'config') };
    const w2 = await writeProfilesUndoable(nested, [entry('dev')], { overwrite: true });
    await w2.undo();
    expect(readdirSync(dir).sort()).toEqual(['credentials']);
  });

  test('after an overwrite, the replaced profile is back', async () => {
    const { paths } = scratch();
    writeFileSync(paths.credentialsFile, '[dev]\naws_access_key_id = AKIAORIG\naws_secret_access_key = o\n');
    const w = await writeProfilesUndoable(paths, [entry('dev')], { overwrite: true });
    await w.undo();
    expect(text(paths.credentialsFile)).toBe('[dev]\naws_access_key_id = AKIAORIG\naws_secret_access_key = o\n');
  });
});

describe('target files must be AWS INI files of this user, under the size cap', () => {
  test.each([
    [
      'a copy of /etc/passwd',
      'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n',
      /line 1 is not valid in an AWS INI file \(text before the first \[section\] header\)/,
    ],
    ['a line that is not an option', '[a]\nk = v\nthis is not ini\n', /line 3 is not valid in an AWS INI file/],
    ['a NUL byte', '[a]\nk = v\u0000\n', /line 2 is not valid in an AWS INI file \(a NUL byte\)/],
  ])('%s is refused, not appended to', async (_what, content, message) => {
    const { paths } = scratch();
    writeFileSync(paths.credentialsFile, content);
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
    expect(err.message).toMatch(message);
    expect(err.message).toContain(paths.credentialsFile);
    expect(err.message).not.toContain('root:x');
    expect(text(paths.credentialsFile)).toBe(content);
    expect(existsSync(paths.configFile)).toBe(false);
  });

  test(`a file over ${MAX_PROFILE_FILE_BYTES} bytes is refused without reading it whole`, async () => {
    const { paths } = scratch();
    writeFileSync(paths.configFile, '[profile a]\nregion = x\n');
    truncateSync(paths.configFile, MAX_PROFILE_FILE_BYTES + 1); // sparse: cheap
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
    expect(err.message).toMatch(/is larger than 16 MiB/);
    expect(existsSync(paths.credentialsFile)).toBe(false);
  });

  (isRoot ? test : test.skip)('a file owned by another user is refused (needs root to chown)', async () => {
    const { paths } = scratch();
    writeFileSync(paths.credentialsFile, '[a]\nk = v\n');
    chownSync(paths.credentialsFile, NOBODY, NOBODY);
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
    expect(err.message).toMatch(/belongs to another user \(uid 65534\)/);
    expect(text(paths.credentialsFile)).toBe('[a]\nk = v\n');
  });
});

describe("directories that hold profiles must be this user's and not writable by others", () => {
  (posix ? test : test.skip)('a world-writable or group-writable directory is refused (POSIX only)', async () => {
    for (const mode of [0o777, 0o770, 0o1777]) {
      const { dir, paths } = scratch();
      chmodSync(dir, mode);
      const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
      expect(err.message).toBe(
        `Refusing to write AWS profiles in ${dir}: the directory can be written by group or others (mode ${mode.toString(8).padStart(4, '0')}); chmod go-w it.`,
      );
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  (isRoot ? test : test.skip)('a directory owned by another user is refused (needs root to chown)', async () => {
    const { dir, paths } = scratch();
    chownSync(dir, NOBODY, NOBODY);
    const err = await rejection(writeProfiles(paths, [entry('dev')], { overwrite: false }));
    expect(err.message).toBe(`Refusing to write AWS profiles in ${dir}: the directory belongs to another user (uid 65534).`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('one profile-name rule', () => {
  test.each(['dev', 'default', 'prod-eu_1', 'a.b', 'x@y', 'ünï', 'a=b', 'a#b', 'A1', '400000000001-audit', 'x'.repeat(128)])('accepts %j', (name) => {
    expect(profileNameProblem(name)).toBeUndefined();
  });
  test.each([
    ['', 'is empty'],
    ['x/../../../../../../leaked', "contains '/'"],
    ['a..b', "contains '..'"],
    ['..', "contains '..'"],
    ['.', 'is reserved'],
    ['a\\b', "contains '\\'"],
    ['[a', "contains '['"],
    ['a]', "contains ']'"],
    [' a', 'contains whitespace or control characters'],
    ['a ', 'contains whitespace or control characters'],
    ['a\rb', 'contains whitespace or control characters'],
    ['a\nb', 'contains whitespace or control characters'],
    ['a\u001b[31m', 'contains whitespace or control characters'],
    ['a\u202eb', 'contains whitespace or control characters'],
    ['a\u0085b', 'contains whitespace or control characters'],
    ['x'.repeat(129), 'is longer than 128 characters'],
    ['__proto__', 'is reserved'],
    ['DEFAULT', "is 'DEFAULT' (configparser's defaults section, not a profile)"],
  ])('refuses %j: it %s', (name, problem) => {
    expect(profileNameProblem(name)).toBe(problem);
  });
});
