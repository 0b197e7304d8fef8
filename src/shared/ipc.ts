/**
 * Electron's channels for the contract: one per command (namespaced, so the main process can allow-list
 * exactly these), plus one for events. Only a type is imported from the command map: the sandboxed
 * preload must not pull zod in.
 */
import type { CommandName } from './commands.js';

export const channelOf = (name: CommandName): string => `bilancio-sync:${name}`;

/** Main → renderer: every event of the service, in its envelope. */
export const EVENT_CHANNEL = 'bilancio-sync:event';

/** Renderer → main (send, no answer): the page has subscribed and wants the events queued for it. */
export const READY_CHANNEL = 'bilancio-sync:renderer-ready';
