/**
 * The renderer's IPC, in the main process: one `ipcMain.handle` per command channel of the contract
 * (channelOf(name); there is no generic channel, so an unknown command has no handler at all), each call's
 * sender checked — it must be our window's webContents and its main frame, at our own origin
 * (app://bilancio, or the dev server in development) — and exactly one argument, which the service
 * validates with the command's schema (a bad one answers a `usage` error naming the field). A few commands
 * are answered here rather than by the service (the native folder picker: only main can show a dialog).
 *
 * Events go to the window on EVENT_CHANNEL, queued until the page says it is ready (READY_CHANNEL, sent by
 * the preload when the page first subscribes) — as Electron Fiddle does — and queued again while it
 * reloads. The queue is bounded: past it, the queue is dropped and the page gets the reset envelope
 * (seq 0: "refetch what you show") before what comes next.
 *
 * Electron's ipcMain and the window are injected; nothing secret ever goes out here (settings views carry
 * no secret values, and errors never quote one).
 */
import type { Bridge } from '../shared/bridge.js';
import { COMMAND_NAMES, type CommandName, commands, type Result } from '../shared/commands.js';
import type { AppError } from '../shared/errors.js';
import type { AppEvent } from '../shared/events.js';
import { channelOf, EVENT_CHANNEL, READY_CHANNEL } from '../shared/ipc.js';
import { resetEnvelope } from './service/ServiceClient.js';

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  readonly mainFrame?: FrameLike;
  on(
    event: 'did-start-navigation' | 'render-process-gone' | 'destroyed',
    // biome-ignore lint/suspicious/noExplicitAny: Electron's listeners take event-specific arguments
    listener: (...args: any[]) => void,
  ): unknown;
}

export interface IpcEventLike {
  readonly sender: WebContentsLike;
  /** null when the frame navigated away or was destroyed (Electron documents this). */
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, handler: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  off(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
}

/** A command main answers itself. */
export type LocalHandler = (input: unknown, sender: WebContentsLike) => Promise<unknown>;

export interface IpcOptions {
  ipcMain: IpcMainLike;
  bridge: Bridge;
  /** Whether a URL is one of our pages (see window.ts isOwnUrl). */
  isOwnUrl(url: string): boolean;
  /** Commands answered in main, by name (their requests are validated with the contract's schema here). */
  local?: Partial<Record<CommandName, LocalHandler>>;
  /** Events held for a page that isn't ready, at most. */
  maxQueued?: number;
  log?(line: string): void;
}

export interface RendererIpc {
  /** The window whose page may call (one at a time: a new window replaces the old). */
  attach(webContents: WebContentsLike): void;
  dispose(): void;
  /** For tests and diagnostics: events held for the page. */
  readonly queued: number;
}

export function refused(code: string, message: string): { ok: false; error: AppError } {
  return { ok: false, error: { category: 'usage', code, message, hint: null } };
}

export function registerRendererIpc(options: IpcOptions): RendererIpc {
  const { ipcMain, bridge } = options;
  const maxQueued = options.maxQueued ?? 2_000;
  let target: WebContentsLike | null = null;
  let ready = false;
  let queue: AppEvent[] = [];
  let lost = false;

  const trusted = (event: IpcEventLike): string | null => {
    if (!target || target.isDestroyed() || event.sender !== target) return 'not our window';
    const frame = event.senderFrame;
    if (!frame) return 'the frame is gone';
    if (frame.parent !== null) return 'a subframe';
    if (target.mainFrame && frame !== target.mainFrame) return 'not the main frame';
    if (!options.isOwnUrl(frame.url)) return `a page at ${safeOrigin(frame.url)}`;
    return null;
  };

  const handlers: string[] = [];
  const schemaOf = (name: CommandName) => commands[name].request;
  for (const name of COMMAND_NAMES) {
    const channel = channelOf(name as CommandName);
    handlers.push(channel);
    ipcMain.handle(channel, async (event, ...args): Promise<Result<unknown>> => {
      const why = trusted(event);
      if (why) {
        options.log?.(`refused ${name} from ${why}`);
        return refused(
          'sender-refused',
          'Refused: this request does not come from the Bilancio Sync window.',
        );
      }
      if (args.length > 1) {
        return refused('request-invalid', `Invalid request for ${name}: one request object expected.`);
      }
      const request = args[0] ?? {};
      const local = options.local?.[name];
      if (local) {
        const parsed = schemaOf(name).safeParse(request);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return {
            ok: false,
            error: {
              category: 'usage',
              code: 'request-invalid',
              message: `Invalid request for ${name}: ${issue ? `${issue.path.join('.') || '(request)'}: ${issue.message}` : 'invalid'}`,
              hint: null,
              ...(issue?.path.length ? { field: issue.path.join('.') } : {}),
            },
          };
        }
        try {
          return { ok: true, value: await local(parsed.data, event.sender) };
        } catch (e) {
          return {
            ok: false,
            error: {
              category: 'internal',
              code: 'internal',
              message: e instanceof Error ? e.message : String(e),
              hint: null,
            },
          };
        }
      }
      // The service validates the request with the command's schema.
      return bridge.invoke(name, request as never);
    });
  }

  const deliver = (e: AppEvent) => {
    if (!target || target.isDestroyed()) return;
    target.send(EVENT_CHANNEL, e);
  };

  const unsubscribe = bridge.subscribe((e) => {
    if (!target) return; // no window: nothing to queue for (a new page loads what it shows)
    if (ready) {
      deliver(e);
      return;
    }
    queue.push(e);
    if (queue.length > maxQueued) {
      queue = [];
      lost = true;
    }
  });

  const onReady = (event: IpcEventLike) => {
    if (trusted(event)) return;
    if (lost) deliver(resetEnvelope());
    for (const e of queue) deliver(e);
    queue = [];
    lost = false;
    ready = true;
  };
  ipcMain.on(READY_CHANNEL, onReady);

  return {
    attach(webContents) {
      target = webContents;
      ready = false;
      queue = [];
      lost = false;
      const notReady = () => {
        if (target !== webContents) return;
        ready = false;
        queue = [];
        lost = false;
      };
      webContents.on('did-start-navigation', ((details: {
        isMainFrame?: boolean;
        isSameDocument?: boolean;
      }) => {
        // Electron 45 passes a details object first; a same-document (hash) navigation keeps the page.
        if (
          details &&
          typeof details === 'object' &&
          (details.isSameDocument || details.isMainFrame === false)
        )
          return;
        notReady();
      }) as never);
      webContents.on('render-process-gone', notReady as never);
      webContents.on('destroyed', (() => {
        if (target === webContents) target = null;
      }) as never);
    },
    dispose() {
      unsubscribe();
      ipcMain.off(READY_CHANNEL, onReady);
      for (const c of handlers) ipcMain.removeHandler(c);
    },
    get queued() {
      return queue.length;
    },
  };
}

function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? `${u.protocol}//` : u.origin;
  } catch {
    return 'an unknown address';
  }
}
