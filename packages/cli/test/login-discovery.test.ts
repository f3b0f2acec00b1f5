import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHvc } from '../src/run-hvc.js';
import { memoryIo } from './support/memory-io.js';

// What `hvc login` says when the server cannot tell it where to log in.

let server: Server;
let url: string;
/** What the stub answers at /.well-known/hvc. */
let discovery: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/.well-known/hvc') return void res.writeHead(404).end();
    res
      .writeHead(discovery.status, { 'content-type': 'application/json' })
      .end(JSON.stringify(discovery.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function login(): Promise<{ code: number; stderr: string }> {
  const { io, stderr } = memoryIo({ HVC_CONFIG_DIR: '/nonexistent/hvc', HVC_KEYCHAIN: 'off' });
  const code = await runHvc(['login', '--server', url], io);
  return { code, stderr: stderr() };
}

describe('hvc login without a usable login at the server', () => {
  it('says to use a token when the server publishes no login client (the demo, service tokens only)', async () => {
    discovery = { status: 200, body: { apiVersion: 'hvc.v1' } };
    expect(await login()).toEqual({
      code: 4,
      stderr:
        `error: ${url} offers no interactive login\n` +
        'log in with a token instead: hvc login --with-token < token.txt (or set HVC_TOKEN)\n',
    });
  });

  it('asks whether it is an hvc-server at all when there is no discovery document', async () => {
    discovery = { status: 404, body: {} };
    expect(await login()).toEqual({
      code: 6,
      stderr: `error: ${url}/.well-known/hvc answered HTTP 404: is ${url} an hvc-server?\n`,
    });
  });

  it('refuses an issuer that is not https off this machine', async () => {
    discovery = {
      status: 200,
      body: {
        apiVersion: 'hvc.v1',
        login: { issuer: 'http://login.example.com', clientId: 'hvc-cli', audience: 'a' },
      },
    };
    expect(await login()).toEqual({
      code: 1,
      stderr:
        'error: the issuer http://login.example.com does not use https; refusing to send credentials to it\n',
    });
  });
});
