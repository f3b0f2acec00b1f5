import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateProtocol } from '../../scripts/protocol-generator.js';
import { parseXdr } from '../../scripts/xdr/parse.js';
import { remoteProcedureCodecs } from '../../src/protocol/generated/remote-procedures.gen.js';
import { RemoteProcedure } from '../../src/protocol/generated/remote-protocol.gen.js';
import { VIR_NET_MESSAGE_MAX } from '../../src/protocol/generated/virnet-protocol.gen.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const generatedDir = join(root, 'src/protocol/generated');

describe('protocol generator', () => {
  it('matches the committed output (run pnpm --filter @hvc/hypervisor-connector-libvirt generate)', () => {
    const outputs = generateProtocol((file) => readFileSync(join(root, 'protocol', file), 'utf8'));
    const committed = readdirSync(generatedDir).filter((name) => name.endsWith('.ts'));
    expect(committed.sort()).toEqual([...outputs.keys()].sort());
    for (const [name, content] of outputs) {
      const onDisk = readFileSync(join(generatedDir, name), 'utf8');
      expect(
        onDisk === content,
        `${name} differs: run pnpm --filter @hvc/hypervisor-connector-libvirt generate`,
      ).toBe(true);
    }
  });

  it('carries the numbers of libvirt 9.0.0', () => {
    expect(RemoteProcedure.REMOTE_PROC_CONNECT_OPEN).toBe(1);
    expect(RemoteProcedure.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY).toBe(316);
    expect(RemoteProcedure.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED).toBe(363);
    expect(RemoteProcedure.REMOTE_PROC_DOMAIN_FD_ASSOCIATE).toBe(443);
    expect(Object.keys(remoteProcedureCodecs)).toHaveLength(443);
    expect(VIR_NET_MESSAGE_MAX).toBe(33554432);
  });

  it('rejects what it does not understand, naming the file and line', () => {
    expect(() =>
      parseXdr('const A = 1;\nprogram P { version V { void X(void) = 1; } = 1; } = 2;', 'p.x'),
    ).toThrow("p.x:2: unsupported definition 'program'");
    expect(() => parseXdr('struct s { quadruple q; };', 'q.x')).toThrow(
      "q.x:1: unsupported type specifier 'quadruple'",
    );
    expect(() => parseXdr('struct s { int a }', 'r.x')).toThrow("r.x:1: expected ';', found '}'");
  });

  it('parses every declaration form of the XDR subset', () => {
    const source = [
      '%#include "ignored.h"',
      '/* a comment */ const N = 0x10;',
      'enum e { A = 1, B = N };',
      'typedef string s<N>;',
      'typedef opaque u[16];',
      'struct t { unsigned hyper h; int *o; int f[2]; e v<>; opaque b<N>; bool z; float x; double d; };',
      'union w switch (e k) { case A: case B: int i; default: void; };',
    ].join('\n');
    expect(parseXdr(source, 'all.x').map((d) => d.kind)).toEqual([
      'const',
      'enum',
      'typedef',
      'typedef',
      'struct',
      'union',
    ]);
  });
});
