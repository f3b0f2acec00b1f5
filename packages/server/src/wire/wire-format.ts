import type { HandlerContext } from '@connectrpc/connect';

// The request content types whose answer is binary protobuf: Connect, gRPC and gRPC-Web.
const BINARY_TYPES = new Set([
  'application/proto',
  'application/connect+proto',
  'application/grpc',
  'application/grpc+proto',
  'application/grpc-web',
  'application/grpc-web+proto',
  'application/grpc-web-text',
  'application/grpc-web-text+proto',
]);

/**
 * Whether this call's answer is encoded as binary protobuf. A Connect GET names its encoding in the query; any
 * other call by its content type. False when unsure (a JSON answer is always built the generic way).
 */
export function answersInBinary(ctx: HandlerContext): boolean {
  if (ctx.requestMethod === 'GET') return new URL(ctx.url).searchParams.get('encoding') === 'proto';
  const type = ctx.requestHeader.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  return type !== undefined && BINARY_TYPES.has(type);
}
