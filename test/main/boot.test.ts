/**
 * The boot test: the built main bundle (out/main/index.js) started under plain Node with a stand-in
 * `electron` module (test/main/support/fake-electron) comes up as it would in Electron: the single-instance
 * lock taken, app:// registered and serving out/renderer with the CSP, the service started in its own
 * process (the built out/main/serviceProcess.js, a real child) and answering the window's first IPC call,
 * a foreign frame refused, the tray created, a second launch showing the window at the route it asked for,
 * and Quit closing the service cleanly (it exits 0) before the app exits 0.
 * Builds the app first if out/ has no build.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const main = join(root, 'out', 'main', 'index.js');
type Boot = { what: string; [k: string]: unknown };

describe('boot: the built main bundle under Node with a fake electron', () => {
  let home: string;
  let child: ChildProcess;
  const lines: Boot[] = [];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) => {
    beforeAll(async () => {
      if (
        !existsSync(main) ||
        !existsSync(join(root, 'out', 'main', 'serviceProcess.js')) ||
        !existsSync(join(root, 'out', 'renderer', 'index.html'))
      ) {
        execFileSync(
          process.execPath,
          [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
          { cwd: root, stdio: 'inherit' },
        );
      }
      home = await mkdtemp(join(tmpdir(), 'bsync-boot-'));
      child = spawn(
        process.execPath,
        [
          '--import',
          pathToFileURL(join(__dirname, 'support/fake-electron/register.mjs')).href,
          main,
          '--hidden',
        ],
        {
          cwd: root,
          env: {
            ...process.env,
            BILANCIO_SYNC_HOME: home,
            BILANCIO_SYNC_SETTLE_SECONDS: '0',
            ELECTRON_RENDERER_URL: '',
          },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let buf = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let i = buf.indexOf('\n');
        while (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.startsWith('BOOT ')) lines.push(JSON.parse(line.slice(5)) as Boot);
          i = buf.indexOf('\n');
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => process.stderr.write(d));
      child.on('exit', (code) => {
        exitCode = code;
        r(code);
      });
    });
  });

  afterAll(async () => {
    if (exitCode === undefined) child?.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  const waitFor = async (
    what: string,
    pred: (b: Boot) => boolean = () => true,
    ms = 30_000,
  ): Promise<Boot> => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = lines.find((b) => b.what === what && pred(b));
      if (hit) return hit;
      if (exitCode !== undefined)
        throw new Error(`the app exited (${exitCode}) before ${what}: ${JSON.stringify(lines)}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('takes the single-instance lock and registers app:// before ready', async () => {
    const lock = await waitFor('single-instance-lock');
    expect(lock.data).toEqual({ route: null, hidden: true });
    const schemes = await waitFor('schemes');
    expect(schemes.list).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    // The handler is registered once the app is ready, which can come after this point: wait for it,
    // then check the order (comparing with an index of -1 failed whenever the app was slower than the test).
    await waitFor('protocol-handle');
    expect(lines.findIndex((b) => b.what === 'schemes')).toBeLessThan(
      lines.findIndex((b) => b.what === 'protocol-handle'),
    );
  });

  it('starts the service in its own process from the built entry', async () => {
    const forked = await waitFor('utility-fork');
    expect(forked.modulePath).toBe(join(root, 'out', 'main', 'serviceProcess.js'));
    await waitFor('port-handoff', (b) => b.type === 'bilancio-sync:service-port');
    const spawned = await waitFor('service-spawned');
    expect(spawned.pid).not.toBe(spawned.mainPid);
  });

  it('creates the tray; started --hidden with a tray, no window until asked', async () => {
    await waitFor('tray-created');
    await new Promise((r) => setTimeout(r, 300));
    expect(lines.some((b) => b.what === 'window-created')).toBe(false);
  });

  it('a second launch opens the window at its route, loaded through app:// and talking to the service', async () => {
    child.stdin!.write('second-instance #/activity\n');
    const created = await waitFor('window-created');
    expect(created.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    const load = await waitFor('window-load');
    expect(load).toMatchObject({ url: 'app://bilancio/index.html#/activity', status: 200, hasRoot: true });
    expect(load.csp).toContain("default-src 'none'");
    const invoked = await waitFor('renderer-invoke');
    expect(invoked.result).toMatchObject({ ok: true, value: { name: 'Bilancio Sync' } });
    const foreign = await waitFor('renderer-foreign');
    expect(foreign.result).toMatchObject({ ok: false, error: { code: 'sender-refused' } });
    // And once more: the same window, at the new route.
    child.stdin!.write('second-instance #/sweeps/plan024_sweep\n');
    const js = await waitFor('execute-js');
    expect(js.code).toBe('location.hash = "#/sweeps/plan024_sweep"');
  });

  it('Quit closes the service cleanly first, then the app exits', async () => {
    child.stdin!.write('quit\n');
    const first = await waitFor('app-quit');
    expect(first.prevented).toBe(true); // held back while the service closes
    const serviceExit = await waitFor('service-exit');
    expect(serviceExit.code).toBe(0);
    expect(await exited).toBe(0);
    const quits = lines.filter((b) => b.what === 'app-quit');
    expect(quits.at(-1)!.prevented).toBe(false);
    expect(lines.findIndex((b) => b.what === 'service-exit')).toBeLessThan(lines.lastIndexOf(quits.at(-1)!));
  });
});
