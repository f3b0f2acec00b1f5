import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterEach, describe, expect, it } from 'vitest';
import {
  desEncryptEcb,
  openRfbConsoleStream,
  type SmallRfbServerOptions,
  serveSmallRfb,
  vncAuthenticationResponse,
} from '../src/console/index.js';

const hex = (value: string) => Uint8Array.from(Buffer.from(value, 'hex'));

describe('DES and VNC authentication', () => {
  // Vectors from `openssl enc -des-ecb -nopad -K <key> -provider legacy -provider default`.
  it.each([
    ['0123456789abcdef', '0000000000000000', 'd5d44ff720683d0d'],
    ['0123456789abcdef', '0123456789abcdef', '56cc09e7cfdc4cef'],
    ['133457799bbcdff1', '0123456789abcdef', '85e813540f0ab405'],
    ['0000000000000000', '0000000000000000', '8ca64de9c1b123a7'],
    ['133457799bbcdff1', '00112233445566778899aabbccddeeff', 'b64cb5acdf11937f902b87a684ba5159'],
    ['0000000000000000', '00112233445566778899aabbccddeeff', '74f4ae777aa431e89ca4757b2414f4d7'],
  ])('encrypts under key %s: %s', (key, plain, cipher) => {
    expect(Buffer.from(desEncryptEcb(hex(key), hex(plain))).toString('hex')).toBe(cipher);
  });

  it('refuses a short key and partial blocks', () => {
    expect(() => desEncryptEcb(new Uint8Array(7), new Uint8Array(8))).toThrow(RangeError);
    expect(() => desEncryptEcb(new Uint8Array(8), new Uint8Array(9))).toThrow(RangeError);
  });

  // The key is the password's bytes, bit-reversed and zero-padded to 8 (`hvc-pass` → 166ec6b40e86cece); the
  // expected responses come from openssl under those keys.
  it.each([
    ['hvc-pass', '000102030405060708090a0b0c0d0e0f', 'de48646ef331d961af2432051d6b357d'],
    ['pw', 'f0e1d2c3b4a5968778695a4b3c2d1e0f', '2da98d37db999213775993c7793e4dee'],
    ['hvc-pass-longer-than-eight', '000102030405060708090a0b0c0d0e0f', 'de48646ef331d961af2432051d6b357d'],
  ])('answers the challenge for password %s', (password, challenge, response) => {
    expect(Buffer.from(vncAuthenticationResponse(password, hex(challenge))).toString('hex')).toBe(response);
  });
});

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.close();
    await once(server, 'close');
  }
});

/** A TCP server on loopback running `handle` for each connection; resolves a connected client socket. */
async function listen(handle: (socket: Socket) => void): Promise<() => Promise<Socket>> {
  const server = createServer((socket) => {
    sockets.push(socket);
    handle(socket);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return async () => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    await once(socket, 'connect');
    return socket;
  };
}

const smallServer = (options: SmallRfbServerOptions) =>
  listen((socket) => {
    void serveSmallRfb(socket, options);
  });

/** Reads exactly `length` bytes from a web stream reader, keeping the remainder for the next call. */
function byteReader(readable: ReadableStream<Uint8Array>) {
  const reader = readable.getReader();
  let pending = Buffer.alloc(0);
  return async (length: number): Promise<Buffer> => {
    while (pending.length < length) {
      const { done, value } = await reader.read();
      if (done) throw new Error('stream ended');
      pending = Buffer.concat([pending, value]);
    }
    const out = pending.subarray(0, length);
    pending = pending.subarray(length);
    return out;
  };
}

describe('openRfbConsoleStream', () => {
  it.each([
    ['None', {}, undefined],
    ['VNC authentication', { password: 'hvc-pass' }, 'hvc-pass'],
  ])(
    'hands over a stream after SecurityResult (%s): ClientInit gets ServerInit and an update',
    async (_, serverOptions, password) => {
      const connectClient = await smallServer({ ...serverOptions, width: 2, height: 1, name: 'tiny' });
      const stream = await openRfbConsoleStream(
        await connectClient(),
        password === undefined ? {} : { password },
      );
      expect(stream.protocol).toBe('vnc');
      expect(stream.rfbVersion).toBe('3.8');
      const writer = stream.writable.getWriter();
      const read = byteReader(stream.readable);
      await writer.write(Uint8Array.of(1)); // ClientInit, shared
      const init = await read(24);
      expect([init.readUInt16BE(0), init.readUInt16BE(2), init[4]]).toEqual([2, 1, 32]);
      expect((await read(init.readUInt32BE(20))).toString()).toBe('tiny');
      await writer.write(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 2, 0, 1)); // FramebufferUpdateRequest
      const update = await read(16);
      expect([update[0], update.readUInt16BE(2), update.readUInt16BE(8), update.readInt32BE(12)]).toEqual([
        0, 1, 2, 0,
      ]);
      expect((await read(8)).every((b) => b === 0)).toBe(true);
      await stream.close();
      await stream.close();
    },
  );

  it('refuses a wrong password as UNAUTHENTICATED without naming it', async () => {
    const connectClient = await smallServer({ password: 'right-pw' });
    const error = await openRfbConsoleStream(await connectClient(), {
      password: 'wrong-pw',
      target: 't1',
    }).catch((e: unknown) => e);
    expect(isHypervisorError(error, 'UNAUTHENTICATED')).toBe(true);
    expect(String((error as Error).message)).toContain('authentication failed');
    expect(JSON.stringify(error)).not.toContain('wrong-pw');
    expect((error as Error).message).not.toContain('wrong-pw');
  });

  it('needs a password when the server offers only VNC authentication', async () => {
    const connectClient = await smallServer({ password: 'pw' });
    const socket = await connectClient();
    await expect(openRfbConsoleStream(socket)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(socket.destroyed).toBe(true);
  });

  /** A scripted server: writes `script` bytes, then records what the client sends. */
  const scripted = (script: Buffer) =>
    listen((socket) => {
      socket.on('error', () => {});
      socket.write(script);
    });

  it('speaks 3.3 when the server does, with the server-chosen type and no SecurityResult for None', async () => {
    const connectClient = await scripted(
      Buffer.concat([Buffer.from('RFB 003.003\n'), Buffer.of(0, 0, 0, 1)]),
    );
    const stream = await openRfbConsoleStream(await connectClient());
    expect(stream.rfbVersion).toBe('3.3');
    await stream.close();
  });

  it('refuses a server offering only other security types as UNSUPPORTED', async () => {
    const connectClient = await scripted(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(2, 19, 16)]));
    await expect(openRfbConsoleStream(await connectClient())).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('19, 16'),
    });
  });

  it('reports the reason of a server that refuses the connection', async () => {
    const reason = Buffer.from('too many clients');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(reason.length);
    const connectClient = await scripted(
      Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(0), length, reason]),
    );
    await expect(openRfbConsoleStream(await connectClient())).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('too many clients'),
    });
  });

  it('refuses a peer that is not RFB, and one that hangs up mid-handshake, as UNAVAILABLE', async () => {
    const http = await scripted(Buffer.from('HTTP/1.1 400\r\n'));
    await expect(openRfbConsoleStream(await http())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const hangUp = await listen((socket) => socket.end(Buffer.from('RFB 003.008\n')));
    await expect(openRfbConsoleStream(await hangUp())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('fails CANCELLED when aborted during a stalled handshake, and TIMEOUT on its own bound', async () => {
    const silent = await scripted(Buffer.alloc(0));
    const controller = new AbortController();
    const pending = openRfbConsoleStream(await silent(), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(openRfbConsoleStream(await silent(), { handshakeTimeoutMs: 1 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });
});
