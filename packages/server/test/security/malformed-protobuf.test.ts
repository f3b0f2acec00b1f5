/**
 * A request body that is not valid protobuf answers INVALID_ARGUMENT with a fixed message over every binary
 * protocol — Connect unary and streaming, gRPC-Web, gRPC — never INTERNAL, never the parser's words. Other errors
 * pass through unchanged.
 */
import { request } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { StartGuestRequestSchema } from '@hvc/client/v1';
import { HypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNDECODABLE_MESSAGE } from '../../src/http/decode-failure-status.js';
import { startStubConnectorServer } from './support/stub-connector-server.js';

/** A field 1 (length-delimited) whose length runs past the end: the decoder's "premature EOF". */
const TRUNCATED = Buffer.from([0x0a, 0xff, 0xff, 0x01]);
/** A wire type that does not exist. */
const BAD_WIRE_TYPE = Buffer.from([0x0f, 0x01]);
const PARSER_WORDS = /parse binary|premature|wire type|EOF|invalid/i;

let server: Awaited<ReturnType<typeof startStubConnectorServer>>;

beforeAll(async () => {
  server = await startStubConnectorServer({
    startGuest: async () => {
      throw new HypervisorError('INTERNAL', 'the hypervisor broke');
    },
  });
});

afterAll(() => server.close());

function envelope(flag: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(body.byteLength, 1);
  return Buffer.concat([head, body]);
}

/** One HTTP/1.1 POST: status, headers and body as text. */
function post(path: string, contentType: string, body: Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${server.token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One gRPC call over h2c: its trailers. */
function grpc(path: string, body: Buffer) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const session = http2Connect(server.url);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: `Bearer ${server.token}`,
    });
    stream.on('trailers', (trailers) => {
      resolve({ ...trailers });
      session.close();
    });
    stream.on('error', reject);
    stream.resume();
    stream.end(envelope(0, body));
  });
}

const START = '/hvc.v1.GuestService/StartGuest';
const WATCH = '/hvc.v1.OperationService/WatchOperation';

describe.each([
  ['a truncated field', TRUNCATED],
  ['a wire type that does not exist', BAD_WIRE_TYPE],
])('%s', (_name, garbage) => {
  it('Connect unary (application/proto): 400 invalid_argument', async () => {
    const res = await post(START, 'application/proto', garbage);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ code: 'invalid_argument', message: UNDECODABLE_MESSAGE });
  });

  it('Connect streaming (application/connect+proto): an end-of-stream invalid_argument', async () => {
    const res = await post(WATCH, 'application/connect+proto', envelope(0, garbage));
    expect(res.status).toBe(200);
    const end = JSON.parse(res.body.slice(5)) as { error: { code: string; message: string } };
    expect(end.error).toEqual({ code: 'invalid_argument', message: UNDECODABLE_MESSAGE });
  });

  it.each([START, WATCH])('gRPC-Web %s: grpc-status 3 in the trailers frame', async (path) => {
    const res = await post(path, 'application/grpc-web+proto', envelope(0, garbage));
    expect(res.body).toContain('grpc-status: 3');
    expect(res.body).toContain(`grpc-message: ${encodeURIComponent(UNDECODABLE_MESSAGE)}`);
    expect(res.body).not.toMatch(/parse%20binary|premature/);
  });

  it('gRPC: grpc-status 3 with the fixed message', async () => {
    const trailers = await grpc(START, garbage);
    expect(trailers['grpc-status']).toBe('3');
    expect(decodeURIComponent(String(trailers['grpc-message']))).toBe(UNDECODABLE_MESSAGE);
    expect(String(trailers['grpc-message'])).not.toMatch(PARSER_WORDS);
  });
});

describe('other errors pass through unchanged', () => {
  const valid = Buffer.from(
    toBinary(
      StartGuestRequestSchema,
      create(StartGuestRequestSchema, { targetId: 'pve-1', guestId: 'qemu/100' }),
    ),
  );

  it('a genuine INTERNAL over Connect unary stays a 500 with the generic message', async () => {
    const res = await post(START, 'application/proto', valid);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ code: 'internal', message: 'internal error' });
  });

  it('a genuine INTERNAL over gRPC-Web and gRPC stays grpc-status 13', async () => {
    const web = await post(START, 'application/grpc-web+proto', envelope(0, valid));
    expect(web.body).toContain('grpc-status: 13');
    expect((await grpc(START, valid))['grpc-status']).toBe('13');
  });
});
