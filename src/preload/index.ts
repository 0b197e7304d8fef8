// Exposes one method per command of the shared contract; the renderer never sees ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import { type Commands, channelOf } from '../shared/ipc.js';

const api: Commands = {
  getAppInfo: () => ipcRenderer.invoke(channelOf('getAppInfo')),
};

contextBridge.exposeInMainWorld('bilancioSync', api);
