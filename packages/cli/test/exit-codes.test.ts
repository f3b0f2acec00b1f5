import { readFileSync } from 'node:fs';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf } from '../src/exit-codes.js';

describe('exit codes', () => {
  it('are one per kind of failure, as the README documents them', () => {
    const values = Object.values(EXIT);
    expect(new Set(values).size).toBe(values.length);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = [...readme.matchAll(/^\| +(\d+) \| /gm)].map((m) => Number(m[1]));
    expect(table).toEqual([...values].sort((a, b) => a - b));
  });

  it('map every gRPC code of an API error', () => {
    const expected: Array<[Code, number]> = [
      [Code.Canceled, 10],
      [Code.Unknown, 1],
      [Code.InvalidArgument, 3],
      [Code.DeadlineExceeded, 12],
      [Code.NotFound, 6],
      [Code.AlreadyExists, 7],
      [Code.PermissionDenied, 5],
      [Code.ResourceExhausted, 14],
      [Code.FailedPrecondition, 8],
      [Code.Aborted, 9],
      [Code.OutOfRange, 3],
      [Code.Unimplemented, 13],
      [Code.Internal, 1],
      [Code.Unavailable, 11],
      [Code.DataLoss, 1],
      [Code.Unauthenticated, 4],
    ];
    expect(expected.map(([code]) => code).sort((a, b) => a - b)).toEqual(
      Object.values(Code).filter((v): v is Code => typeof v === 'number'),
    );
    for (const [code, exit] of expected)
      expect(exitCodeOf(new ConnectError('x', code)), Code[code]).toBe(exit);
  });
});
