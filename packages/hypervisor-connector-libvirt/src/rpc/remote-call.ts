import {
  type RemoteProcedureTypes,
  remoteProcedureCodecs,
} from '../protocol/generated/remote-procedures.gen.js';
import { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION } from '../protocol/generated/remote-protocol.gen.js';
import { remoteProcedureName } from './remote-procedure-names.js';
import type { RpcCall } from './rpc-connection.js';

/** A remote procedure number (`RemoteProcedure.REMOTE_PROC_*`). */
export type RemoteProcedureNumber = keyof RemoteProcedureTypes;
/** The call arguments of procedure `P` (`void` when it takes none). */
export type RemoteArgs<P extends RemoteProcedureNumber> = RemoteProcedureTypes[P]['args'];
/** The reply of procedure `P` (`void` when it returns nothing). */
export type RemoteRet<P extends RemoteProcedureNumber> = RemoteProcedureTypes[P]['ret'];

/** A call of the remote program's procedure `P` with its generated codecs. */
export function remoteCall<P extends RemoteProcedureNumber>(
  procedure: P,
  args: RemoteArgs<P>,
): RpcCall<RemoteArgs<P>, RemoteRet<P>> {
  const codecs = remoteProcedureCodecs[procedure];
  return {
    program: REMOTE_PROGRAM,
    version: REMOTE_PROTOCOL_VERSION,
    procedure,
    procedureName: remoteProcedureName(procedure),
    args,
    argsCodec: codecs.args,
    retCodec: codecs.ret,
  };
}
