/**
 * The window's security with BrowserWindow as a stand-in, and the app:// protocol against real files:
 * out/renderer-like folder served with a strict CSP, traversal (plain, encoded, through a symlink) refused,
 * other hosts refused; the window's webPreferences; navigation and window.open denied (https handed to the
 * system browser, nothing else); close hides with a tray and quits without one; routes are sanitised.
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_INDEX,
  appResponse,
  CONTENT_SECURITY_POLICY,
  createWindowManager,
  isOwnUrl,
  registerAppScheme,
  safeRoute,
} from '../../src/main/window.js';

class FakeWebContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  scripts: string[] = [];
  permission: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | null = null;
  session = {
    setPermissionRequestHandler: (h: typeof this.permission) => {
      this.permission = h;
    },
    setPermissionCheckHandler: () => {},
  };
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }) {
    this.openHandler = h;
  }
  async executeJavaScript(code: string) {
    this.scripts.push(code);
  }
}

class FakeWindow extends EventEmitter {
  static created: FakeWindow[] = [];
  webContents = new FakeWebContents();
  loaded: string[] = [];
  visible = false;
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeWindow.created.push(this);
  }
  async loadURL(url: string) {
    this.loaded.push(url);
    this.emit('ready-to-show');
  }
  show() {
    this.visible = true;
  }
  focus() {}
  hide() {
    this.visible = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
  /** What Electron does on a close request. */
  tryClose() {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) {
      this.destroyed = true;
      this.emit('closed');
    }
    return !prevented;
  }
}

describe('app:// protocol', () => {
  let dir: string;
  let renderer: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsync-proto-'));
    renderer = join(dir, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'not for the page');
    await symlink(join(dir, 'secret.txt'), join(renderer, 'assets', 'link.txt'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('registers app as a privileged, secure, standard scheme', () => {
    const calls: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (s) => calls.push(s), handle: () => {} });
    expect(calls).toEqual([
      [
        {
          scheme: 'app',
          privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }),
        },
      ],
    ]);
  });

  it('serves the renderer with a strict CSP', async () => {
    const r = await appResponse(renderer, { url: 'app://bilancio/' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(await r.text()).toContain('<title>x</title>');
    const js = await appResponse(renderer, { url: 'app://bilancio/assets/app.js?v=1#x' });
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses traversal, symlinks out, other hosts, and methods other than GET/HEAD', async () => {
    for (const url of [
      'app://bilancio/../secret.txt',
      'app://bilancio/%2e%2e/secret.txt',
      'app://bilancio/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://bilancio/assets/..%5c..%5csecret.txt',
      'app://bilancio/assets/link.txt',
      'app://elsewhere/index.html',
      'file:///etc/passwd',
    ]) {
      const r = await appResponse(renderer, { url });
      // (The URL parser already folds a literal /../ into the root: that one is a plain 404.)
      expect([400, 403, 404], url).toContain(r.status);
      expect(await r.text()).not.toContain('not for the page');
    }
    expect((await appResponse(renderer, { url: 'app://bilancio/assets/link.txt' })).status).toBe(403);
    expect((await appResponse(renderer, { url: 'app://bilancio/nope.js' })).status).toBe(404);
    expect((await appResponse(renderer, { url: 'app://bilancio/assets' })).status).toBe(404);
    expect((await appResponse(renderer, { url: 'app://bilancio/', method: 'POST' })).status).toBe(405);
  });

  it('knows its own pages', () => {
    expect(isOwnUrl('app://bilancio/index.html#/activity')).toBe(true);
    expect(isOwnUrl('app://evil/index.html')).toBe(false);
    expect(isOwnUrl('file:///x/index.html')).toBe(false);
    expect(isOwnUrl('http://localhost:5173/#/', 'http://localhost:5173')).toBe(true);
    expect(isOwnUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(safeRoute('#/sweeps/plan024_sweep')).toBe('#/sweeps/plan024_sweep');
    expect(safeRoute('/activity')).toBe('#/activity');
    expect(safeRoute("#/x');alert(1)//")).toBe('#/');
    expect(safeRoute('#/../..')).toBe('#/');
  });
});

describe('the window', () => {
  const make = (hasTray: boolean) => {
    FakeWindow.created = [];
    const opened: string[] = [];
    let quit = 0;
    const m = createWindowManager({
      BrowserWindow: FakeWindow as never,
      shell: { openExternal: async (u) => void opened.push(u) },
      preload: '/app/out/preload/index.cjs',
      keepRunningWhenClosed: () => hasTray,
      onClosedForGood: () => quit++,
    });
    return { m, opened, quits: () => quit };
  };

  it('is sandboxed, isolated, without node, and loads app://bilancio at the route', () => {
    const { m } = make(true);
    m.open('#/activity');
    const w = FakeWindow.created[0]!;
    expect(w.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/app/out/preload/index.cjs',
    });
    expect(w.loaded).toEqual([`${APP_INDEX}#/activity`]);
    expect(w.visible).toBe(true);
    // Opening again shows the same window at the new route, without reloading.
    m.open('#/sweeps/plan024_sweep');
    expect(FakeWindow.created).toHaveLength(1);
    expect(w.webContents.scripts).toEqual(['location.hash = "#/sweeps/plan024_sweep"']);
  });

  it('denies navigation and window.open; https goes to the system browser, nothing else', () => {
    const { m, opened } = make(true);
    m.open();
    const wc = FakeWindow.created[0]!.webContents;
    const nav = (url: string) => {
      let prevented = false;
      wc.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('https://example.org/docs')).toBe(true);
    expect(nav('app://bilancio/index.html')).toBe(true);
    expect(nav('file:///etc/passwd')).toBe(true);
    expect(wc.openHandler!({ url: 'https://supabase.com/dashboard' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'http://insecure.example/' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.org/docs', 'https://supabase.com/dashboard']);
    let granted: boolean | null = null;
    wc.permission!(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    let webview = false;
    wc.emit('will-attach-webview', { preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
  });

  it('closing hides it when there is a tray; without one it quits; Quit really closes', () => {
    const withTray = make(true);
    withTray.m.open();
    const w = FakeWindow.created[0]!;
    expect(w.tryClose()).toBe(false);
    expect(w.visible).toBe(false);
    expect(withTray.quits()).toBe(0);
    withTray.m.allowClose();
    expect(w.tryClose()).toBe(true);
    expect(withTray.quits()).toBe(0);

    const noTray = make(false);
    noTray.m.open();
    expect(FakeWindow.created[0]!.tryClose()).toBe(true);
    expect(noTray.quits()).toBe(1);
    expect(noTray.m.window).toBeNull();
  });
});
