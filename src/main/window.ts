/**
 * The window and its security. The renderer is served from a custom protocol, `app://bilancio/`
 * (registered privileged as standard + secure, so it is a real origin with fetch and a CSP of its own),
 * from out/renderer only: a path that resolves outside it (../, encoded or not, a symlink out) is 403,
 * a missing file 404, and every response carries a strict Content-Security-Policy. Rather than file://,
 * whose pages all share one origin with every other local file.
 *
 * The window: context isolation, sandbox, no node integration, no webviews, every permission request
 * denied; `will-navigate` denied and `window.open` denied (an https link is handed to the system browser,
 * nothing else is opened at all). Electron's classes are injected (tested in Node with stand-ins).
 *
 * Closing the window: with a tray it only hides (syncing goes on); without one it quits the app.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'bilancio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX = `${APP_ORIGIN}/index.html`;

/** The page's policy: its own scripts and styles only (inline styles: React's style props and Plot's). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
  };
}

/** The file an app:// URL names inside `rendererDir`, or why not. */
export async function resolveAppFile(
  rendererDir: string,
  url: string,
): Promise<{ file: string } | { status: 400 | 403 | 404 }> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 400 };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { status: 403 };
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return { status: 400 };
  }
  if (path.includes('\0') || path.includes('\\')) return { status: 403 };
  if (path === '/' || path === '') path = '/index.html';
  const root = resolve(rendererDir);
  const file = resolve(root, `.${path}`);
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { status: 403 };
  try {
    // A symlink inside the folder must not lead out of it either.
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (realFile !== realRoot && !realFile.startsWith(realRoot + sep)) return { status: 403 };
    if (!(await stat(realFile)).isFile()) return { status: 404 };
    return { file: realFile };
  } catch {
    return { status: 404 };
  }
}

/** The protocol handler's answer for one request (GET/HEAD only). */
export async function appResponse(
  rendererDir: string,
  request: { url: string; method?: string },
): Promise<Response> {
  const method = (request.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    return new Response(null, { status: 405, headers: { ...securityHeaders(), Allow: 'GET, HEAD' } });
  }
  const found = await resolveAppFile(rendererDir, request.url);
  if ('status' in found) {
    return new Response(null, { status: found.status, headers: securityHeaders() });
  }
  const body = method === 'HEAD' ? null : await readFile(found.file);
  return new Response(body, {
    status: 200,
    headers: {
      ...securityHeaders(),
      'Content-Type': TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    },
  });
}

export interface ProtocolLike {
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>): void;
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

/** Before `ready`: app:// as a standard, secure origin (fetch works, no mixed-content trouble). */
export function registerAppScheme(protocol: ProtocolLike): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
}

/** After `ready`: serve out/renderer on app://bilancio/. */
export function serveRenderer(protocol: ProtocolLike, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(rendererDir, request));
}

/** Our pages: app://bilancio/…, or the electron-vite dev server in development. */
export function isOwnUrl(url: string, devServerUrl?: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
    if (devServerUrl) return u.origin === new URL(devServerUrl).origin;
  } catch {
    // not a URL
  }
  return false;
}

/** A route the app may be opened at ('#/activity', '#/sweeps/plan024_sweep'); anything else → '#/'. */
export function safeRoute(route: string | undefined | null): string {
  if (!route) return '#/';
  const r = route.startsWith('#') ? route : `#${route.startsWith('/') ? '' : '/'}${route}`;
  return /^#\/[A-Za-z0-9_\-./%~]*$/.test(r) && !r.includes('..') ? r : '#/';
}

// ---- the window -----------------------------------------------------------------------------------------

export interface WebContentsForWindow {
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  executeJavaScript(code: string): Promise<unknown>;
  session: {
    setPermissionRequestHandler(
      handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | null,
    ): void;
    setPermissionCheckHandler?(handler: ((...args: unknown[]) => boolean) | null): void;
  };
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsForWindow;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  hide(): void;
  restore?(): void;
  isMinimized?(): boolean;
  isDestroyed(): boolean;
  destroy(): void;
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'closed' | 'ready-to-show', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

export type BrowserWindowConstructor = new (options: Record<string, unknown>) => BrowserWindowLike;

export interface WindowDeps {
  BrowserWindow: BrowserWindowConstructor;
  shell: { openExternal(url: string): Promise<void> };
  preload: string;
  /** The electron-vite dev server (ELECTRON_RENDERER_URL), in development only. */
  devServerUrl?: string;
  /** Whether closing the window should only hide it (a tray is there to reopen it). */
  keepRunningWhenClosed(): boolean;
  /** Closing the window quits the app (no tray). */
  onClosedForGood(): void;
  /** A new window's webContents (the IPC attaches to it). */
  onCreated?(win: BrowserWindowLike): void;
  icon?: string;
}

export interface WindowManager {
  /** Shows the window (creating it the first time), at `route` if given. */
  open(route?: string): void;
  readonly window: BrowserWindowLike | null;
  /** Lets the next close really close (Quit). */
  allowClose(): void;
}

export function createWindowManager(deps: WindowDeps): WindowManager {
  let win: BrowserWindowLike | null = null;
  let quitting = false;
  const base = deps.devServerUrl || APP_INDEX;

  const create = (route: string): BrowserWindowLike => {
    const w = new deps.BrowserWindow({
      width: 1100,
      height: 760,
      minWidth: 720,
      minHeight: 480,
      show: false,
      title: 'Bilancio Sync',
      ...(deps.icon ? { icon: deps.icon } : {}),
      webPreferences: {
        preload: deps.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    const wc = w.webContents;
    const openOutside = (url: string) => {
      // Only https pages, in the system browser; never file:, never our own scheme, never anything else.
      if (/^https:\/\//i.test(url)) void deps.shell.openExternal(url).catch(() => undefined);
    };
    wc.on('will-navigate', (event, url) => {
      event.preventDefault();
      if (!isOwnUrl(url, deps.devServerUrl)) openOutside(url);
    });
    wc.setWindowOpenHandler(({ url }) => {
      openOutside(url);
      return { action: 'deny' };
    });
    wc.on('will-attach-webview', (event) => event.preventDefault());
    wc.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    wc.session.setPermissionCheckHandler?.(() => false);
    w.on('close', (event) => {
      if (!quitting && deps.keepRunningWhenClosed()) {
        event.preventDefault();
        w.hide();
      }
    });
    w.on('closed', () => {
      if (win === w) win = null;
      if (!quitting && !deps.keepRunningWhenClosed()) deps.onClosedForGood();
    });
    w.once('ready-to-show', () => w.show());
    deps.onCreated?.(w);
    void w.loadURL(`${base}${route}`);
    return w;
  };

  return {
    open(route) {
      const r = safeRoute(route);
      if (!win || win.isDestroyed()) {
        win = create(r);
        return;
      }
      if (route)
        void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(r)}`).catch(() => undefined);
      if (win.isMinimized?.()) win.restore?.();
      win.show();
      win.focus();
    },
    get window() {
      return win && !win.isDestroyed() ? win : null;
    },
    allowClose() {
      quitting = true;
    },
  };
}

/** Where the built renderer is, next to the main bundle (out/main → out/renderer). */
export function rendererDirFrom(mainDir: string): string {
  return join(mainDir, '..', 'renderer');
}
