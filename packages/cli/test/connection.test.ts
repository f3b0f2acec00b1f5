import { describe, expect, it } from 'vitest';
import { CliError } from '../src/cli-error.js';
import type { HvcConfig } from '../src/config/config-file.js';
import { normalizeServer, resolveConnection } from '../src/config/connection.js';

const CONFIG: HvcConfig = {
  currentContext: 'prod',
  contexts: {
    prod: { server: 'https://hvc.example/', organization: 'acme', protocol: 'connect' },
    lab: { server: 'http://127.0.0.1:8080', organization: 'lab' },
  },
};

describe('which server and organisation a command uses', () => {
  it('takes the current context', () => {
    expect(resolveConnection({}, CONFIG)).toEqual({
      server: 'https://hvc.example',
      organization: 'acme',
      protocol: 'connect',
      contextName: 'prod',
    });
  });

  it('lets --context pick another, and --org override its organisation', () => {
    expect(resolveConnection({ context: 'lab', org: 'other' }, CONFIG)).toEqual({
      server: 'http://127.0.0.1:8080',
      organization: 'other',
      protocol: 'grpc',
      contextName: 'lab',
    });
  });

  it("applies a context's organisation and protocol to its own server only", () => {
    expect(resolveConnection({ server: 'https://elsewhere.example' }, CONFIG)).toEqual({
      server: 'https://elsewhere.example',
      protocol: 'grpc',
    });
    expect(resolveConnection({ server: 'https://hvc.example' }, CONFIG)).toMatchObject({
      organization: 'acme',
    });
  });

  it('refuses an unknown context, no server at all, and a URL that is not http(s)', () => {
    expect(() => resolveConnection({ context: 'nope' }, CONFIG)).toThrow('no context named "nope"');
    const none = (() => {
      try {
        resolveConnection({}, { contexts: {} });
      } catch (error) {
        return error;
      }
    })() as CliError;
    expect(none).toBeInstanceOf(CliError);
    expect(none.exitCode).toBe(2);
    expect(none.hint).toContain('hvc login --server URL');
    expect(() => normalizeServer('ftp://hvc.example')).toThrow('not an http(s) URL');
    expect(() => normalizeServer('hvc.example')).toThrow('not a URL');
  });

  it('keys a server without a trailing slash, keeping a path prefix', () => {
    expect(normalizeServer('https://hvc.example/')).toBe('https://hvc.example');
    expect(normalizeServer('https://proxy.example/hvc/')).toBe('https://proxy.example/hvc');
  });
});
