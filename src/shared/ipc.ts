/**
 * The one typed contract between the UI and the engine. Each command has a request and a result type;
 * the preload exposes one method per command and the main process validates every argument with the
 * schema below before it reaches the engine (never a raw ipcRenderer in the renderer).
 */
import { z } from 'zod';

export const commandSchemas = {
  getAppInfo: { request: z.tuple([]) },
} as const;

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
}

export interface Commands {
  getAppInfo: () => Promise<AppInfo>;
}

export type CommandName = keyof Commands;
export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];
/** Channels are namespaced so the main process can allow-list exactly these and nothing else. */
export const channelOf = (name: CommandName): string => `bilancio-sync:${name}`;
