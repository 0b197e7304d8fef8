// Exposes the contract's Bridge to the renderer (invoke + subscribe); the renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import type { Bridge } from '../shared/bridge.js';
import type { AppEvent } from '../shared/events.js';
import { channelOf, EVENT_CHANNEL } from '../shared/ipc.js';

const bridge: Bridge = {
  invoke: (name, request) => ipcRenderer.invoke(channelOf(name), request),
  subscribe: (listener, options) => {
    const handler = (_: unknown, e: AppEvent) => listener(e);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    const unsubscribe = () => ipcRenderer.off(EVENT_CHANNEL, handler);
    options?.signal?.addEventListener('abort', unsubscribe, { once: true });
    return unsubscribe;
  },
};

contextBridge.exposeInMainWorld('bilancioSync', bridge);
