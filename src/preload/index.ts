// Exposes the contract's Bridge to the renderer (invoke + subscribe) and nothing else: the renderer never
// sees ipcRenderer. One listener on the event channel feeds every subscriber; the first subscription tells
// main the page is ready (main queues events until then, and again while the page reloads). A subscriber
// with `after` is caught up through `events.since` first (live events held back meanwhile, so it gets
// each event once, in order). Aborting `signal` unsubscribes. Sandboxed: only electron and bundled
// src/shared code (types and channel names; no zod).
import { contextBridge, ipcRenderer } from 'electron';
import type { Bridge } from '../shared/bridge.js';
import type { AppEvent, AppEventListener } from '../shared/events.js';
import { channelOf, EVENT_CHANNEL, READY_CHANNEL } from '../shared/ipc.js';

const listeners = new Set<(e: AppEvent) => void>();
let readySent = false;
ipcRenderer.on(EVENT_CHANNEL, (_: unknown, e: AppEvent) => {
  for (const l of [...listeners]) {
    try {
      l(e);
    } catch {
      // one listener's failure never stops the others
    }
  }
});

const bridge: Bridge = {
  // Main answers dialog.pickFolder with the native dialog.
  capabilities: { folderPicker: true },
  invoke: (name, request) =>
    ipcRenderer.invoke(channelOf(name), request).catch((e: unknown) => ({
      ok: false as const,
      error: {
        category: 'usage' as const,
        code: 'ipc-refused',
        message: `The app refused ${String(name)}: ${e instanceof Error ? e.message : String(e)}`,
        hint: null,
      },
    })),
  subscribe: (listener: AppEventListener, options) => {
    const signal = options?.signal;
    if (signal?.aborted) return () => {};
    let last = options?.after;
    let held: AppEvent[] | null = last === undefined ? null : [];
    const deliver = (e: AppEvent) => {
      if (last !== undefined && e.seq !== 0 && e.seq <= last) return;
      if (e.seq !== 0) last = e.seq;
      listener(e);
    };
    const mine = (e: AppEvent) => {
      if (held) held.push(e);
      else deliver(e);
    };
    listeners.add(mine);
    if (held && last !== undefined) {
      void bridge.invoke('events.since', { after: last }).then((r) => {
        if (r.ok) {
          if (!r.value.complete)
            listener({
              seq: 0,
              at: new Date().toISOString(),
              jobId: null,
              event: { type: 'settings-changed', changed: [] },
            });
          for (const e of r.value.events) deliver(e);
        }
        const rest = held ?? [];
        held = null;
        for (const e of rest) deliver(e);
      });
    }
    if (!readySent) {
      readySent = true;
      ipcRenderer.send(READY_CHANNEL);
    }
    const unsubscribe = () => {
      listeners.delete(mine);
      signal?.removeEventListener('abort', unsubscribe);
    };
    signal?.addEventListener('abort', unsubscribe, { once: true });
    return unsubscribe;
  },
};

contextBridge.exposeInMainWorld('bilancioSync', bridge);
