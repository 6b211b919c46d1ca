/**
 * The refresh profile's credential_process line on Windows and POSIX, read back the way its real
 * readers read it: the line is written into a config file by the action's own writer, botocore loads
 * that file and splits the value with its own `compat_shell_split` (platform 'win32' and 'linux'), and
 * models of cmd.exe (the JS SDK runs the line through it on Windows) and of the Go SDK's INI reader
 * check what those two would do with the same line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, win32 } from 'node:path';
import { UserError } from '../src/base/errors.js';
import { compatShellSplit } from '../src/config/python.js';
import { writeProfiles } from '../src/export/profileFiles.js';
import type { Plan } from '../src/base/types.js';
import { buildRefreshPlan, credentialProcessCommand } from '../src/refresh/refreshPlan.js';
import { hasBotocore, peerTest, PYTHON } from './support/peers.js';

type Args = readonly [node: string, entry: string, planFile: string, profile: string];

/** What each reader must get: node, bundle, the helper's command, plan file, profile. */
const argv = (a: Args): string[] => [a[0], a[1], 'credential-process', a[2], a[3]];

/**
 * The Windows line writes `\n` as `\N` (the Go SDK would read `\n` as a line break; Windows names are
 * case-insensitive): the argv a Windows reader gets names the same files, in another case.
 */
const windowsArgv = (a: Args): string[] => argv(a).map((s) => s.replace(/\\n/g, '\\N'));

const HOSTED: Args = [
  'C:\\hostedtoolcache\\windows\\node\\24.11.1\\x64\\node.exe',
  'D:\\a\\_actions\\octo\\aws-assume-chain\\v1\\dist\\index.js',
  win32.join('D:\\a\\_temp', 'aac-7f3e', 'plan.json'),
  'prod-1',
];
const PROGRAM_FILES: Args = ['C:\\Program Files\\nodejs\\node.exe', 'C:\\actions runner\\_work\\_actions\\dist\\index.js', 'D:\\a\\_temp\\plan.json', 'p'];
const AWKWARD: Args = [
  'C:\\Program Files (x86)\\nodejs\\node.exe',
  'D:\\a\\R&D^x\\new, dir;=\\index.js',
  '\\\\nas\\share\\runner temp\\plan.json',
  // A name needing quotes here would end a line that starts with one: refused (e2e-review4-winquote).
  'team-ops#1',
];
const AWKWARD_NAME: Args = ['C:\\tools\\node.exe', 'D:\\a\\R&D^x\\index.js', 'D:\\a\\_temp\\plan.json', 'team&ops#1'];
const SLASHES: Args = ['C:/tools/node.exe', 'D:/a/_actions/dist/index.js', 'D:/a/_temp/plan.json', 'p'];
const UNICODE: Args = ['C:\\Users\\Jöran\\node.exe', 'C:\\Users\\Jöran\\dist\\index.js', 'C:\\Users\\Jöran\\plan.json', 'ünï'];
const PLAIN_PUNCTUATION: Args = ['C:\\node=1,2;3\\node.exe', 'D:\\a\\x=y,z;w\\index.js', 'D:\\a\\_temp\\plan.json', 'a=b,c;d#e'];
const COMMENT_START: Args = ['C:\\node.exe', 'D:\\i.js', 'D:\\p.json', '#team'];
const TRAILING: Args = ['C:\\n o\\node.exe', 'D:\\dir with space\\', 'D:\\t\\', 'p'];
const WINDOWS_CASES: ReadonlyArray<[string, Args]> = [
  ['a GitHub-hosted runner (no quotes needed)', HOSTED],
  ['spaces in the node and bundle paths', PROGRAM_FILES],
  ['cmd.exe syntax characters and a UNC path', AWKWARD],
  ['an awkward profile name after an unquoted program', AWKWARD_NAME],
  ['forward slashes', SLASHES],
  ['non-ASCII names', UNICODE],
  ['trailing backslashes, quoted and not', TRAILING],
  ['`, ; = #` inside arguments (quoted only in the program name)', PLAIN_PUNCTUATION],
  ['an argument that would start an INI comment', COMMENT_START],
];

const POSIX_AWKWARD: Args = ['/opt/hosted tool/node 24/bin/node', "/home/o'neil/_actions/dist/index.js", '/tmp/run $HOME `x`\\/plan.json', 'prod-1'];

