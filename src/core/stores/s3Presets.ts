/**
 * Provider presets for the S3 object store, as data (as rclone's backend/s3/provider/*.yaml): each knows
 * its endpoint shape, how to recognise its host, its default region and addressing style, so that the
 * settings panel and the CLI ask only for what the provider really needs and no code branches on a
 * provider's name.
 */
import type { S3PresetName, S3StoreConfig } from '../model/destinations.js';
import { SyncError, settingHint } from '../model/errors.js';

/** What a user enters for a preset; the rest comes from the preset. */
export interface S3PresetInput extends Partial<Omit<S3StoreConfig, 'accessKeyId' | 'secretAccessKey'>> {
  accessKeyId: string;
  secretAccessKey: string;
  /** Cloudflare account id (R2), used when no endpoint is given. */
  accountId?: string;
}

export interface S3Preset {
  label: string;
  /** Which inputs the settings panel must ask for. */
  needs: ReadonlyArray<'accountId' | 'region' | 'endpoint'>;
  /** Default region, if the provider has one. */
  region?: string;
  /**
   * Where the region comes from when neither BILANCIO_S3_REGION nor the config file's objectStore.region
   * names one, in order (the rule as data, see `presetRegion`):
   *   'endpoint' — the endpoint's host names it (hostPattern's group 1: s3.<region>.backblazeb2.com);
   *   'standard' — the AWS tools' standard AWS_REGION, then AWS_DEFAULT_REGION;
   *   'default'  — `region` above.
   * R2 has one signing region, `auto`: a leftover AWS_REGION (meant for AWS) must not override it.
   */
  regionFrom: ReadonlyArray<'endpoint' | 'standard' | 'default'>;
  forcePathStyle: boolean;
  /** The endpoint built from the inputs: `{accountId}` and `{region}` are replaced. */
  endpointTemplate?: string;
  /** An endpoint whose host matches this belongs to the provider; group 1, if any, is the region. */
  hostPattern?: RegExp;
}

export const DEFAULT_BUCKET = 'bilancio-experiments';

export const S3_PRESETS: Readonly<Record<S3PresetName, S3Preset>> = {
  r2: {
    label: 'Cloudflare R2',
    needs: ['accountId'],
    region: 'auto',
    regionFrom: ['default'],
    // Path style keeps one TLS host name (<account>.r2.cloudflarestorage.com) for every bucket.
    forcePathStyle: true,
    endpointTemplate: 'https://{accountId}.r2.cloudflarestorage.com',
    hostPattern: /\.r2\.cloudflarestorage\.com$/,
  },
  b2: {
    label: 'Backblaze B2',
    needs: ['region'],
    regionFrom: ['endpoint', 'standard'],
    forcePathStyle: false,
    endpointTemplate: 'https://s3.{region}.backblazeb2.com',
    hostPattern: /^s3[.-]([a-z0-9-]+)\.backblazeb2\.com$|\.backblazeb2\.com$/,
  },
  aws: {
    label: 'AWS S3',
    needs: ['region'],
    region: 'us-east-1',
    regionFrom: ['endpoint', 'standard', 'default'],
    forcePathStyle: false,
    hostPattern: /^s3[.-]([a-z0-9-]+)\.amazonaws\.com$|\.amazonaws\.com$/,
  },
  // MinIO, Ceph RGW and most others have a configured region of their own (MinIO's MINIO_REGION,
  // Ceph's zonegroup), us-east-1 unless the admin changed it.
  minio: {
    label: 'MinIO',
    needs: ['endpoint'],
    region: 'us-east-1',
    regionFrom: ['standard', 'default'],
    forcePathStyle: true,
  },
  custom: {
    label: 'Other S3-compatible',
    needs: ['endpoint'],
    region: 'us-east-1',
    regionFrom: ['standard', 'default'],
    forcePathStyle: true,
  },
};

/**
 * The region a preset signs with when our own settings don't name one: the preset's `regionFrom` rule,
 * applied to the endpoint and to the standard AWS variable that is set (`standard`: its name and value;
 * loadConfig reads them as the settings registry lists them). Undefined when the rule finds nothing (B2
 * without an endpoint naming it): resolveS3Config then asks for it.
 */
