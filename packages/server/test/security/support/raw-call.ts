import { request as http1Request, type OutgoingHttpHeaders } from 'node:http';
import { type ClientHttp2Session, connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { fromJson, type JsonValue, toBinary } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import {
  GuestService,
  MemberService,
  OperationService,
  SnapshotService,
  TargetService,
} from '@hvc/client/v1';

/** The two wire protocols every case runs over. */
export type Protocol = 'connect' | 'grpc';
export const PROTOCOLS: readonly Protocol[] = ['connect', 'grpc'];

/** What a call came back with, on the wire. */
export interface Outcome {
  /** HTTP status. */
  readonly status: number;
  /** `ok`, or the RPC code in snake case (`unauthenticated`, `permission_denied`, ...). */
  readonly code: string;
  readonly wwwAuthenticate?: string;
  /** The response body (Connect) or grpc-message (gRPC), for leak checks. */
  readonly text: string;
  /** The decoded JSON body of a successful Connect call. */
  readonly json?: Record<string, unknown>;
}

/** A raw request: headers exactly as given (arrays send the header several times), the message as JSON. */
export interface RawCall {
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** The request message in its JSON form (default `{}`). */
  readonly message?: JsonValue;
  /** A raw body instead of `message` (Connect: the JSON text; gRPC: the message bytes, unframed). */
  readonly body?: string | Buffer;
  /** The query string, with `?`. */
  readonly query?: string;
}

const SERVICES = [TargetService, GuestService, SnapshotService, OperationService, MemberService];

function methodOf(path: string) {
  const [, service, name] = path.split('/');
  const svc = SERVICES.find((s) => s.typeName === service);
  const method = svc?.methods.find((m) => m.name === name);
  if (!method) throw new Error(`unknown method ${path}`);
  return method;
}

const snake = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/** Every code, so outcomes can be compared by name over both protocols. */
export function codeName(code: Code): string {
  return snake(Code[code]);
}

/** Raw calls over HTTP/1.1 (Connect JSON) and h2c (gRPC) against one server, with one shared h2 session. */
export interface RawClient {
  call(protocol: Protocol, path: string, call?: RawCall): Promise<Outcome>;
  close(): void;
}

/** A {@link RawClient} for the server at `url`. */
export function createRawClient(url: string): RawClient {
  let session: ClientHttp2Session | undefined;
  const h2 = () => {
    if (!session || session.closed || session.destroyed) {
      const created = http2Connect(url);
      created.on('error', () => {});
      created.on('goaway', () => {
        if (session === created) session = undefined;
      });
      session = created;
    }
    return session;
  };

  function connectCall(path: string, call: RawCall): Promise<Outcome> {
    const body = call.body ?? JSON.stringify(call.message ?? {});
    return new Promise((resolve, reject) => {
      const req = http1Request(`${url}${path}${call.query ?? ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...call.headers } as OutgoingHttpHeaders,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          const status = res.statusCode ?? 0;
          const code = status === 200 ? 'ok' : typeof json?.code === 'string' ? json.code : `http_${status}`;
          resolve({
            status,
            code,
            text,
            ...(status === 200 && json ? { json } : {}),
            ...(res.headers['www-authenticate'] ? { wwwAuthenticate: res.headers['www-authenticate'] } : {}),
          });
        });
      });
      req.end(body);
    });
  }

  function grpcCall(path: string, call: RawCall): Promise<Outcome> {
    const bytes =
      call.body !== undefined
        ? Buffer.from(call.body)
        : Buffer.from(toBinary(methodOf(path).input, fromJson(methodOf(path).input, call.message ?? {})));
    const frame = Buffer.alloc(5 + bytes.length);
    frame.writeUInt32BE(bytes.length, 1);
    bytes.copy(frame, 5);
    return new Promise((resolve, reject) => {
      const stream = h2().request({
        ':method': 'POST',
        ':path': `${path}${call.query ?? ''}`,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...(call.headers as Record<string, string>),
      });
      let status = 0;
      let www: string | undefined;
      let grpcStatus: string | undefined;
      let grpcMessage = '';
      const chunks: Buffer[] = [];
      const take = (headers: Record<string, unknown>) => {
        if (headers['grpc-message'] !== undefined)
          grpcMessage = decodeURIComponent(String(headers['grpc-message']));
        if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
      };
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
        if (headers['www-authenticate']) www = String(headers['www-authenticate']);
        take(headers);
      });
      stream.on('trailers', take);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      // The server's end of the stream is the answer, even when it answered before reading a large request: then
      // our side still has unsent data, and the stream is reset. A stream whose request was all sent is left to
      // close by itself: the server's HTTP/2 layer drops the whole session after a burst of 1,000 resets.
      const done = () => {
        if (!stream.writableFinished) stream.destroy();
        const code =
          grpcStatus === undefined
            ? `http_${status}`
            : grpcStatus === '0'
              ? 'ok'
              : codeName(Number(grpcStatus) as Code);
        resolve({
          status,
          code,
          text: `${grpcMessage}\n${Buffer.concat(chunks).toString('latin1')}`,
          ...(www ? { wwwAuthenticate: www } : {}),
        });
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.end(frame);
    });
  }

  return {
    call: (protocol, path, call = {}) =>
      protocol === 'connect' ? connectCall(path, call) : grpcCall(path, call),
    close: () => session?.close(),
  };
}

/** An HPACK integer with an `n`-bit prefix (RFC 7541 §5.1). */
function hpackInt(value: number, prefixBits: number, flags = 0): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/**
 * Sends one HTTP/2 request whose header list repeats fields (Node's HTTP/2 client refuses to send a second
 * `authorization`), hand-encoded as HPACK literals, and resolves with the response's `:status` when the server
 * encodes it from the static table (200, 204, 206, 304, 400, 404, 500), else -1.
 */
export function h2StatusWithHeaders(
  url: string,
  path: string,
  fields: ReadonlyArray<readonly [string, string]>,
): Promise<number> {
  const { hostname, port } = new URL(url);
  const literal = (name: string, value: string) => [
    0x00,
    ...hpackInt(name.length, 7),
    ...Buffer.from(name, 'latin1'),
    ...hpackInt(Buffer.byteLength(value, 'latin1'), 7),
    ...Buffer.from(value, 'latin1'),
  ];
  const block = Buffer.from([
    0x83, // :method POST
    0x86, // :scheme http
    ...[0x04, ...hpackInt(path.length, 7), ...Buffer.from(path, 'latin1')], // :path
    ...[0x01, ...hpackInt(hostname.length, 7), ...Buffer.from(hostname, 'latin1')], // :authority
    ...fields.flatMap(([name, value]) => literal(name, value)),
  ]);
  const frame = (type: number, flags: number, stream: number, payload: Buffer) => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(stream, 5);
    return Buffer.concat([head, payload]);
  };
  const STATIC: Record<number, number> = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 };
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(port), hostname);
    let data = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('close', () => resolve(-1));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      while (data.length >= 9) {
        const length = data.readUIntBE(0, 3);
        if (data.length < 9 + length) break;
        const type = data[3]!;
        const stream = data.readUInt32BE(5) & 0x7fffffff;
        const payload = data.subarray(9, 9 + length);
        data = data.subarray(9 + length);
        if (type === 0x1 && stream === 1) {
          const first = payload[0]!;
          resolve(first & 0x80 ? (STATIC[first & 0x7f] ?? -1) : -1);
          socket.destroy();
          return;
        }
      }
    });
    socket.write(
      Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
        frame(0x4, 0, 0, Buffer.alloc(0)),
        frame(0x1, 0x5, 1, block),
      ]),
    );
  });
}
