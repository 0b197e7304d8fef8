/**
 * Class 6 of issue 11: S3 regions. The region comes from our own settings first, then the preset's rule
 * (as data): the endpoint's host, the standard AWS_REGION / AWS_DEFAULT_REGION, the preset's default — and
 * R2 always signs with `auto`. A server that refuses the signing region is reported as a region problem
 * (naming the region it expects when it says so), never as a wrong key. The errors come from a real HTTP
 * proxy in front of s3rver that answers them as AWS, MinIO and R2 do.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderHint } from '../../src/cli/hints.js';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import { SyncError } from '../../src/core/model/errors.js';
import { storeFor } from '../stores-s3/helpers.js';
import { type FlakyProxy, startFlakyProxy } from '../support/flakyProxy.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

describe('which region a store signs with', () => {
  let home: string;
  let cwd: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'bsync-region-home-'));
    cwd = await mkdtemp(join(tmpdir(), 'bsync-region-cwd-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
  });
  const keys = { R2_ACCESS_KEY_ID: 'id', R2_SECRET_ACCESS_KEY: 'secret' };
  const region = (env: Record<string, string>) => {
    const c = loadConfig({ env: { BILANCIO_SYNC_HOME: home, ...keys, ...env }, cwd });
    if (c.objectStore.kind !== 's3') throw new Error('not s3');
    return c.objectStore.region;
  };

  it('honours AWS_REGION for a MinIO / Ceph endpoint', () => {
    expect(region({ R2_ENDPOINT_URL: 'http://ceph.lab.example:7480', AWS_REGION: 'eu-lab-1' })).toBe(
      'eu-lab-1',
    );
  });

  it('falls back to AWS_DEFAULT_REGION, AWS_REGION winning over it', () => {
    expect(region({ R2_ENDPOINT_URL: 'http://minio:9000', AWS_DEFAULT_REGION: 'ap-south-2' })).toBe(
      'ap-south-2',
    );
    expect(
      region({ R2_ENDPOINT_URL: 'http://minio:9000', AWS_REGION: 'a-1', AWS_DEFAULT_REGION: 'b-2' }),
    ).toBe('a-1');
  });

  it('lets BILANCIO_S3_REGION and the config file region win over the standard variables', async () => {
    expect(
      region({ R2_ENDPOINT_URL: 'http://minio:9000', AWS_REGION: 'eu-west-1', BILANCIO_S3_REGION: 'lab' }),
    ).toBe('lab');
    const file = join(cwd, 'config.json');
    await writeFile(
      file,
      JSON.stringify({ objectStore: { kind: 's3', endpoint: 'http://minio:9000', region: 'from-file' } }),
    );
    expect(region({ BILANCIO_SYNC_CONFIG: file, AWS_REGION: 'eu-west-1' })).toBe('from-file');
  });

  it('keeps R2 on auto although AWS_REGION is set for AWS work', () => {
    expect(region({ R2_ENDPOINT_URL: 'https://acc.r2.cloudflarestorage.com', AWS_REGION: 'eu-west-1' })).toBe(
      'auto',
    );
  });

  it("takes a B2 / AWS endpoint's own region over AWS_REGION, and AWS_REGION for AWS without one", () => {
    expect(
      region({ R2_ENDPOINT_URL: 'https://s3.eu-central-003.backblazeb2.com', AWS_REGION: 'us-east-1' }),
    ).toBe('eu-central-003');
    expect(region({ BILANCIO_S3_PRESET: 'aws', AWS_REGION: 'sa-east-1' })).toBe('sa-east-1');
    expect(region({ BILANCIO_S3_PRESET: 'aws' })).toBe('us-east-1');
  });

  it('still guesses us-east-1 for a custom endpoint with nothing set', () => {
    expect(region({ R2_ENDPOINT_URL: 'http://minio:9000' })).toBe('us-east-1');
  });
});

/** A real HTTP proxy in front of s3rver that answers the next matching requests itself. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  match?: (req: http.IncomingMessage) => boolean;
}
async function startAnsweringProxy(target: string) {
  const upstream = new URL(target);
  const answers: Answer[] = [];
  const server = http.createServer((req, res) => {
    const i = answers.findIndex((a) => a.match?.(req) ?? true);
    if (i >= 0) {
      const [a] = answers.splice(i, 1);
      req.resume();
      req.on('end', () => {
        const body = req.method === 'HEAD' ? '' : (a?.body ?? '');
        res.writeHead(a?.status ?? 500, {
          'Content-Type': 'application/xml',
          ...(req.method === 'HEAD' ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
          ...a?.headers,
        });
        res.end(body);
      });
      return;
    }
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: (a: Answer) => answers.push(a),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const xml = (code: string, message: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>r1</RequestId></Error>`;

async function failure(p: Promise<unknown>): Promise<SyncError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SyncError);
  return e as SyncError;
}

function expectRegionError(e: SyncError, expected?: string) {
  expect(e.category).toBe('configuration');
  expect(e.message).toMatch(/region/i);
  expect(e.message).not.toMatch(/refused the access key/);
  if (expected) expect(e.message).toContain(`"${expected}"`);
  const hint = renderHint(e.toAppError().hint) ?? '';
  expect(hint).toContain('BILANCIO_S3_REGION');
  expect(hint).not.toMatch(/secret access key/);
  if (expected) expect(hint).toContain(`Set the region to ${expected}.`);
}

describe('a server that refuses the signing region', () => {
  let s3: TestS3;
  let proxy: Awaited<ReturnType<typeof startAnsweringProxy>>;
  let flaky: FlakyProxy;
  beforeAll(async () => {
    s3 = await startTestS3();
    proxy = await startAnsweringProxy(s3.endpoint);
    flaky = await startFlakyProxy(s3.endpoint);
  });
  afterAll(async () => {
    await flaky?.close();
    await proxy?.close();
    await s3?.stop();
  });
  const store = (endpoint: string, region = 'us-east-1') =>
    storeFor(s3, { endpoint, region, retries: 0, uploadRetries: 0 });

  it('AWS: AuthorizationHeaderMalformed naming the expected region', async () => {
    proxy.answer({
      status: 400,
      body: xml(
        'AuthorizationHeaderMalformed',
        "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'",
        '<Region>eu-central-1</Region>',
      ),
    });
    const e = await failure(store(proxy.endpoint).put('r/a.txt', Buffer.from('a')));
    expectRegionError(e, 'eu-central-1');
    expect(e.message).toContain('"us-east-1"');
  });

  it("MinIO: 'the region is wrong; expecting' (no region in the sentence)", async () => {
    proxy.answer({
      status: 400,
      body: xml(
        'AuthorizationHeaderMalformed',
        "The authorization header is malformed; the region is wrong; expecting 'lab-west-2'.",
      ),
    });
    const e = await failure(store(proxy.endpoint, 'us-east-1').put('r/b.txt', Buffer.from('b')));
    expectRegionError(e, 'lab-west-2');
    expect(e.message).toContain('"us-east-1"');
  });

  it('a 301 PermanentRedirect with x-amz-bucket-region, on a GET and on a HEAD (no body)', async () => {
    proxy.answer({
      status: 301,
      headers: { 'x-amz-bucket-region': 'ap-northeast-1' },
      body: xml(
        'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint.',
      ),
      match: (r) => r.method === 'GET',
    });
    expectRegionError(await failure(store(proxy.endpoint).get('r/c.txt')), 'ap-northeast-1');
    proxy.answer({
      status: 301,
      headers: { 'x-amz-bucket-region': 'ca-central-1' },
      match: (r) => r.method === 'HEAD',
    });
    expectRegionError(await failure(store(proxy.endpoint).head('r/c.txt')), 'ca-central-1');
  });

  it("R2: InvalidRegionName (a region that isn't auto)", async () => {
    proxy.answer({
      status: 400,
      body: xml(
        'InvalidRegionName',
        "The region name 'eu-west-1' is not valid. Must be one of: wnam, enam, weur, eeur, apac, auto",
      ),
    });
    const e = await failure(store(proxy.endpoint, 'eu-west-1').put('r/d.txt', Buffer.from('d')));
    expectRegionError(e);
    expect(e.message).toContain('"eu-west-1"');
  });

  it('a bare AuthorizationHeaderMalformed from the flaky proxy is a region problem too', async () => {
    flaky.respond({ status: 400, code: 'AuthorizationHeaderMalformed', times: 1 });
    const e = await failure(store(flaky.endpoint).put('r/e.txt', Buffer.from('e')));
    expectRegionError(e);
    flaky.clearRules();
  });

  it('still blames the key for a mangled credential or a wrong secret', async () => {
    proxy.answer({
      status: 400,
      body: xml(
        'AuthorizationHeaderMalformed',
        'The authorization header is malformed; the Credential is mal-formed; expecting "&lt;YOUR-AKID&gt;/YYYYMMDD/REGION/SERVICE/aws4_request".',
      ),
    });
    const a = await failure(store(proxy.endpoint).put('r/f.txt', Buffer.from('f')));
    expect(a.message).toMatch(/refused the access key/);
    proxy.answer({
      status: 403,
      body: xml('SignatureDoesNotMatch', 'The request signature we calculated does not match.'),
    });
    const b = await failure(store(proxy.endpoint).put('r/g.txt', Buffer.from('g')));
    expect(b.message).toMatch(/refused the access key/);
    expect(renderHint(b.toAppError().hint)).toMatch(/secret access key/);
  });

  it('works through the proxy when nothing is injected (a sanity check of the proxy)', async () => {
    const s = store(proxy.endpoint);
    await s.put('r/ok.txt', Buffer.from('ok'));
    expect((await s.head('r/ok.txt'))?.size).toBe(2);
  });
});
