// A stand-in for the `electron` module, for the boot test: the built main bundle (out/main/index.js) runs
// under plain Node with this module resolved as `electron` (see register.mjs). What matters is real:
// utilityProcess.fork really forks the built service entry (under Node, its port being the IPC channel the
// fake MessageChannelMain's transferred end is piped to), the protocol handler really serves out/renderer,
// ipcMain handlers really answer through the service. Every step is reported on stdout as `BOOT {json}`.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';

const report = (what, data = {}) => process.stdout.write(`BOOT ${JSON.stringify({ what, ...data })}\n`);

/** Anything: every property is a function answering another stub (Tray, Menu, nativeImage…). */
function stub(name, record) {
  // A class, not an arrow: Tray and Notification are constructed.
  const target = class {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'isEmpty') return () => false;
      if (prop === 'getSize') return () => ({ width: 16, height: 16 });
      if (prop === 'isDestroyed') return () => false;
      return (...args) => {
        record?.(String(prop), args);
        return stub(`${name}.${String(prop)}`);
      };
    },
    apply: () => stub(`${name}()`),
    construct: (_t, args) => {
      record?.('new', args);
      return stub(`new ${name}`, record);
    },
  });
}

// ---- app ----
const appEvents = new EventEmitter();
let quitting = false;
export const app = Object.assign(appEvents, {
  isPackaged: false,
  requestSingleInstanceLock(data) {
    report('single-instance-lock', { data });
    return true;
  },
  whenReady: () => Promise.resolve(),
  isReady: () => true,
  getAppPath: () => process.cwd(),
  getPath: (name) => `/tmp/fake-electron-${name}`,
  getVersion: () => '0.1.0',
  getName: () => 'Bilancio Sync',
  setAppUserModelId: () => {},
  setLoginItemSettings: () => {},
  getLoginItemSettings: () => ({ openAtLogin: false }),
  dock: stub('dock'),
  quit() {
    let prevented = false;
    appEvents.emit('before-quit', { preventDefault: () => (prevented = true) });
    report('app-quit', { prevented });
    if (prevented || quitting) return;
    quitting = true;
    setTimeout(() => process.exit(0), 20);
  },
  exit: (code) => process.exit(code ?? 0),
});

// ---- message ports (MessageChannelMain) ----
class FakePort extends EventEmitter {
  other = null;
  started = false;
  closed = false;
  postMessage(data) {
    if (this.closed || !this.other) return;
    const other = this.other;
    setImmediate(() => other.emit('message', { data, ports: [] }));
  }
  start() {
    this.started = true;
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
    this.other?.close();
  }
}
export class MessageChannelMain {
  constructor() {
    this.port1 = new FakePort();
    this.port2 = new FakePort();
    this.port1.other = this.port2;
    this.port2.other = this.port1;
  }
}