export function presetRegion(
  preset: S3PresetName,
  endpoint: string | undefined,
  standard?: { variable: string; value: string },
): { region: string; from: string } | undefined {
  const p = S3_PRESETS[preset];
  if (!p) return undefined;
  for (const source of p.regionFrom) {
    if (source === 'endpoint') {
      const region = recognizeEndpoint(endpoint).region;
      if (region) return { region, from: 'endpoint' };
    } else if (source === 'standard') {
      if (standard?.value) return { region: standard.value, from: standard.variable };
    } else if (p.region) {
      return { region: p.region, from: 'default' };
    }
  }
  return undefined;
}

/** The endpoint a preset builds from the inputs, or undefined if an input it needs is missing. */
function endpointFor(preset: S3Preset, input: { accountId?: string; region?: string }): string | undefined {
  if (!preset.endpointTemplate) return undefined;
  let missing = false;
  const url = preset.endpointTemplate.replace(/\{(accountId|region)\}/g, (_, k: 'accountId' | 'region') => {
    const v = input[k];
    if (!v) missing = true;
    return v ?? '';
  });
  return missing ? undefined : url;
}

/** Which preset an endpoint belongs to (no endpoint: AWS, whose SDK derives it), and its region if it says. */
export function recognizeEndpoint(endpoint: string | undefined): { preset: S3PresetName; region?: string } {
  if (!endpoint) return { preset: 'aws' };
  let host = '';
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return { preset: 'custom' };
  }
  for (const [name, p] of Object.entries(S3_PRESETS) as Array<[S3PresetName, S3Preset]>) {
    const m = p.hostPattern?.exec(host);
    if (m) return m[1] ? { preset: name, region: m[1] } : { preset: name };
  }
  return { preset: 'custom' };
}

/** Merge a preset with what the user entered; throws SyncError('configuration') naming what's missing. */
export function resolveS3Config(preset: S3PresetName, partial: S3PresetInput): S3StoreConfig {
  const p = S3_PRESETS[preset];
  if (!p)
    throw new SyncError(
      'configuration',
      `Unknown storage preset "${preset}".`,
      settingHint(`Use one of: ${Object.keys(S3_PRESETS).join(', ')}.`, 'objectStore.preset'),
    );
  const { accountId: _accountId, ...rest } = partial;
  const region = partial.region ?? p.region;
  const endpoint = partial.endpoint ?? endpointFor(p, { ...partial, region });
  if (!partial.accessKeyId || !partial.secretAccessKey) {
    throw new SyncError(
      'configuration',
      `${p.label} needs an access key id and a secret access key.`,
      settingHint(
        'Enter the access key id and the secret access key of the bucket.',
        'objectStore.accessKeyId',
        'objectStore.secretAccessKey',
      ),
    );
  }
  if (!region)
    throw new SyncError(
      'configuration',
      `${p.label} needs a region (for example us-west-004).`,
      settingHint('Enter the region of the bucket.', 'objectStore.region'),
    );
  if (p.needs.includes('endpoint') || p.needs.includes('accountId')) {
    if (!endpoint) {
      throw new SyncError(
        'configuration',
        p.needs.includes('accountId')
          ? `${p.label} needs the account id or the endpoint URL.`
          : `${p.label} needs an endpoint URL.`,
        settingHint(
          'Enter the endpoint URL of the bucket (Cloudflare R2: https://<account>.r2.cloudflarestorage.com).',
          'objectStore.endpoint',
        ),
      );
    }
  }
  if (endpoint !== undefined) checkEndpoint(endpoint);
  const config: S3StoreConfig = {
    ...rest,
    region,
    bucket: partial.bucket ?? DEFAULT_BUCKET,
    forcePathStyle: partial.forcePathStyle ?? p.forcePathStyle,
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  return config;
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SyncError(
      'configuration',
      `The storage endpoint "${endpoint}" is not a URL.`,
      settingHint('Enter the endpoint as https://host[:port].', 'objectStore.endpoint'),
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SyncError(
      'configuration',
      `The storage endpoint must start with https:// (got ${url.protocol}).`,
      settingHint('Enter the endpoint as https://host[:port].', 'objectStore.endpoint'),
    );
  }
  if (url.username || url.password) {
    // Never echo the URL here: it holds credentials.
    throw new SyncError(
      'configuration',
      'The storage endpoint URL must not contain a user name or password.',
      settingHint(
        'Remove the user name and password from the endpoint; enter the key pair separately.',
        'objectStore.endpoint',
      ),
    );
  }
}
