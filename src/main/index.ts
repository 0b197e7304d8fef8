// Electron main process: a thin shell. It owns the window and forwards every command of the shared
// contract (src/shared/commands.ts) to the application service, after checking that the call comes from
// our own window; events go back on one channel. The service validates every request with its schema.
// (The desktop issue moves the service into a utilityProcess; the contract stays the same.)
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { AppService } from '../core/service/AppService.js';
import { COMMAND_NAMES } from '../shared/commands.js';
import { channelOf, EVENT_CHANNEL } from '../shared/ipc.js';

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

function connect(win: BrowserWindow, service: AppService): void {
  for (const name of COMMAND_NAMES) {
    ipcMain.handle(channelOf(name), async (event, request: unknown) => {
      // Only our own window may call the service.
      if (event.sender !== win.webContents) {
        return {
          ok: false,
          error: {
            category: 'usage',
            code: 'sender-refused',
            message: 'Refused: request from an unknown sender',
            hint: null,
          },
        };
      }
      return service.invoke(name, request as never);
    });
  }
  service.subscribe((e) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, e);
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(() => {
    const service = new AppService();
    const win = createWindow();
    connect(win, service);
    app.on('second-instance', () => win.show());
    app.on('before-quit', () => void service.close());
  });
  app.on('window-all-closed', () => app.quit());
}
