/**
 * Electron's Tray, Menu, nativeImage and Notification as plain recorders: each remembers what it was
 * given, so tests can read the tray's icon, tooltip and menu and click menu items and notifications.
 * And a Bridge over a scripted answer table, recording every command it is asked.
 */
import { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions } from 'electron';
import type { Bridge } from '../../../src/shared/bridge.js';
import type { CommandName, Result } from '../../../src/shared/commands.js';
import type { AppEvent, AppEventListener, EngineEvent } from '../../../src/shared/events.js';

export interface FakeImage {
  path: string;
  template: boolean;
  isEmpty(): boolean;
  setTemplateImage(on: boolean): void;
}

export interface FakeMenu {
  template: MenuItemConstructorOptions[];
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  static failNext: Error | null = null;
  images: FakeImage[] = [];
  tooltips: string[] = [];
  menus: FakeMenu[] = [];
  destroyed = false;

  constructor(image: FakeImage) {
    super();
    if (FakeTray.failNext) {
      const e = FakeTray.failNext;
      FakeTray.failNext = null;
      throw e;
    }
    this.images.push(image);
    FakeTray.instances.push(this);
  }
  setImage(image: FakeImage) {
    this.images.push(image);
  }
  setToolTip(text: string) {
    this.tooltips.push(text);
  }
  setContextMenu(menu: FakeMenu) {
    this.menus.push(menu);
  }
  destroy() {
    this.destroyed = true;
  }
  get image(): FakeImage {
    return this.images.at(-1)!;
  }
  get tooltip(): string {
    return this.tooltips.at(-1)!;
  }
  get menu(): MenuItemConstructorOptions[] {
    return this.menus.at(-1)!.template;
  }
}

export const FakeMenuClass = {
  buildFromTemplate(template: MenuItemConstructorOptions[]): FakeMenu {
    return { template };
  },
};

export function fakeNativeImage(existing: (path: string) => boolean = () => true) {
  return {
    createFromPath(path: string): FakeImage {
      return {
        path,
        template: false,
        isEmpty: () => !existing(path),
        setTemplateImage(on: boolean) {
          this.template = on;
        },
      };
    },
  };
}

/** The tray's Electron, as TrayDeps wants it. */
export function fakeTrayElectron(existing?: (path: string) => boolean) {
  FakeTray.instances = [];
  return {
    Tray: FakeTray,
    Menu: FakeMenuClass,
    nativeImage: fakeNativeImage(existing),
  } as unknown as {
    Tray: typeof import('electron').Tray;
    Menu: typeof import('electron').Menu;
    nativeImage: typeof import('electron').nativeImage;
  };
}

/** The menu item with this label (at any depth), or with this id. */
export function findItem(
  menu: MenuItemConstructorOptions[],
  match: string | ((i: MenuItemConstructorOptions) => boolean),
): MenuItemConstructorOptions | undefined {
  const test =
    typeof match === 'string'
      ? (i: MenuItemConstructorOptions) => i.label === match || i.id === match
      : match;
  for (const item of menu) {
    if (test(item)) return item;
    if (Array.isArray(item.submenu)) {
      const inner = findItem(item.submenu, test);
      if (inner) return inner;
    }
  }
  return undefined;
}

export function click(menu: MenuItemConstructorOptions[], label: string): void {
  const item = findItem(menu, label);
  if (!item) throw new Error(`no menu item ${label}: ${labels(menu).join(' | ')}`);
  if (!item.click) throw new Error(`menu item ${label} has no click`);
  (item.click as () => void)();
}

export function labels(menu: MenuItemConstructorOptions[]): string[] {
  return menu.flatMap((i) =>
    i.type === 'separator'
      ? ['—']
      : [i.label ?? '', ...(Array.isArray(i.submenu) ? labels(i.submenu).map((l) => `  ${l}`) : [])],
  );
}

// ---- Notification ----

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  static supported = true;
  static isSupported() {
    return FakeNotification.supported;
  }
  shownCount = 0;
  constructor(readonly options: { title: string; body: string; silent?: boolean; urgency?: string }) {
    super();
  }
  show() {
    this.shownCount++;
    FakeNotification.shown.push(this);
  }
  click() {
    this.emit('click', {});
  }
}

export function fakeNotificationElectron() {
  FakeNotification.shown = [];
  FakeNotification.supported = true;
  return { Notification: FakeNotification as unknown as typeof import('electron').Notification };
}

// ---- a scripted bridge ----

type Answer = (request: unknown) => unknown;

export class FakeBridge implements Bridge {
  readonly calls: Array<{ name: CommandName; request: unknown }> = [];
  private readonly listeners = new Set<AppEventListener>();
  private seq = 0;

  constructor(private readonly answers: Partial<Record<CommandName, Answer>>) {}

  answer(name: CommandName, fn: Answer): void {
    this.answers[name] = fn;
  }

  async invoke(name: CommandName, request: unknown): Promise<Result<never>> {
    this.calls.push({ name, request });
    const fn = this.answers[name];
    if (!fn)
      return {
        ok: false,
        error: { category: 'internal', code: 'no-answer', message: `no answer for ${name}`, hint: null },
      };
    try {
      return { ok: true, value: (await fn(request)) as never };
    } catch (e) {
      return {
        ok: false,
        error: { category: 'not-ready', code: 'scripted', message: (e as Error).message, hint: null },
      };
    }
  }

  subscribe(listener: AppEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  emit(event: EngineEvent, jobId: string | null = null): AppEvent {
    const envelope: AppEvent = { seq: ++this.seq, at: new Date().toISOString(), jobId, event };
    for (const l of this.listeners) l(envelope);
    return envelope;
  }

  callsOf(name: CommandName): unknown[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.request);
  }
}
