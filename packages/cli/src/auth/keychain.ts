/** The OS keychain, one secret per account of the service `hvc`. Every method may throw when none is available. */
export interface Keychain {
  get(account: string): Promise<string | undefined>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

const SERVICE = 'hvc';

/**
 * The system keychain through `@napi-rs/keyring`: macOS Keychain, Windows Credential Manager, or on Linux the
 * Secret Service (GNOME Keyring, KWallet) over D-Bus — never the kernel keyring, whose keys do not survive a
 * restart. Undefined on Linux without a D-Bus session (`DBUS_SESSION_BUS_ADDRESS`), where no Secret Service can be
 * reached; with one but no Secret Service every call throws, and the caller uses the file instead. The native
 * module is loaded on first use, so a platform without a prebuilt binary fails there too, not at start.
 */
export function systemKeychain(env: NodeJS.ProcessEnv, platform = process.platform): Keychain | undefined {
  if (platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) return undefined;
  const entry = async (account: string) =>
    new (await import('@napi-rs/keyring')).AsyncEntry(SERVICE, account, {
      linux: { store: 'secret-service' },
    });
  return {
    async get(account) {
      return (await (await entry(account)).getPassword()) ?? undefined;
    },
    async set(account, secret) {
      await (await entry(account)).setPassword(secret);
    },
    async delete(account) {
      await (await entry(account)).deletePassword();
    },
  };
}
