/**
 * The renderer's IPC in main, with ipcMain and the window's webContents as stand-ins and a real AppService
 * behind it: a call from our window at app://bilancio answers; one from another webContents, a subframe,
 * a frame at another origin, or a frame already gone is refused; invalid arguments are refused by the
 * contract's schema (naming the field); only contract channels have handlers. Events wait for the page's
 * "ready", are queued again while it reloads, and a queue that overflows becomes the reset envelope.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/service/AppService.js';
import {
  type FrameLike,
  type IpcEventLike,
  registerRendererIpc,
  type WebContentsLike,
} from '../../src/main/ipc.js';
import { isOwnUrl } from '../../src/main/window.js';
import { COMMAND_NAMES } from '../../src/shared/commands.js';
import type { AppEvent } from '../../src/shared/events.js';
import { channelOf, EVENT_CHANNEL, READY_CHANNEL } from '../../src/shared/ipc.js';

class FakeIpcMain {
  handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => unknown>();
  listeners = new Map<string, Array<(event: IpcEventLike, ...args: unknown[]) => void>>();
  handle(channel: string, h: (event: IpcEventLike, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, h);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on(channel: string, l: (event: IpcEventLike, ...args: unknown[]) => void) {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), l]);
  }
  off(channel: string, l: (event: IpcEventLike, ...args: unknown[]) => void) {
    this.listeners.set(
      channel,
      (this.listeners.get(channel) ?? []).filter((x) => x !== l),
    );
  }
  /** What ipcRenderer.invoke does: no handler → a rejection. */
  async invoke(channel: string, event: IpcEventLike, ...args: unknown[]) {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  }
  send(channel: string, event: IpcEventLike) {
    for (const l of this.listeners.get(channel) ?? []) l(event);
  }
}

class FakeWebContents extends EventEmitter implements WebContentsLike {
  sent: AppEvent[] = [];
  mainFrame: FrameLike;
  destroyed = false;
  constructor(url: string) {
    super();
    this.mainFrame = { url, parent: null };
  }
  send(channel: string, e: unknown) {
    if (channel === EVENT_CHANNEL) this.sent.push(e as AppEvent);
  }
  isDestroyed() {
    return this.destroyed;
  }
}

