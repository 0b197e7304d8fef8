// Electron main process: a thin shell. It owns the window and answers the allow-listed commands of
// src/shared/ipc.ts; the engine in src/core does the work.
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { type AppInfo, COMMAND_NAMES, channelOf, commandSchemas } from '../shared/ipc.js';

const handlers = {
  getAppInfo: async (): Promise<AppInfo> => ({
    name: app.getName(),
    version: app.getVersion(),
    platform: process.platform,
  }),
};

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1000,
    height: 700,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
    },
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
  return win;
}

function registerHandlers(win: BrowserWindow): void {
  for (const name of COMMAND_NAMES) {
    ipcMain.handle(channelOf(name), async (event, ...args: unknown[]) => {
      // Only our own window may call the engine, and only with arguments that pass the schema.
      if (event.sender !== win.webContents) throw new Error('Refused: request from an unknown sender');
      commandSchemas[name].request.parse(args);
      return handlers[name]();
    });
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(() => {
    const win = createWindow();
    registerHandlers(win);
    app.on('second-instance', () => win.show());
  });
  app.on('window-all-closed', () => app.quit());
}
