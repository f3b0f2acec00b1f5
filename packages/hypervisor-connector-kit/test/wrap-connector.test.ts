import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import {
  CONNECTOR_METHOD_NAMES,
  CONNECTOR_METHODS,
  type ConnectorCall,
  type ConnectorMethod,
  defineConnector,
  wrapConnector,
} from '../src/index.js';
import { recording } from './support/recording-implementation.js';

describe('wrapConnector', () => {
  it('passes every contract method through the middleware with its options', async () => {
    const inner = defineConnector(recording().implementation, { extra: true });
    const seen: ConnectorCall[] = [];
    const wrapped = wrapConnector(inner, {
      call: (call, next) => {
        seen.push(call);
        return next();
      },
    });
    const signal = new AbortController().signal;
    expect(wrapped.kind).toBe('lab');
    expect(wrapped.capabilities).toBe(inner.capabilities);
    await wrapped.listGuests({ type: 'vm' }, { signal });
    const op = await wrapped.rebootGuest('vm/1', { signal });
    await wrapped.waitForOperation(op.id, { signal, timeoutMs: 5_000 });
    expect(seen.map((c) => c.method)).toEqual(['listGuests', 'rebootGuest', 'waitForOperation']);
    expect(seen.every((c) => c.options?.signal === signal)).toBe(true);
    expect(seen[0]!.args[0]).toEqual({ type: 'vm' });
    expect('extra' in wrapped).toBe(false);
    await wrapped.close();
    await expect(inner.listNodes()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('wraps every method of the contract', async () => {
    const calls: string[] = [];
    const inner = new Proxy({} as HypervisorConnector, {
      get: (_, property) =>
        property === 'kind'
          ? 'probe'
          : CONNECTOR_METHODS[property as ConnectorMethod]?.kind === 'stream'
            ? () => ({
                [Symbol.asyncIterator]: () => ({
                  next: async () => {
                    calls.push(String(property));
                    return { done: true, value: undefined };
                  },
                }),
              })
            : async () => calls.push(String(property)),
    });
    const wrapped = wrapConnector(inner, {
      call: (call, next) => {
        calls.push(`mw:${call.method}`);
        return next();
      },
    });
    for (const method of CONNECTOR_METHOD_NAMES) {
      const result = (wrapped[method] as (...args: unknown[]) => unknown)('a', 'b', 'c');
      // A stream's establishment is its first `next()`: the middleware sees it then.
      if (CONNECTOR_METHODS[method].kind === 'stream') {
        for await (const _ of result as AsyncIterable<unknown>);
      } else await result;
    }
    expect(calls).toEqual(CONNECTOR_METHOD_NAMES.flatMap((m) => [`mw:${m}`, m]));
  });

  it('lets the middleware change the arguments, answer itself, or wrap close', async () => {
    const lab = recording();
    const inner = defineConnector(lab.implementation);
    let closed = 0;
    const wrapped = wrapConnector(
      inner,
      {
        call: (call, next) => {
          if (call.method === 'listGuests') return next([{ type: 'container' }, call.options]);
          if (call.method === 'listNodes') return Promise.resolve([]);
          return next();
        },
        close: async (next) => {
          closed++;
          await next();
        },
      },
      { label: 'guarded' },
    );
    await wrapped.listGuests();
    expect(await wrapped.listNodes()).toEqual([]);
    expect(lab.calls).toEqual(['listGuests:{"type":"container"}']);
    expect(wrapped.label).toBe('guarded');
    await wrapped[Symbol.asyncDispose]();
    expect(closed).toBe(1);
    expect(lab.closes()).toBe(1);
  });
});
