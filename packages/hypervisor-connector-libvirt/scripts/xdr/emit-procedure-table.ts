import type { XdrDefinition } from './ast.js';
import { ImportSet } from './emit-module.js';
import { pascalName, type SymbolTable } from './symbols.js';

/** What the procedure table is built from: the procedure enum and the program's naming convention. */
export interface ProcedureTableSpec {
  /** The enum of procedure numbers, e.g. `remote_procedure`. */
  readonly enumName: string;
  /** The prefix of its members, e.g. `REMOTE_PROC_`. */
  readonly memberPrefix: string;
  /** The prefix of the payload structs, e.g. `remote_`: `remote_<proc>_args`, `_ret` and `_msg`. */
  readonly structPrefix: string;
  /** The generated module that holds the types, e.g. `remote-protocol.gen`. */
  readonly typesModule: string;
  /** Prefix of the exported names, e.g. `Remote` → `RemoteProcedureTypes`, `remoteProcedureCodecs`. */
  readonly exportPrefix: string;
}

/**
 * Emits the table procedure number → payload types and codecs, following libvirt's naming convention (the one
 * its `gendispatch.pl` relies on): procedure `REMOTE_PROC_FOO_BAR` sends `remote_foo_bar_args`, replies
 * `remote_foo_bar_ret` and, for events, carries `remote_foo_bar_msg`; a missing struct means `void`. A payload
 * struct that matches no procedure is an error, so a renamed procedure cannot lose its types silently.
 */
export function emitProcedureTable(
  spec: ProcedureTableSpec,
  definitions: readonly XdrDefinition[],
  symbols: SymbolTable,
): string {
  const procedures = definitions.find(
    (definition): definition is XdrDefinition & { kind: 'enum' } =>
      definition.kind === 'enum' && definition.name === spec.enumName,
  );
  if (procedures === undefined) throw new Error(`enum ${spec.enumName} not found`);
  const structs = new Set(
    definitions.filter((definition) => definition.kind === 'struct').map((definition) => definition.name),
  );
  const payloadPattern = new RegExp(`^${spec.structPrefix}(.+)_(args|ret|msg)$`);
  const unclaimed = new Set([...structs].filter((name) => payloadPattern.test(name)));
  const imports = new ImportSet();
  imports.add('../procedure-codecs.js', 'ProcedureCodecs', 'type');
  imports.add('../xdr/xdr-codec.js', 'voidCodec', 'value');
  imports.add(`./${spec.typesModule}.js`, pascalName(spec.enumName), 'type');

  const types: string[] = [];
  const codecs: string[] = [];
  for (const member of procedures.members) {
    if (!member.name.startsWith(spec.memberPrefix))
      throw new Error(`${member.name} lacks ${spec.memberPrefix}`);
    const number = symbols.resolve(member.value);
    const base = spec.structPrefix + member.name.slice(spec.memberPrefix.length).toLowerCase();
    const part = (suffix: 'args' | 'ret' | 'msg'): { type: string; codec: string } => {
      const struct = `${base}_${suffix}`;
      if (!structs.has(struct)) return { type: 'void', codec: 'voidCodec' };
      unclaimed.delete(struct);
      const type = pascalName(struct);
      imports.add(`./${spec.typesModule}.js`, type, 'type');
      imports.add(`./${spec.typesModule}.js`, `${type}Codec`, 'value');
      return { type, codec: `${type}Codec` };
    };
    const args = part('args');
    const ret = part('ret');
    const msg = part('msg');
    types.push(
      `  /** ${member.name} */`,
      `  ${number}: { readonly args: ${args.type}; readonly ret: ${ret.type}; readonly msg: ${msg.type} };`,
    );
    codecs.push(`  ${number}: { args: ${args.codec}, ret: ${ret.codec}, msg: ${msg.codec} },`);
  }
  if (unclaimed.size > 0) {
    throw new Error(`payload structs matching no procedure: ${[...unclaimed].sort().join(', ')}`);
  }
  const typesName = `${spec.exportPrefix}ProcedureTypes`;
  const codecsName = `${spec.exportPrefix[0]!.toLowerCase()}${spec.exportPrefix.slice(1)}ProcedureCodecs`;
  return [
    ...imports.render(),
    '',
    `/** The payload types of every ${spec.memberPrefix}* procedure: call arguments, reply, event message. */`,
    `export interface ${typesName} {`,
    ...types,
    '}',
    '',
    `/** The codecs of every procedure's payloads, by procedure number (\`void\` where there is none). */`,
    `export const ${codecsName}: {`,
    `  readonly [P in ${pascalName(spec.enumName)}]: ProcedureCodecs<${typesName}[P]>;`,
    '} = {',
    ...codecs,
    '};',
  ].join('\n');
}