describe('renderer IPC', () => {
  let work: string;
  let service: AppService;
  const ipcMain = new FakeIpcMain();
  let ipc: ReturnType<typeof registerRendererIpc>;
  const win = new FakeWebContents('app://bilancio/index.html#/');
  const ours = (): IpcEventLike => ({ sender: win, senderFrame: win.mainFrame });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-ipc-'));
    service = new AppService({ env: { BILANCIO_SYNC_HOME: work, BILANCIO_SYNC_SECRETS: 'file' }, cwd: work });
    ipc = registerRendererIpc({
      ipcMain,
      bridge: service,
      isOwnUrl: (u) => isOwnUrl(u),
      maxQueued: 5,
      local: {
        'dialog.pickFolder': async (input) => ({ path: `/picked/${(input as { purpose: string }).purpose}` }),
      },
    });
    ipc.attach(win);
  });
  afterAll(async () => {
    ipc.dispose();
    await service.close();
    await rm(work, { recursive: true, force: true });
  });

  it('has exactly one handler per contract command (and the shell commands), nothing else', () => {
    const channels = [...ipcMain.handlers.keys()].sort();
    expect(channels).toEqual(COMMAND_NAMES.map(channelOf).sort());
  });

  it('answers our window', async () => {
    const r = (await ipcMain.invoke(channelOf('app.info'), ours(), {})) as { ok: boolean };
    expect(r).toMatchObject({ ok: true, value: { name: 'Bilancio Sync' } });
  });

  it('refuses foreign senders', async () => {
    const other = new FakeWebContents('app://bilancio/index.html');
    const cases: IpcEventLike[] = [
      { sender: other, senderFrame: other.mainFrame }, // another webContents
      { sender: win, senderFrame: null }, // the frame is gone
      { sender: win, senderFrame: { url: 'app://bilancio/x', parent: win.mainFrame } }, // a subframe
      { sender: win, senderFrame: { url: 'https://evil.example/', parent: null } }, // not the main frame
    ];
    for (const event of cases) {
      const r = await ipcMain.invoke(channelOf('settings.get'), event, {});
      expect(r).toMatchObject({ ok: false, error: { category: 'usage', code: 'sender-refused' } });
    }
    // Our own window after it navigated to somewhere else:
    const strayed = new FakeWebContents('https://evil.example/');
    ipc.attach(strayed);
    const r = await ipcMain.invoke(
      channelOf('app.info'),
      { sender: strayed, senderFrame: strayed.mainFrame },
      {},
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'sender-refused' } });
    ipc.attach(win);
  });

  it('refuses invalid arguments by the schema, extra arguments, and unknown channels', async () => {
    const bad = await ipcMain.invoke(channelOf('history.list'), ours(), { limit: 0 });
    expect(bad).toMatchObject({
      ok: false,
      error: { category: 'usage', code: 'request-invalid', field: 'limit' },
    });
    const extra = await ipcMain.invoke(channelOf('history.list'), ours(), {}, 'more');
    expect(extra).toMatchObject({ ok: false, error: { code: 'request-invalid' } });
    const unknownKey = await ipcMain.invoke(channelOf('app.info'), ours(), { bogus: 1 });
    expect(unknownKey).toMatchObject({ ok: false, error: { field: 'bogus' } });
    await expect(ipcMain.invoke('bilancio-sync:shell.exec', ours(), {})).rejects.toThrow(/No handler/);
  });

  it('answers the folder picker in main, its request validated too', async () => {
    expect(
      await ipcMain.invoke('bilancio-sync:dialog.pickFolder', ours(), { purpose: 'restore-target' }),
    ).toEqual({
      ok: true,
      value: { path: '/picked/restore-target' },
    });
    const bad = await ipcMain.invoke('bilancio-sync:dialog.pickFolder', ours(), { purpose: 'anything' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'request-invalid', field: 'purpose' } });
  });

  it('queues events until the page is ready, again while it reloads; overflow → reset envelope', async () => {
    const page = new FakeWebContents('app://bilancio/index.html');
    ipc.attach(page);
    await service.invoke('sync.pause', {});
    await service.invoke('sync.resume', {});
    expect(page.sent).toEqual([]);
    expect(ipc.queued).toBe(2);
    // A ready from someone else doesn't count.
    ipcMain.send(READY_CHANNEL, { sender: new FakeWebContents('app://bilancio/'), senderFrame: null });
    expect(page.sent).toEqual([]);
    ipcMain.send(READY_CHANNEL, { sender: page, senderFrame: page.mainFrame });
    expect(page.sent.map((e) => e.event.type)).toEqual(['paused', 'resumed']);
    await service.invoke('sync.pause', {});
    expect(page.sent).toHaveLength(3); // live now
    // A reload: queued again; a hash navigation doesn't count as one.
    page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    await service.invoke('sync.resume', {});
    expect(page.sent).toHaveLength(4);
    page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    for (let i = 0; i < 4; i++) {
      await service.invoke('sync.pause', {});
      await service.invoke('sync.resume', {});
    }
    ipcMain.send(READY_CHANNEL, { sender: page, senderFrame: page.mainFrame });
    // 8 events for a queue of 5: dropped at the 6th, then "refetch what you show", then the 2 after it.
    expect(page.sent[4]!.seq).toBe(0);
    expect(page.sent.slice(5).map((e) => e.event.type)).toEqual(['paused', 'resumed']);
    expect(page.sent).toHaveLength(7);
    await service.invoke('sync.pause', {});
    expect(page.sent).toHaveLength(8);
    await service.invoke('sync.resume', {});
    ipc.attach(win);
  });
});
