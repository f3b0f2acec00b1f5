import type { Capabilities } from '@hvc/hypervisor-connector';
import type { z } from 'zod';
import { PvePermissionsSchema } from '../schemas/access.js';
import type { PveClient } from '../transport/pve-client.js';
import { refineCapabilities } from './capabilities.js';
import { absentWhenDenied } from './optional-read.js';

/** How long refined capabilities are trusted before `/access/permissions` is read again. */
const TTL_MS = 60_000;

/**
 * The connector's capabilities narrowed to what its credential's privileges allow, read from `/access/permissions`
 * at most once a minute, so that the gate refuses a call the credential cannot make before anything is sent.
 */
export class RefinedCapabilities {
  /** What the connector supports with this kind of credential, before its privileges are known. */
  readonly base: Capabilities;
  readonly #client: PveClient;
  readonly #token: boolean;
  #refined: { readonly capabilities: Capabilities; readonly at: number } | undefined;

  /** `token`: whether the credential is an API token (some privileges mean less to a token; see the refinement). */
  constructor(client: PveClient, base: Capabilities, token: boolean) {
    this.#client = client;
    this.base = base;
    this.#token = token;
  }

  /** The refined capabilities: at once while fresh, else after reading the permissions again. */
  current(signal: AbortSignal | undefined): Capabilities | Promise<Capabilities> {
    const refined = this.#refined;
    if (refined && Date.now() - refined.at < TTL_MS) return refined.capabilities;
    return this.#client
      .get('/access/permissions', undefined, PvePermissionsSchema, { signal })
      .catch(absentWhenDenied)
      .then((permissions) => this.refine(permissions));
  }

  /**
   * Refines from a permissions read (`describe()` makes one); a credential that may not read its permissions keeps
   * the connector's capabilities.
   */
  refine(permissions: z.output<typeof PvePermissionsSchema> | undefined): Capabilities {
    const capabilities = permissions
      ? refineCapabilities(
          this.base,
          new Set(Object.values(permissions).flatMap((privileges) => Object.keys(privileges))),
          { token: this.#token, rootPrivileges: new Set(Object.keys(permissions['/'] ?? {})) },
        )
      : this.base;
    this.#refined = { capabilities, at: Date.now() };
    return capabilities;
  }
}
