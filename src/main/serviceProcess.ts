/**
 * The service process: hosts the AppService off Electron's main process (an Electron utilityProcess, so a
 * full sync's reading and compressing never makes the tray or the window stutter), with the engine itself
 * in one more child process (`offloadEngine`). Speaks the service protocol (service/protocol.ts) over the
 * MessagePort the main process hands over through `process.parentPort`; started by plain Node with an IPC
 * channel instead (tests, the boot test), it speaks the same protocol over that channel.
 *
 * Never imports electron: it is plain Node, like src/core.
 */
import { configLocation, readConfigFile } from '../core/config/loadConfig.js';
import { toSyncError } from '../core/model/errors.js';
import { FileSecretStore, secretsFilePath } from '../core/secrets/FileSecretStore.js';
import { KeyringSecretStore } from '../core/secrets/KeyringSecretStore.js';
import type { SecretStore } from '../core/secrets/SecretStore.js';
import { AppService, type AppServiceOptions } from '../core/service/AppService.js';
import { LayeredSecretStore, PortSecretStore } from './service/PortSecretStore.js';
import { type ElectronMessagePortLike, electronPort, type Port, processPort } from './service/port.js';
import { PORT_HANDOFF } from './service/protocol.js';
import { startServiceHost } from './service/serviceHost.js';
import { SECRETS_DESCRIPTION_ENV } from './serviceProcess.constants.js';

interface ParentPortLike {
  once(event: 'message', listener: (e: { data: unknown; ports: ElectronMessagePortLike[] }) => void): unknown;
}

function log(line: string): void {
  process.stderr.write(`[service] ${line}\n`);
}

/** The port to main: Electron's (handed over on parentPort), or the IPC channel under plain Node. */
function portToMain(): Promise<Port> {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return new Promise((resolve) => {
      const wait = () =>
        parentPort.once('message', (e) => {
          const port = e.ports?.[0];
          if ((e.data as { type?: unknown } | null)?.type === PORT_HANDOFF && port)
            resolve(electronPort(port));
          else wait();
        });
      wait();
    });
  }
  if (process.send) return Promise.resolve(processPort(process));
  return Promise.reject(new Error('no parentPort and no IPC channel: start this from the app'));
}

/** Secrets saved by the CLI or the browser mode before (config.json says where), still read. */
function olderSecretStore(env: NodeJS.ProcessEnv): SecretStore | null {
  try {
    const where = configLocation({ env });
    const recorded = readConfigFile(where.configPath, false)?.secretStore;
    if (recorded === 'keychain') return new KeyringSecretStore();
    if (recorded === 'file') return new FileSecretStore({ file: secretsFilePath(where.paths.configDir) });
  } catch (e) {
    log(`config: ${toSyncError(e).message}`);
  }
  return null;
}

async function main(): Promise<void> {
  const port = await portToMain();
  const env = process.env;
  startServiceHost({
    port,
    watch: env.BILANCIO_SYNC_NO_WATCH !== '1',
    log,
    makeService: (requestSecret) => {
      const secretStore = new LayeredSecretStore(
        new PortSecretStore(
          requestSecret,
          env[SECRETS_DESCRIPTION_ENV] || 'encrypted by the system keychain (Electron safeStorage)',
        ),
        olderSecretStore(env),
      );
      const options: AppServiceOptions = {
        secretStore,
        // The engine in its own process as well: compressing hundreds of MB never blocks the answers.
        offloadEngine: env.BILANCIO_SYNC_ENGINE_IN_PROCESS !== '1',
      };
      return new AppService(options);
    },
    onClosed: () => {
      // Give the port a moment to deliver `closed`, then leave.
      setTimeout(() => process.exit(0), 50).unref?.();
    },
  });
}

main().catch((e: unknown) => {
  log(`could not start: ${toSyncError(e).message}`);
  process.exit(1);
});
