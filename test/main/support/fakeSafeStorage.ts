/**
 * A stand-in for Electron's safeStorage: really encrypts (AES-256-GCM under a per-instance key, as the OS
 * keychain's key would be), so a test can check that the file on disk holds no plaintext, and a store opened
 * with another key can't read it. `backend` is what getSelectedStorageBackend() answers on Linux.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { LinuxBackend, SafeStorageLike } from '../../../src/main/secrets/SafeStorageSecretStore.js';

export interface FakeSafeStorage extends SafeStorageLike {
  backend: LinuxBackend;
  available: boolean;
  calls: string[];
  /** The next decrypt reports a rotated key. */
  rotateOnNextDecrypt: boolean;
}

export function fakeSafeStorage(
  options: { backend?: LinuxBackend; key?: Buffer; async?: boolean } = {},
): FakeSafeStorage {
  const key = options.key ?? randomBytes(32);
  const encrypt = (s: string) => {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([c.update(s, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  };
  const decrypt = (b: Buffer) => {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
    d.setAuthTag(b.subarray(12, 28));
    return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
  };
  const fake: FakeSafeStorage = {
    backend: options.backend ?? 'gnome_libsecret',
    available: true,
    calls: [],
    rotateOnNextDecrypt: false,
    isEncryptionAvailable: () => fake.available,
    encryptString: (s) => {
      fake.calls.push('encryptString');
      return encrypt(s);
    },
    decryptString: (b) => {
      fake.calls.push('decryptString');
      return decrypt(b);
    },
    getSelectedStorageBackend: () => fake.backend,
  };
  if (options.async !== false) {
    fake.isAsyncEncryptionAvailable = async () => fake.available;
    fake.encryptStringAsync = async (s) => {
      fake.calls.push('encryptStringAsync');
      return encrypt(s);
    };
    fake.decryptStringAsync = async (b) => {
      fake.calls.push('decryptStringAsync');
      const shouldReEncrypt = fake.rotateOnNextDecrypt;
      fake.rotateOnNextDecrypt = false;
      return { result: decrypt(b), shouldReEncrypt };
    };
  }
  return fake;
}
