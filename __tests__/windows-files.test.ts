/**
 * Files as a Windows runner has them: a config written with CRLF line ends (Python and most Windows
 * editors write them) edited in place by the action, then read back by botocore; and a refreshing
 * profile's Windows command line inside such a file, split by botocore's Windows splitter; and the
 * owner/mode checks, which apply only where the platform has POSIX permissions.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirTrustProblem, posixOwnership, privateFileProblem } from '../src/base/safeFiles.js';
import { parseConfigText } from '../src/config/configparser.js';
import { writeProfiles } from '../src/export/profileFiles.js';
import { credentialProcessCommand } from '../src/refresh/refreshPlan.js';
import { readPrivateFile } from '../src/refresh/store.js';
import { hasBotocore, peerTest, PYTHON } from './support/peers.js';

const PY = `
import json, sys
from botocore.configloader import raw_config_parse, build_profile_map
from botocore.compat import compat_shell_split
conf, cred = sys.argv[1], sys.argv[2]
profiles = build_profile_map(raw_config_parse(conf))['profiles']
split = {n: compat_shell_split(p['credential_process'], platform='win32') for n, p in profiles.items() if 'credential_process' in p}
print(json.dumps({'profiles': profiles, 'credentials': raw_config_parse(cred), 'split': split}))
`;

const CONFIG_CRLF = [
  '# written on Windows',
  '[default]',
  'region = us-east-1',
  '',
  '[profile deploy]',
  'region = us-west-2',
  'output = json',
  '',
  '[profile tools]',
  's3 =',
  '  addressing_style = path',
  '  max_concurrent_requests = 4',
  '',
].join('\r\n');
const CREDENTIALS_CRLF =
  '[deploy]\r\naws_access_key_id = AKIAOLD\r\naws_secret_access_key = OLDSECRET\r\n\r\n[keep]\r\naws_access_key_id = AKIAKEEP\r\naws_secret_access_key = KEEPSECRET\r\n';

peerTest(hasBotocore, 'python botocore')(
  'a CRLF config edited in place stays CRLF-only, and botocore reads every profile and the Windows credential_process line',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'windows-files-'));
    const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
    writeFileSync(paths.configFile, CONFIG_CRLF);
    writeFileSync(paths.credentialsFile, CREDENTIALS_CRLF);
    const node = 'C:\\Program Files\\nodejs\\node.exe';
    const entry = 'D:\\a\\_actions\\o\\aws-assume-chain\\v1\\dist\\index.js';
    const plan = 'D:\\a\\_temp\\aac-1\\plan.json';
    const line = credentialProcessCommand(node, entry, plan, 'deploy', 'win32');
    await writeProfiles(
      paths,
      [
        { name: 'deploy', credentials: { credentialProcess: line }, region: 'eu-west-1' },
        { name: 'new', credentials: { accessKeyId: 'AKIANEW', secretAccessKey: 'NEWSECRET' }, region: 'eu-north-1' },
      ],
      { overwrite: true },
    );

    const config = readFileSync(paths.configFile, 'utf8');
    const credentials = readFileSync(paths.credentialsFile, 'utf8');
    for (const text of [config, credentials]) {
      // Every line break is CRLF: no bare LF or CR was added by the edit.
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    }

    const r = spawnSync(PYTHON, ['-c', PY, paths.configFile, paths.credentialsFile], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const view = JSON.parse(r.stdout) as {
      profiles: Record<string, Record<string, unknown>>;
      credentials: Record<string, Record<string, string>>;
      split: Record<string, string[]>;
    };
    expect(view.profiles['deploy']).toEqual({ credential_process: line, region: 'eu-west-1' });
    expect(view.profiles['tools']).toEqual({ s3: { addressing_style: 'path', max_concurrent_requests: '4' } });
    expect(view.profiles['default']).toEqual({ region: 'us-east-1' });
    expect(view.profiles['new']).toEqual({ region: 'eu-north-1' });
    expect(view.split['deploy']).toEqual([
      'C:\\Program Files\\Nodejs\\Node.exe',
      'D:\\a\\_actions\\o\\aws-assume-chain\\v1\\dist\\index.js',
      'credential-process',
      'D:\\a\\_temp\\aac-1\\plan.json',
      'deploy',
    ]);
    // The refreshing profile's keys left the credentials file; the other profiles are untouched.
    expect(view.credentials['deploy']).toEqual({});
    expect(view.credentials['keep']).toEqual({ aws_access_key_id: 'AKIAKEEP', aws_secret_access_key: 'KEEPSECRET' });
    expect(view.credentials['new']).toEqual({ aws_access_key_id: 'AKIANEW', aws_secret_access_key: 'NEWSECRET' });
    expect(`${config}${credentials}`).not.toContain('OLDSECRET');

    // The action's own parser reads the edited file as botocore does.
    const ours = parseConfigText(config, paths.configFile);
    const deploy = ours.sections.find((s) => s.name === 'profile deploy');
    expect(deploy?.values.get('credential_process')?.text).toBe(line);
    expect(ours.sections.find((s) => s.name === 'profile tools')?.values.get('s3')?.text).toBe('\naddressing_style = path\nmax_concurrent_requests = 4');
  },
);

peerTest(hasBotocore, 'python botocore')('a config with lone CR line ends (old Mac editors) parses as botocore reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windows-files-'));
  const file = join(dir, 'config');
  const text = '[profile a]\rregion = us-east-1\r[profile b]\rregion = eu-west-1\r\n[profile c]\nregion = x';
  writeFileSync(file, text);
  const r = spawnSync(
    PYTHON,
    ['-c', 'import json,sys; from botocore.configloader import raw_config_parse; print(json.dumps(raw_config_parse(sys.argv[1])))', file],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  const ours = Object.fromEntries(parseConfigText(text, file).sections.map((s) => [s.name, Object.fromEntries([...s.values].map(([k, v]) => [k, v.text]))]));
  expect(ours).toEqual(JSON.parse(r.stdout));
  expect(Object.keys(ours)).toEqual(['profile a', 'profile b', 'profile c']);
});

describe('owner and mode checks only where the platform has them', () => {
  // What Node's stat reports on Windows for any writable file or directory: no uid, mode from the
  // read-only attribute alone.
  const WINDOWS_FILE = { uid: 0, mode: 0o100666 };
  const WINDOWS_DIR = { uid: 0, mode: 0o40777 };

  test('Windows has no POSIX ownership; Linux and macOS do', () => {
    expect(posixOwnership('win32', false)).toBe(false);
    expect(posixOwnership('win32', true)).toBe(false);
    expect(posixOwnership('linux', true)).toBe(true);
    expect(posixOwnership('darwin', true)).toBe(true);
  });

  test('on Windows the bits Node reports are not read as "writable by others"', () => {
    expect(dirTrustProblem(WINDOWS_DIR, false, false)).toBeUndefined();
    expect(privateFileProblem(WINDOWS_FILE, false)).toBeUndefined();
  });

  // The POSIX side needs this process's uid, which Windows does not have.
  (process.platform === 'win32' ? test.skip : test)('on POSIX the same bits are refused, and our own 0600 file is fine', () => {
    const me = process.getuid!();
    expect(dirTrustProblem({ uid: me, mode: 0o40777 }, false, true)).toMatch(/can be written by group or others \(mode 0777\)/);
    expect(privateFileProblem({ uid: me, mode: 0o100666 }, true)).toBe('can be written by other users');
    expect(privateFileProblem({ uid: me + 1, mode: 0o100600 }, true)).toBe('belongs to another user');
    expect(privateFileProblem({ uid: me, mode: 0o100600 }, true)).toBeUndefined();
  });

  (process.platform === 'win32' ? test.skip : test)('the refresh cache refuses a file others can write on POSIX', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'windows-files-'));
    const file = join(dir, 'cache.json');
    writeFileSync(file, '{}', { mode: 0o600 });
    expect(await readPrivateFile(file)).toBe('{}');
    chmodSync(file, 0o666);
    await expect(readPrivateFile(file)).rejects.toThrow(`${file} can be written by other users`);
  });
});
