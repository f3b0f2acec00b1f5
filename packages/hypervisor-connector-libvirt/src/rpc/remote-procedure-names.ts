import { RemoteProcedure } from '../protocol/generated/remote-protocol.gen.js';

let names: Map<number, string> | undefined;

/** The name of a remote procedure, e.g. `REMOTE_PROC_DOMAIN_GET_INFO`, for messages and error details. */
export function remoteProcedureName(procedure: number): string {
  names ??= new Map(Object.entries(RemoteProcedure).map(([name, value]) => [value, name]));
  return names.get(procedure) ?? `REMOTE_PROC_${procedure}`;
}
