import type { OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { NodeRequest, NodeResponse } from './node-http.js';

/** How the RPC layer words a request message it could not decode (with the parser's own words after it). */
const PARSE_BINARY = 'parse binary:';
/** What the client is told instead: the fault is theirs, and the parser's internals stay on the server. */
export const UNDECODABLE_MESSAGE = 'the request message is not valid protobuf';

/** gRPC-Web trailers frame and Connect end-of-stream frame flags. */
const GRPC_WEB_TRAILERS = 0x80;
const CONNECT_END_STREAM = 0x02;

/**
 * Makes an undecodable protobuf request message end with INVALID_ARGUMENT and a fixed message on every protocol,
 * as it does over Connect JSON. The RPC layer decodes a binary message before any interceptor runs and reports a
 * failure as INTERNAL with the parser's message ("parse binary: premature EOF"), which would blame the server for
 * the client's bytes and show its internals; the answer is corrected on its way out (and a Connect JSON field value the
 * decoder refused is not repeated, as it may be a secret): gRPC trailers, the gRPC-Web
 * trailers frame, the Connect end-of-stream frame, or a Connect unary error body.
 */
export function decodeFailureAsInvalidArgument(req: NodeRequest, res: NodeResponse): void {
  const contentType = req.headers['content-type'] ?? '';
  if (contentType === 'application/proto' || contentType.startsWith('application/json'))
    correctUnaryConnect(res);
  else if (isGrpc(contentType)) {
    if (req.httpVersionMajor === 2) correctGrpcTrailers(res as Http2ServerResponse);
  } else if (contentType.startsWith('application/grpc-web') || contentType === 'application/connect+proto') {
    correctEndFrames(res);
  }
}

function correctGrpcTrailers(h2: Http2ServerResponse): void {
  const addTrailers = h2.addTrailers.bind(h2);
  h2.addTrailers = (headers) => {
    const trailers = headers as Record<string, unknown>;
    const message = trailers['grpc-message'];
    if (trailers['grpc-status'] === '13' && typeof message === 'string' && isParseFailure(message)) {
      addTrailers({
        ...trailers,
        'grpc-status': '3',
        'grpc-message': encodeURIComponent(UNDECODABLE_MESSAGE),
      });
      return;
    }
    addTrailers(headers);
  };
}

/** gRPC-Web trailers and Connect end-of-stream frames leave in one write each; those two are read and corrected. */
function correctEndFrames(res: NodeResponse): void {
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  (res as { write: typeof write }).write = (chunk, ...rest) => write(correctedFrame(chunk) ?? chunk, ...rest);
}

function correctedFrame(chunk: unknown): Buffer | undefined {
  if (!(chunk instanceof Uint8Array) || chunk.byteLength < 5) return undefined;
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const flag = bytes[0]!;
  if (flag !== GRPC_WEB_TRAILERS && flag !== CONNECT_END_STREAM) return undefined;
  if (bytes.readUInt32BE(1) !== bytes.byteLength - 5) return undefined;
  const text = bytes.subarray(5).toString('utf8');
  let corrected: string | undefined;
  if (flag === GRPC_WEB_TRAILERS) {
    const lines = text.split('\r\n');
    const status = lines.find((l) => l.toLowerCase().startsWith('grpc-status:'));
    const message = lines.find((l) => l.toLowerCase().startsWith('grpc-message:'));
    if (status?.split(':')[1]?.trim() === '13' && message && isParseFailure(message.slice(13).trim())) {
      corrected = lines
        .map((l) =>
          l === status
            ? 'grpc-status: 3'
            : l === message
              ? `grpc-message: ${encodeURIComponent(UNDECODABLE_MESSAGE)}`
              : l,
        )
        .join('\r\n');
    }
  } else {
    const end = parseJson(text) as { error?: { code?: string; message?: string } } | undefined;
    if (end?.error?.code === 'internal' && end.error.message?.startsWith(PARSE_BINARY)) {
      corrected = JSON.stringify({
        ...end,
        error: { ...end.error, code: 'invalid_argument', message: UNDECODABLE_MESSAGE },
      });
    }
  }
  if (corrected === undefined) return undefined;
  const payload = Buffer.from(corrected, 'utf8');
  const header = Buffer.alloc(5);
  header[0] = flag;
  header.writeUInt32BE(payload.byteLength, 1);
  return Buffer.concat([header, payload]);
}

/**
 * How the JSON decoder words a field value it refuses: the field's name, then the value itself. The value may be a
 * secret in the wrong type (a cloud-init password sent as a number), so only the name is kept.
 */
const JSON_FIELD_FAILURE = /^(cannot decode field [\w.]+ from JSON): .*$/s;

/** The client's words for a refused JSON field value: its name, never the value. */
function withoutValue(message: string): string | undefined {
  const match = JSON_FIELD_FAILURE.exec(message);
  return match ? `${match[1]}: not a valid value of its type` : undefined;
}

/**
 * A Connect unary error is a 500 (a binary parse failure) or a 400 (a refused JSON value) with a small JSON body: it
 * is held until complete, then corrected.
 */
function correctUnaryConnect(res: NodeResponse): void {
  const writeHead = res.writeHead.bind(res) as (
    status: number,
    headers?: OutgoingHttpHeaders,
  ) => NodeResponse;
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => NodeResponse;
  let held: { status: number; headers: OutgoingHttpHeaders; chunks: Buffer[] } | undefined;
  (res as { writeHead: unknown }).writeHead = (status: number, headers?: OutgoingHttpHeaders) => {
    if (status !== 500 && status !== 400) return writeHead(status, headers);
    // The RPC layer may set the head again before it ends the response: the held body is kept.
    held = { status, headers: headers ?? {}, chunks: held?.chunks ?? [] };
    return res;
  };
  (res as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
    if (!held) return write(chunk, ...rest);
    held.chunks.push(toBuffer(chunk));
    callbackOf(rest)?.();
    return true;
  };
  (res as { end: unknown }).end = (...args: unknown[]) => {
    if (!held) return end(...args);
    const done = callbackOf(args);
    if (args[0] !== undefined && typeof args[0] !== 'function') held.chunks.push(toBuffer(args[0]));
    const body = Buffer.concat(held.chunks);
    const error = parseJson(body.toString('utf8')) as { code?: string; message?: string } | undefined;
    if (error?.code === 'internal' && error.message?.startsWith(PARSE_BINARY)) {
      const corrected = JSON.stringify({ code: 'invalid_argument', message: UNDECODABLE_MESSAGE });
      writeHead(400, { ...held.headers, 'content-length': Buffer.byteLength(corrected) });
      return done ? end(corrected, done) : end(corrected);
    }
    const refused =
      error?.code === 'invalid_argument' && error.message ? withoutValue(error.message) : undefined;
    if (refused !== undefined) {
      const corrected = JSON.stringify({ ...error, message: refused });
      writeHead(400, { ...held.headers, 'content-length': Buffer.byteLength(corrected) });
      return done ? end(corrected, done) : end(corrected);
    }
    writeHead(held.status, held.headers);
    return done ? end(body, done) : end(body);
  };
}

function toBuffer(chunk: unknown): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
}

/** The completion callback among a write's arguments, if any. */
function callbackOf(args: readonly unknown[]): (() => void) | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as () => void) : undefined;
}

/** gRPC proper: `application/grpc` and `application/grpc+...`, not gRPC-Web. */
function isGrpc(contentType: string): boolean {
  return contentType === 'application/grpc' || contentType.startsWith('application/grpc+');
}

function isParseFailure(encodedMessage: string): boolean {
  try {
    return decodeURIComponent(encodedMessage).startsWith(PARSE_BINARY);
  } catch {
    return false;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
