/**
 * Which file of resources/tray/ each platform's tray takes for a state (the render script writes them all:
 * scripts/render-icons.mjs). `resourcesDir` is the folder that holds `tray/`: the repository's resources/
 * in development, `process.resourcesPath` once packaged (electron-builder's extraResources copies
 * resources/tray there).
 */
import { join } from 'node:path';
import type { SyncStateKind } from '../../shared/syncState.js';
import type { TrayIconName } from './trayModel.js';

export const TRAY_ICON_NAMES: readonly TrayIconName[] = (
  ['up-to-date', 'syncing', 'paused', 'attention', 'offline'] as const satisfies readonly SyncStateKind[]
).map((s) => `tray-${s}` as const);

/** Every file a state's icon comes in, relative to `resourcesDir` (what packaging must ship). */
export function trayIconFiles(name: TrayIconName): string[] {
  return [
    `tray/${name}.png`,
    `tray/${name}@2x.png`,
    `tray/${name}-22.png`,
    `tray/${name}-22@2x.png`,
    `tray/${name}Template.png`,
    `tray/${name}Template@2x.png`,
    `tray/${name}.ico`,
  ];
}

/**
 * macOS: the Template image (black + alpha; the menu bar tints it, and Electron picks up `@2x` itself).
 * Windows: the .ico (16–48 px, Windows picks the size for the display's scale). Linux and the rest: the
 * 22 px PNG with its @2x (StatusNotifierItem hosts scale what they get).
 */
export function trayIconPath(resourcesDir: string, name: TrayIconName, platform: NodeJS.Platform): string {
  const file =
    platform === 'darwin' ? `${name}Template.png` : platform === 'win32' ? `${name}.ico` : `${name}-22.png`;
  return join(resourcesDir, 'tray', file);
}
