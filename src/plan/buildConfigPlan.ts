/**
 * Config-profile mode: read the checked-in AWS config (and credentials) file with botocore's rules,
 * pick the profiles (names and globs), and resolve each into a Chain — all before any STS call.
 */
import { ConfigError, InputError } from '../base/errors.js';
import { regionProblem, sessionNameProblem } from '../base/constraints.js';
import { profileNotFoundDetail, type ProfileMap } from '../config/profiles.js';
import type { LoadedConfig } from '../settings/loadConfig.js';
import { canMintGithubToken, type Settings } from '../settings/settings.js';
import { checkRegion } from './buildInputPlan.js';
import { defaultSessionName, type GithubContext } from './github.js';
import { PreflightError, resolveProfileChain, type ResolveContext, type ResolvedProfile } from './resolveProfileChain.js';
import type { Plan, Target } from '../base/types.js';

/** Pure: the files were read, and the token files looked up, at the edge (settings/loadConfig.ts). */
export function buildConfigPlan(settings: Settings, github: GithubContext, env: NodeJS.ProcessEnv, loaded: LoadedConfig): Plan {
  if (settings.mode.kind !== 'config') throw new Error('buildConfigPlan needs config mode');
  const { configFile, profiles: patterns } = settings.mode;
  const { map, existingTokenFiles } = loaded;
  const names = selectProfiles(patterns, map, configFile);
  // aws-profile renames the one written profile; several keep their own names.
  const rename = settings.profileOutput.awsProfile;
  if (rename !== undefined && names.length > 1) {
    throw new InputError('aws-profile', `names one profile, but 'profile' selects ${names.length} (${names.join(', ')}); each is written under its own name`);
  }

  const sessionName = settings.hopDefaults.sessionName;
  const sessionProblem = sessionName === undefined ? undefined : sessionNameProblem(sessionName);
  if (sessionProblem) throw new InputError('role-session-name', `session name ${sessionProblem}`);
  const oidcAllowed = settings.useGithubOidc === 'always' || (settings.useGithubOidc === 'auto' && canMintGithubToken(env));
  const ctx: ResolveContext = {
    defaultSessionName: settings.hopDefaults.sessionName ?? defaultSessionName(github),
    githubOidc: oidcAllowed ? { audience: settings.audience, always: settings.useGithubOidc === 'always' } : undefined,
    fileExists: (path) => existingTokenFiles.has(path),
    mfaCode: settings.mfaCode,
  };
  const targets: Target[] = names.map((name) => {
    const resolved = resolveProfileChain(map, name, ctx);
    const fromConfig = settings.stsEndpoint === undefined && resolved.endpointUrl !== undefined;
    return {
      name: rename ?? name,
      chain: resolved.chain,
      region: targetRegion(settings, resolved),
      stsEndpoint: settings.stsEndpoint ?? resolved.endpointUrl,
      ...(fromConfig ? { stsEndpointOrigin: resolved.endpointOrigin ?? resolved.origin } : {}),
    };
  });
  // Each target carries its own endpoint: one profile's endpoint_url must not become another's default.
  return { region: targets.find((t) => t.region !== undefined)?.region, stsEndpoint: settings.stsEndpoint, targets };
}

/**
 * The input or env region, else the selected profile's, refused before any call when STS could not use it.
 * A profile that assumes no role (static keys, credential_process, credential_source) needs none.
 */
function targetRegion(settings: Settings, resolved: ResolvedProfile): string | undefined {
  if (settings.region !== undefined) return checkRegion(settings.region, settings.regionSource);
  const region = resolved.region;
  if (region === undefined) {
    if (resolved.chain.hops.length === 0) return undefined;
    throw new ConfigError('NoRegionError', `You must specify a region. Set region in profile "${resolved.profile}" or the aws-region input.`, resolved.origin);
  }
  const problem = regionProblem(region);
  // botocore accepts any host label here (e.g. "EU-West-1"); STS then refuses the signature's scope.
  if (problem) throw new PreflightError('ValidationError', `Region ${problem}`, resolved.regionOrigin ?? resolved.origin);
  return region;
}

/** Names are taken as they are; `*`, `?` and `[...]` make a glob over the file's profiles, in file order. */
export function selectProfiles(patterns: readonly string[], map: ProfileMap, configFile: string): string[] {
  const selected: string[] = [];
  for (const pattern of patterns) {
    if (!/[*?[]/.test(pattern)) {
      if (!map.profiles.has(pattern)) {
        throw new ConfigError('ProfileNotFound', profileNotFoundDetail(pattern, map), { where: configFile });
      }
      if (!selected.includes(pattern)) selected.push(pattern);
      continue;
    }
    const re = globToRegExp(pattern);
    if (!re) throw new InputError('profile', `"${pattern}" is not a valid glob`);
    const matches = [...map.profiles.keys()].filter((name) => re.test(name));
    if (matches.length === 0) throw new InputError('profile', `"${pattern}" matches no profile in ${configFile}`);
    for (const name of matches) if (!selected.includes(name)) selected.push(name);
  }
  return selected;
}

function globToRegExp(glob: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    return undefined; // e.g. an out-of-order range such as [b-a]
  }
}