// ---- utilityProcess: a real Node child with IPC; the transferred port is piped to it ----
export const utilityProcess = {
  fork(modulePath, args, options) {
    const child = fork(modulePath, args ?? [], {
      env: options?.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    report('utility-fork', { modulePath, serviceName: options?.serviceName });
    const up = new EventEmitter();
    up.pid = child.pid;
    up.postMessage = (message, transfer) => {
      const port = transfer?.[0];
      if (!port) return;
      report('port-handoff', { type: message?.type });
      // The transferred end lives "in" the child: what main posts arrives on it and goes down the IPC
      // channel; what the child sends comes back up through it.
      port.on('message', (e) => child.connected && child.send(e.data));
      child.on('message', (data) => port.postMessage(data));
      child.on('exit', () => port.close());
    };
    up.kill = () => child.kill();
    child.on('spawn', () => report('service-spawned', { pid: child.pid, mainPid: process.pid }));
    child.on('exit', (code) => {
      report('service-exit', { code });
      up.emit('exit', code ?? 0);
    });
    return up;
  },
};

// ---- protocol ----
const schemes = new Map();
export const protocol = {
  registerSchemesAsPrivileged(list) {
    report('schemes', { list });
  },
  handle(scheme, handler) {
    schemes.set(scheme, handler);
    report('protocol-handle', { scheme });
  },
};

// ---- ipcMain ----
const handlers = new Map();
const ipcListeners = new EventEmitter();
export const ipcMain = {
  handle: (channel, h) => handlers.set(channel, h),
  removeHandler: (channel) => handlers.delete(channel),
  on: (channel, l) => ipcListeners.on(channel, l),
  off: (channel, l) => ipcListeners.off(channel, l),
};

// ---- BrowserWindow: its "page" loads through the protocol and calls the service through ipcMain ----
export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.destroyed = false;
    const wc = new EventEmitter();
    wc.mainFrame = { url: '', parent: null };
    wc.sent = [];
    wc.send = (channel, e) => {
      if (wc.sent.length === 0) report('renderer-event', { channel, seq: e?.seq, type: e?.event?.type });
      wc.sent.push(e);
    };
    wc.isDestroyed = () => this.destroyed;
    wc.setWindowOpenHandler = (h) => (wc.openHandler = h);
    wc.executeJavaScript = async (code) => report('execute-js', { code });
    wc.session = { setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {} };
    this.webContents = wc;
    report('window-created', { webPreferences: options.webPreferences });
  }
  async loadURL(url) {
    const wc = this.webContents;
    wc.mainFrame = { url, parent: null };
    const handler = schemes.get(new URL(url).protocol.replace(':', ''));
    const res = await handler({ url, method: 'GET' });
    const body = await res.text();
    report('window-load', {
      url,
      status: res.status,
      csp: res.headers.get('content-security-policy'),
      hasRoot: body.includes('<div id="root">'),
    });
    this.emit('ready-to-show');
    // The page's first call, as the preload would make it, from our main frame.
    const event = { sender: wc, senderFrame: wc.mainFrame };
    ipcListeners.emit('bilancio-sync:renderer-ready', event);
    const info = await handlers.get('bilancio-sync:app.info')(event, {});
    report('renderer-invoke', { result: info });
    const foreign = await handlers.get('bilancio-sync:app.info')(
      { sender: wc, senderFrame: { url: 'https://evil.example/', parent: null } },
      {},
    );
    report('renderer-foreign', { result: foreign });
  }
  show() {
    report('window-show');
  }
  focus() {}
  hide() {}
  isMinimized() {
    return false;
  }
  restore() {}
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

// ---- the rest ----
export const safeStorage = {
  isEncryptionAvailable: () => true,
  isAsyncEncryptionAvailable: async () => true,
  encryptString: (s) => Buffer.from(s).reverse(),
  decryptString: (b) => Buffer.from(b).reverse().toString(),
  encryptStringAsync: async (s) => Buffer.from(s).reverse(),
  decryptStringAsync: async (b) => ({ result: Buffer.from(b).reverse().toString(), shouldReEncrypt: false }),
  getSelectedStorageBackend: () => 'gnome_libsecret',
};
export const powerMonitor = Object.assign(new EventEmitter(), { isOnBatteryPower: () => false });
export const net = { isOnline: () => true };
export const shell = { openExternal: async () => {} };
export const dialog = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) };
export const Tray = stub('Tray', (method, args) => {
  if (method === 'new') report('tray-created');
  if (method === 'setToolTip') report('tray-tooltip', { text: args[0] });
});
export const Menu = stub('Menu');
export const nativeImage = stub('nativeImage');
export const Notification = Object.assign(stub('Notification'), { isSupported: () => true });

export default {
  app,
  MessageChannelMain,
  utilityProcess,
  protocol,
  ipcMain,
  BrowserWindow,
  safeStorage,
  powerMonitor,
  net,
  shell,
  dialog,
  Tray,
  Menu,
  nativeImage,
  Notification,
};

// The test steers the app through stdin: "second-instance <route>", "quit".
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  for (const line of chunk.split('\n').filter(Boolean)) {
    const [cmd, arg] = line.split(' ');
    if (cmd === 'second-instance') appEvents.emit('second-instance', {}, [], '/', { route: arg });
    if (cmd === 'quit') app.quit();
  }
});
