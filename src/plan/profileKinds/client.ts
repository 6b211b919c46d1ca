/** Region and STS endpoint of the selected profile (botocore ignores those of source profiles). */
import { ConfigError } from '../../base/errors.js';
import type { Origin } from '../../base/types.js';
import type { Profile, ProfileMap } from '../../config/profiles.js';
import { checkedText, scalar } from './common.js';

/** botocore's host-label rule for region names. */
const REGION_PATTERN = /^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{0,63}(?<!-)$/;

export interface ClientSettings {
  readonly region?: string;
  readonly regionOrigin?: Origin;
  readonly endpointUrl?: string;
  readonly endpointOrigin?: Origin;
}

export function clientSettings(map: ProfileMap, profile: Profile): ClientSettings {
  const regionSetting = profile.settings.get('region');
  const region = regionSetting ? scalar(regionSetting, 'region', profile) : '';
  if (regionSetting && !REGION_PATTERN.test(region)) {
    throw new ConfigError('InvalidRegionError', `Provided region_name '${region}' doesn't match a supported format.`, regionSetting.origin);
  }
  const endpoint = stsEndpoint(map, profile);
  return {
    ...(regionSetting && region !== '' ? { region, regionOrigin: regionSetting.origin } : {}),
    ...(endpoint ? { endpointUrl: endpoint.value, endpointOrigin: endpoint.origin } : {}),
  };
}

/** `[services X]` `sts` `endpoint_url`, else the profile's `endpoint_url`; neither when told to ignore them. */
function stsEndpoint(map: ProfileMap, profile: Profile): { value: string; origin: Origin } | undefined {
  const ignore = profile.settings.get('ignore_configured_endpoint_urls');
  if (ignore && ignore.value.toLowerCase() === 'true') return undefined;
  const servicesName = profile.settings.get('services');
  if (servicesName) {
    checkedText(servicesName.value, 'services', servicesName.origin, `profile "${profile.name}"`);
    const section = map.services.get(servicesName.value);
    if (!section || section.settings.size === 0) {
      throw new ConfigError(
        'InvalidConfigError',
        `The profile is configured to use the services section but the "${servicesName.value}" services configuration does not exist.`,
        servicesName.origin,
      );
    }
    const sts = section.settings.get('sts');
    if (sts && !sts.nested) {
      throw new ConfigError(
        'InvalidConfigError',
        `The "sts" setting of [services ${servicesName.value}] must be a nested block ("sts =" followed by indented "endpoint_url = …" lines).`,
        sts.origin,
      );
    }
    const url = sts?.nested?.get('endpoint_url');
    if (sts && url) return { value: checkedText(url, 'endpoint_url', sts.origin, `[services ${servicesName.value}] sts`), origin: sts.origin };
  }
  const url = profile.settings.get('endpoint_url');
  return url && url.value !== '' ? { value: scalar(url, 'endpoint_url', profile), origin: url.origin } : undefined;
}