/**
 * Each line goes through a real config file: written by the action's writer, loaded by botocore's
 * config loader, and split by botocore's own splitter for the given platform (in one python process).
 */
async function botocoreArgv(lines: readonly string[], platform: 'win32' | 'linux'): Promise<string[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'command-line-'));
  const paths = { credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
  const names = lines.map((_, i) => `p${i}`);
  await writeProfiles(
    paths,
    lines.map((line, i) => ({ name: names[i]!, credentials: { credentialProcess: line } })),
    { overwrite: true },
  );
  const script = `
import json, sys
from botocore.configloader import load_config
from botocore.compat import compat_shell_split
profiles = load_config(sys.argv[1])['profiles']
print(json.dumps([compat_shell_split(profiles[n]['credential_process'], platform=sys.argv[2]) for n in json.loads(sys.argv[3])]))
`;
  const r = spawnSync(PYTHON, ['-c', script, paths.configFile, platform, JSON.stringify(names)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`botocore failed: ${r.stderr}`);
  // The file holds exactly the lines written (botocore read what the writer wrote, not a neighbour).
  expect(readFileSync(paths.configFile, 'utf8').match(/^credential_process = .*$/gm)).toHaveLength(lines.length);
  return JSON.parse(r.stdout) as string[][];
}

/**
 * cmd.exe as the JS SDK starts it (`cmd.exe /d /s /c "LINE"`; /s strips the outer quotes): fails if
 * anything in LINE would be expanded or read as syntax, and returns the program it starts. Outside
 * double quotes `^` escapes, `& | < > ( )` are operators; `%` and `!` expand even inside quotes. An
 * unquoted program name ends at whitespace, `, ; =` or `/`.
 */
function cmdExeProgram(line: string): string {
  if (/[%!]/.test(line)) throw new Error(`cmd.exe would expand ${line}`);
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && /[\^&|<>()]/.test(ch)) throw new Error(`cmd.exe would read ${ch} as syntax in ${line}`);
  }
  if (quoted) throw new Error(`unbalanced quotes in ${line}`);
  if (line.startsWith('"')) return line.slice(1, line.indexOf('"', 1));
  return /^[^\s,;=/]*/.exec(line)![0];
}

