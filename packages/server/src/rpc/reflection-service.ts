import { type DescFile, type Registry, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import type { ServerReflection as ReflectionV1 } from '../gen/grpc/reflection/v1/reflection_pb.js';
import type { ServerReflection as ReflectionV1Alpha } from '../gen/grpc/reflection/v1alpha/reflection_pb.js';

type Request =
  Parameters<ServiceImpl<typeof ReflectionV1>['serverReflectionInfo']>[0] extends AsyncIterable<infer R>
    ? R
    : never;

/** A file and every file it imports, each once, dependencies first. */
function withDependencies(file: DescFile, seen = new Set<string>()): DescFile[] {
  if (seen.has(file.name)) return [];
  seen.add(file.name);
  return [...file.dependencies.flatMap((dep) => withDependencies(dep, seen)), file];
}

function fileResponse(files: DescFile[]) {
  return {
    case: 'fileDescriptorResponse' as const,
    value: { fileDescriptorProto: files.map((f) => toBinary(FileDescriptorProtoSchema, f.proto)) },
  };
}

function notFound(message: string) {
  return { case: 'errorResponse' as const, value: { errorCode: 5, errorMessage: message } };
}

/**
 * gRPC server reflection (v1, and v1alpha for older clients) over the descriptors in `registry`, listing
 * `services`, so `buf curl` and grpcurl work without the proto files.
 */
export function createReflectionServices(
  registry: Registry,
  files: readonly DescFile[],
  services: readonly string[],
): { v1: ServiceImpl<typeof ReflectionV1>; v1alpha: ServiceImpl<typeof ReflectionV1Alpha> } {
  const byName = new Map(files.flatMap((f) => withDependencies(f)).map((f) => [f.name, f]));

  function answer(req: Request) {
    const request = req.messageRequest;
    switch (request.case) {
      case 'listServices':
        return {
          case: 'listServicesResponse' as const,
          value: { service: services.map((name) => ({ name })) },
        };
      case 'fileByFilename': {
        const file = byName.get(request.value);
        return file ? fileResponse(withDependencies(file)) : notFound(`file ${request.value} not found`);
      }
      case 'fileContainingSymbol': {
        const symbol = request.value;
        // A method's symbol is its service's name plus the method name.
        const desc =
          registry.get(symbol) ?? registry.get(symbol.slice(0, Math.max(0, symbol.lastIndexOf('.'))));
        return desc && desc.kind !== 'extension' && 'file' in desc
          ? fileResponse(withDependencies(desc.file))
          : notFound(`symbol ${symbol} not found`);
      }
      case 'allExtensionNumbersOfType':
        return {
          case: 'allExtensionNumbersResponse' as const,
          value: { baseTypeName: request.value, extensionNumber: [] },
        };
      default:
        return notFound('extensions are not served');
    }
  }

  async function* info(requests: AsyncIterable<Request>) {
    for await (const req of requests) {
      yield { validHost: req.host, originalRequest: req, messageResponse: answer(req) };
    }
  }

  return {
    v1: { serverReflectionInfo: info },
    // v1alpha has the same messages under another package name; the handler answers with plain init objects and
    // reads fields only, which fit both.
    v1alpha: { serverReflectionInfo: info } as unknown as ServiceImpl<typeof ReflectionV1Alpha>,
  };
}
