/**
 * Files as a Windows runner has them: a config written with CRLF line ends (Python and most Windows
 * editors write them) edited in place by the action, then read back by botocore; and a refreshing
 * profile's Windows command line inside such a file, split by botocore's Windows splitter.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../src/config/configparser.js';
import { writeProfiles } from '../src/export/profileFiles.js';
import { credentialProcessCommand } from '../src/refresh/refreshPlan.js';
import { hasBotocore, peerTest } from './support/peers.js';

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

    const r = spawnSync('python3', ['-c', PY, paths.configFile, paths.credentialsFile], { encoding: 'utf8' });
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
    'python3',
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
