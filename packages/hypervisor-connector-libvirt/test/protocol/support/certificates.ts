import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway PKI made with openssl: a CA, a server certificate for localhost/127.0.0.1, a client certificate. */
export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Creates the PKI in a temporary directory laid out as libvirt's `pkipath` expects. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'hvc-libvirt-pki-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'cacert.pem',
    '-days',
    '2',
    '-subj',
    '/CN=hvc test CA',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'serverkey.pem',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'cacert.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'servercert.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'clientkey.pem',
    '-out',
    'client.csr',
    '-subj',
    '/CN=hvc client',
  );
  run(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'cacert.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'clientcert.pem',
    '-days',
    '2',
  );
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return {
    dir,
    ca: read('cacert.pem'),
    serverCert: read('servercert.pem'),
    serverKey: read('serverkey.pem'),
    clientCert: read('clientcert.pem'),
    clientKey: read('clientkey.pem'),
  };
}
