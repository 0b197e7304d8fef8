// Electron main process: a thin shell. Everything it does lives in modules with Electron injected
// (desktopApp.ts wires them; each is tested in Node); this file only hands them the real electron.
// The application service runs in its own utility process (serviceProcess.ts).
import { join } from 'node:path';
import * as electron from 'electron';
import { runDesktopApp } from './desktopApp.js';
import { startNotifier } from './notifications/startNotifier.js';
import { startTray } from './tray/startTray.js';

const { app, Tray, Menu, nativeImage, Notification } = electron;
const resourcesDir = app.isPackaged ? process.resourcesPath : join(__dirname, '..', '..', 'resources');

runDesktopApp({
  electron: electron as never,
  mainDir: __dirname,
  resourcesDir,
  startTray: (deps) => startTray({ ...deps, electron: { Tray, Menu, nativeImage } }),
  startNotifier: (deps) => startNotifier({ ...deps, electron: { Notification } }),
});