/** The Go SDK's INI reader on a value (aws-sdk-go-v2 internal/ini): comment cut, trim, legacy unescape. */
function goSdkValue(value: string): string {
  let v = value.split('#')[0]!.split(';')[0]!.trim();
  if (v.length > 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
  return v.replaceAll('\\"', '"').replaceAll("\\'", "'").replaceAll('\\n', '\n');
}

const lineFor = (a: Args, platform: NodeJS.Platform): string => credentialProcessCommand(a[0], a[1], a[2], a[3], platform);

describe('credential_process on Windows', () => {
  peerTest(hasBotocore, 'python botocore')("botocore's Windows splitter reads every argument back exactly, through the written config file", async () => {
    const lines = WINDOWS_CASES.map(([, a]) => lineFor(a, 'win32'));
    const split = await botocoreArgv(lines, 'win32');
    WINDOWS_CASES.forEach(([, a], i) => {
      expect(split[i]).toEqual(windowsArgv(a));
      // The same files on a case-insensitive file system.
      expect(split[i]!.map((s) => s.toLowerCase())).toEqual(argv(a).map((s) => s.toLowerCase()));
    });
  });

  test.each(WINDOWS_CASES)('cmd.exe (the JS SDK) starts the right program and leaves the rest alone: %s', (_name, a) => {
    const line = lineFor(a, 'win32');
    expect(cmdExeProgram(line)).toBe(a[0].replace(/\\n/g, '\\N'));
  });

  test('the hosted runner line has no quotes and survives the Go SDK INI reader unchanged', () => {
    const line = lineFor(HOSTED, 'win32');
    expect(line).toBe(
      'C:\\hostedtoolcache\\windows\\Node\\24.11.1\\x64\\Node.exe D:\\a\\_actions\\octo\\aws-assume-chain\\v1\\dist\\index.js credential-process D:\\a\\_temp\\aac-7f3e\\plan.json prod-1',
    );
    expect(goSdkValue(line)).toBe(line);
    // The model is not the identity: the original path would have been broken by it.
    expect(goSdkValue(HOSTED[0])).toContain('\n');
  });

  test('`, ; =` need quotes only in the program name, and `#` or `;` only at the start of an argument', () => {
    expect(lineFor(PLAIN_PUNCTUATION, 'win32')).toBe(
      '"C:\\Node=1,2;3\\Node.exe" D:\\a\\x=y,z;w\\index.js credential-process D:\\a\\_temp\\plan.json a=b,c;d#e',
    );
    expect(lineFor(COMMENT_START, 'win32')).toBe('C:\\Node.exe D:\\i.js credential-process D:\\p.json "#team"');
  });

  test('a path with a space is quoted, and only then; a trailing backslash run is doubled inside quotes', () => {
    expect(lineFor(PROGRAM_FILES, 'win32')).toBe(
      '"C:\\Program Files\\Nodejs\\Node.exe" "C:\\actions runner\\_work\\_actions\\dist\\index.js" credential-process D:\\a\\_temp\\plan.json p',
    );
    expect(lineFor(TRAILING, 'win32')).toBe('"C:\\N o\\Node.exe" "D:\\dir with space\\\\" credential-process D:\\t\\ p');
  });

  test.each([
    ['a percent sign (cmd.exe expands %NAME% inside quotes)', ['C:\\100%\\node.exe', 'D:\\i.js', 'D:\\p.json', 'p'], 'node program path', "contains '%'"],
    ['an exclamation mark (delayed expansion)', ['C:\\node.exe', 'D:\\wow!\\i.js', 'D:\\p.json', 'p'], 'action bundle path', "contains '!'"],
    ['a double quote', ['C:\\node.exe', 'D:\\i.js', 'D:\\a"b\\p.json', 'p'], 'refresh plan path', "contains '\"'"],
    ['a line break', ['C:\\node.exe', 'D:\\i.js', 'D:\\a\nb\\p.json', 'p'], 'refresh plan path', 'contains a control character'],
    ['a comment start after a space', ['C:\\node.exe', 'D:\\my #1\\i.js', 'D:\\p.json', 'p'], 'action bundle path', "has '#' or ';' after a space"],
    ['a component starting with a quote', ['C:\\node.exe', "D:\\'q\\i.js", 'D:\\p.json', 'p'], 'action bundle path', 'AWS SDK for Go'],
    ['an empty path', ['', 'D:\\i.js', 'D:\\p.json', 'p'], 'node program path', 'is empty'],
    ['a percent sign in the profile name', ['C:\\node.exe', 'D:\\i.js', 'D:\\p.json', 'a%PATH%b'], 'profile name', "contains '%'"],
  ] as const)('refuses %s with one line naming it', (_name, a, what, why) => {
    let caught: unknown;
    try {
      lineFor(a as unknown as Args, 'win32');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    const message = (caught as Error).message;
    expect(message).toContain(`the ${what} `);
    expect(message).toContain(why);
    expect(message).not.toMatch(/[\r\n]/);
  });

  test('the same paths are accepted on POSIX, where the shell and shlex read them literally', () => {
    expect(() => lineFor(['/opt/100%/node', '/a/wow!/i.js', "/t/'q/p.json", 'a%PATH%b'], 'linux')).not.toThrow();
  });
});

describe('credential_process on POSIX', () => {
  peerTest(hasBotocore, 'python botocore')('botocore (shlex) reads the written line back exactly, through the config file', async () => {
    const cases: Args[] = [POSIX_AWKWARD, ['/usr/bin/node', '/a/dist/index.js', '/t/plan.json', 'p']];
    const split = await botocoreArgv(
      cases.map((a) => lineFor(a, 'linux')),
      'linux',
    );
    for (const [i, a] of cases.entries()) expect(split[i]).toEqual(argv(a));
  });

  test('macOS writes the POSIX line', () => {
    expect(lineFor(POSIX_AWKWARD, 'darwin')).toBe(lineFor(POSIX_AWKWARD, 'linux'));
    expect(lineFor(PROGRAM_FILES, 'darwin')).toBe(lineFor(PROGRAM_FILES, 'linux'));
  });
});

describe("a config's credential_process is split as botocore splits it on the runner's platform", () => {
  peerTest(hasBotocore, 'python botocore')("compatShellSplit agrees with botocore's compat_shell_split on Windows and POSIX", () => {
    let seed = 11;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const chars = ['a', 'b', ' ', '\t', '"', "'", '\\', '\\', 'C', ':'];
    const inputs = ['', ' ', 'a b', '"a b"', '""', 'a""b', '"C:\\Program Files\\x.exe" --r=1', 'C:\\a\\ b', 'a\\\\"b c"', 'a\\\\\\"b', '"unclosed', 'x\\'];
    for (let i = 0; i < 600; i++) {
      let s = '';
      const len = Math.floor(next() * 10);
      for (let j = 0; j < len; j++) s += chars[Math.floor(next() * chars.length)] ?? '';
      inputs.push(s);
    }
    const script = `
import json, sys
from botocore.compat import compat_shell_split
inputs = json.loads(sys.stdin.read())
def split(s, platform):
    try: return compat_shell_split(s, platform=platform)
    except ValueError: return None
print(json.dumps({p: [split(s, p) for s in inputs] for p in ('win32', 'linux')}))
`;
    const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(inputs), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const expected = JSON.parse(r.stdout) as Record<'win32' | 'linux', (string[] | null)[]>;
    for (const platform of ['win32', 'linux'] as const) {
      for (const [i, s] of inputs.entries()) {
        expect({ platform, s, split: compatShellSplit(s, platform) ?? null }).toEqual({ platform, s, split: expected[platform][i] });
      }
    }
    // The Windows rules keep a path's backslashes; POSIX shlex would eat them.
    expect(compatShellSplit('"C:\\Program Files\\tool.exe" --x', 'win32')).toEqual(['C:\\Program Files\\tool.exe', '--x']);
    expect(compatShellSplit('"C:\\Program Files\\tool.exe" --x', 'linux')).toEqual(['C:\\Program Files\\tool.exe', '--x']);
    expect(compatShellSplit('C:\\tools\\tool.exe --x', 'win32')).toEqual(['C:\\tools\\tool.exe', '--x']);
    expect(compatShellSplit('C:\\tools\\tool.exe --x', 'linux')).toEqual(['C:toolstool.exe', '--x']);
  });
});

describe('the command line is checked with the refresh plan, before any STS call', () => {
  const PLAN: Plan = {
    region: 'eu-west-1',
    targets: [
      {
        name: 'deploy',
        chain: {
          source: { kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } },
          hops: [
            {
              action: 'AssumeRole',
              roleArn: 'arn:aws:iam::222222222222:role/deployer',
              roleSessionName: 's',
              tags: [],
              transitiveTagKeys: [],
              policyArns: [],
              origin: { where: 'role-chain', line: 1 },
            },
          ],
        },
      },
    ],
  };
  const SETTINGS = { retry: { maxAttempts: 3 }, timeoutSeconds: 0, proxy: {} };
  const WINDOWS_ENV = { GITHUB_WORKSPACE: 'D:\\a\\repo\\repo', RUNNER_TEMP: 'D:\\a\\_temp' };

  test('a Windows node path cmd.exe would expand is refused by buildRefreshPlan, naming it', () => {
    const helper = { node: 'C:\\tools\\100%\\node.exe', entry: HOSTED[1], platform: 'win32' as const };
    expect(() => buildRefreshPlan(PLAN, SETTINGS, WINDOWS_ENV, helper)).toThrow(
      new UserError(
        `Cannot write a refreshing profile: the node program path "C:\\\\tools\\\\100%\\\\node.exe" contains '%', so no credential_process line reads the same in cmd.exe, botocore and the AWS SDKs on Windows; use a path without it`,
      ),
    );
  });

  test('a RUNNER_TEMP with a percent sign is refused too; the hosted runner layout and POSIX paths pass', () => {
    const helper = { node: HOSTED[0], entry: HOSTED[1], platform: 'win32' as const };
    expect(() => buildRefreshPlan(PLAN, SETTINGS, { ...WINDOWS_ENV, RUNNER_TEMP: 'D:\\a\\%TEMP%' }, helper)).toThrow(/the refresh plan path .* contains '%'/);
    expect(buildRefreshPlan(PLAN, SETTINGS, WINDOWS_ENV, helper).targets['deploy']?.profile).toBe('deploy');
    const posixHelper = { node: '/opt/100%/node', entry: '/a/dist/index.js', platform: 'linux' as const };
    expect(buildRefreshPlan(PLAN, SETTINGS, { RUNNER_TEMP: '/tmp/%x' }, posixHelper).targets['deploy']?.profile).toBe('deploy');
  });
});
