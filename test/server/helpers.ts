/**
 * What the browser-mode tests share: a real application service on a temp home (embedded default,
 * settle 0, secrets in the 0600 file, never a keychain) behind the real server on a real loopback port,
 * with a minimal renderer folder of its own (index.html + one asset) so the tests don't depend on — or
 * race — `npm run build`; requests through Node's fetch; and a small server-sent-events reader.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppService } from '../../src/core/service/AppService.js';
import { type BrowserMode, startBrowserMode } from '../../src/server/startBrowserMode.js';

export const INDEX_HTML =
  '<!doctype html><html><head><script type="module" src="./assets/app.js"></script></head><body><div id="root"></div></body></html>';
export const APP_JS = 'document.getElementById("root").textContent = "test page";';

export interface TestServer {
  work: string;
  home: string;
  env: Record<string, string>;
  service: AppService;
  mode: BrowserMode;
  /** http://127.0.0.1:PORT */
  base: string;
  /** `Cookie` header value of a signed-in browser. */
  cookie: string;
  /** Headers of a signed-in page: the cookie and our own Origin. */
  page: Record<string, string>;
  dispose(): Promise<void>;
}

export async function makeRendererDir(parent: string): Promise<string> {
  const dir = join(parent, 'renderer');
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), INDEX_HTML);
  await writeFile(join(dir, 'assets', 'app.js'), APP_JS);
  return dir;
}

export async function startTestServer(
  options: { rendererDir?: string | null; env?: Record<string, string>; heartbeatMs?: number } = {},
): Promise<TestServer> {
  const work = await mkdtemp(join(tmpdir(), 'bsync-server-'));
  const home = join(work, 'home');
  const env = {
    BILANCIO_SYNC_HOME: home,
    BILANCIO_SYNC_SETTLE_SECONDS: '0',
    BILANCIO_SYNC_SECRETS: 'file',
    ...options.env,
  };
  const service = new AppService({ env, cwd: work });
  const rendererDir =
    options.rendererDir === null
      ? join(work, 'not-built')
      : (options.rendererDir ?? (await makeRendererDir(work)));
  const mode = await startBrowserMode({ service, port: 0, rendererDir, heartbeatMs: options.heartbeatMs });
  const base = mode.origin;
  const cookie = `bilancio-sync-${mode.port}=${mode.token}`;
  const server: TestServer = {
    work,
    home,
    env,
    service,
    mode,
    base,
    cookie,
    page: { cookie, origin: base },
    async dispose() {
      await server.mode.close();
      await service.close();
      await rm(work, { recursive: true, force: true });
    },
  };
  return server;
}

/** A request as a browser or script would make it; redirects are not followed. */
export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; json?: unknown } = {},
): Promise<Response> {
  const headers = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  return fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
}

/**
 * A request with full control of the headers — Node's fetch always sends its own `Host`, so the DNS
 * rebinding tests go through node:http.
 */
export function rawRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(base);
  return new Promise((done, fail) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path, // as it is: no URL normalisation

        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

/** POST a command as the signed-in page does; answers the parsed JSON body and the status. */
export async function command(
  server: TestServer,
  name: string,
  body: unknown = {},
): Promise<{ status: number; json: { ok: boolean; value?: unknown; error?: Record<string, unknown> } }> {
  const res = await request(`${server.base}/api/commands/${name}`, {
    method: 'POST',
    headers: server.page,
    json: body,
  });
  return { status: res.status, json: (await res.json()) as never };
}

export interface SseMessage {
  event: string;
  id: string | null;
  data: string;
}

/** Reads a server-sent-events response message by message (comments kept apart). */
export class SseReader {
  readonly messages: SseMessage[] = [];
  comments = 0;
  /** All the text received, for "never contains" checks. */
  raw = '';
  private buffer = '';
  private waiters: Array<() => void> = [];
  private done = false;

  constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    void this.pump();
  }

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal, redirect: 'manual' });
    return new SseReader(response, controller);
  }

  /** The data messages (default event type), parsed. */
  get envelopes(): Array<{ seq: number; event: { type: string } }> {
    return this.messages.filter((m) => m.event === 'message').map((m) => JSON.parse(m.data));
  }

  /** Waits until `predicate` holds over what arrived (or fails after `ms`). */
  async until(predicate: (r: SseReader) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      if (this.done) throw new Error(`stream ended before the condition held; got ${this.raw}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${this.raw}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  close(): void {
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.raw += text;
        this.buffer += text;
        let end = this.buffer.indexOf('\n\n');
        while (end >= 0) {
          this.parse(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
          end = this.buffer.indexOf('\n\n');
        }
        this.wake();
      }
    } catch {
      // aborted
    }
    this.done = true;
    this.wake();
  }

  private parse(block: string): void {
    const m: SseMessage = { event: 'message', id: null, data: '' };
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments += 1;
        continue;
      }
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      fields += 1;
      if (field === 'event') m.event = value;
      else if (field === 'id') m.id = value;
      else if (field === 'data') m.data = m.data ? `${m.data}\n${value}` : value;
      else fields -= 1; // retry:
    }
    if (fields > 0) this.messages.push(m);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export const CLI = resolve('bin/bilancio-sync.js');

export interface UiProcess {
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Runs the real `bilancio-sync ui` in a child process until it prints its URL. */
export function startUi(args: string[], env: Record<string, string>, cwd: string): Promise<UiProcess> {
  const child = spawn(process.execPath, [CLI, 'ui', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd,
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`ui printed no URL in time; stdout: ${stdout}; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^Bilancio Sync is running at (\S+)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        done({
          url: m[1]!,
          stdout: () => stdout,
          stderr: () => stderr,
          async stop() {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`ui exited (${code}) before printing a URL; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
}
