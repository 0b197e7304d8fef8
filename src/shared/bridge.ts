/**
 * The one interface a shell's UI talks to, whatever carries it (Electron's preload, HTTP in browser mode,
 * a direct call in the CLI). A transport implements `Bridge`; `makeClient` turns any bridge into one typed
 * method per command, generated from the command map (as Heroic's makeHandlerInvoker), so nothing that
 * uses a client knows which transport it has.
 */
import type { CommandName, CommandRequest, CommandResponse, Result } from './commands.js';
import { COMMAND_NAMES } from './commands.js';
import type { AppEventListener } from './events.js';

export interface SubscribeOptions {
  /** Replay what came after this sequence number first (after a reconnect). */
  after?: number;
  /** Aborting it unsubscribes (as Electron Fiddle's addEventListener). */
  signal?: AbortSignal;
}

/** What the shell behind a bridge can do beyond the service (the page asks before offering it). */
export interface BridgeCapabilities {
  /** `dialog.pickFolder` opens a native folder picker (the desktop app). */
  folderPicker: boolean;
}

export interface Bridge {
  /** Missing: none of them (browser mode). */
  readonly capabilities?: BridgeCapabilities;
  invoke<N extends CommandName>(name: N, request: CommandRequest<N>): Promise<Result<CommandResponse<N>>>;
  /** Events as they happen; returns the unsubscribe. */
  subscribe(listener: AppEventListener, options?: SubscribeOptions): () => void;
}

/** One method per command, answering the command's result. */
export type Client = {
  [N in CommandName]: (request: CommandRequest<N>) => Promise<Result<CommandResponse<N>>>;
} & { subscribe: Bridge['subscribe']; capabilities: BridgeCapabilities };

export function makeClient(bridge: Bridge): Client {
  const client = {
    subscribe: bridge.subscribe.bind(bridge),
    capabilities: bridge.capabilities ?? { folderPicker: false },
  } as Record<string, unknown>;
  for (const name of COMMAND_NAMES) {
    client[name] = (request: unknown) => bridge.invoke(name, request as never);
  }
  return client as Client;
}
