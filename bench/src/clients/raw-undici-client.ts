import { Pool } from 'undici';
import type { FleetGuest } from '../responder/guest-fleet.js';
import type { BenchTarget } from '../responder/responder-process.js';
import type { BenchClient } from './bench-client.js';

/**
 * The wire's limit: undici's `request` on a keep-alive pool with `JSON.parse` of the body, no validation and no
 * mapping. Whatever a client does beyond this shows up as the gap to it.
 */
export class RawUndiciClient implements BenchClient {
  readonly label = 'raw undici';
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;

  constructor(target: BenchTarget, connections: number) {
    this.pool = new Pool(target.origin, { connections, connect: { ca: target.certificate.cert } });
    this.headers = { authorization: target.authorization };
  }

  /** GETs `path` and parses the JSON body. */
  async getJson(path: string): Promise<unknown> {
    const { statusCode, body } = await this.pool.request({ method: 'GET', path, headers: this.headers });
    if (statusCode !== 200) {
      await body.dump();
      throw new Error(`GET ${path}: HTTP ${statusCode}`);
    }
    return ((await body.json()) as { data: unknown }).data;
  }

  /** The size in bytes of the body `path` answers with. */
  async bodySize(path: string): Promise<number> {
    const { body } = await this.pool.request({ method: 'GET', path, headers: this.headers });
    return (await body.arrayBuffer()).byteLength;
  }

  /** GETs `path` and throws the body away unread: the transport alone. */
  async getDiscard(path: string): Promise<void> {
    const { statusCode, body } = await this.pool.request({ method: 'GET', path, headers: this.headers });
    await body.dump();
    if (statusCode !== 200) throw new Error(`GET ${path}: HTTP ${statusCode}`);
  }

  /** POSTs with an empty form body and parses the JSON answer. */
  async postJson(path: string): Promise<unknown> {
    const { statusCode, body } = await this.pool.request({
      method: 'POST',
      path,
      headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    if (statusCode !== 200) {
      await body.dump();
      throw new Error(`POST ${path}: HTTP ${statusCode}`);
    }
    return ((await body.json()) as { data: unknown }).data;
  }

  /** The guest's status and its config with pending changes, read side by side: the connector's `getGuest` requests. */
  getGuest(guest: FleetGuest): Promise<unknown> {
    const base = `/api2/json/nodes/${guest.node}/${guest.type}/${guest.vmid}`;
    return Promise.all([this.getJson(`${base}/status/current`), this.getJson(`${base}/pending`)]);
  }

  listGuests(): Promise<unknown> {
    return this.getJson('/api2/json/cluster/resources?type=vm');
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
