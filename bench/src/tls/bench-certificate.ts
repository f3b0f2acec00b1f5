import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** The responder's self-signed certificate, written to files so other processes can trust it too. */
export interface BenchCertificate {
  readonly key: string;
  readonly cert: string;
  /** SHA-256 of the DER certificate, `AB:CD:...`, as `pvenode cert info` shows it. */
  readonly fingerprint: string;
  readonly keyFile: string;
  /** The certificate as a CA bundle file, for clients that take a path. */
  readonly certFile: string;
}

/** Makes a fresh self-signed P-256 certificate for 127.0.0.1 and localhost, like a PVE node's own. */
export async function createBenchCertificate(): Promise<BenchCertificate> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const der = new X509Certificate(pems.cert).raw;
  const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
  const dir = mkdtempSync(join(tmpdir(), 'hvc-bench-'));
  const keyFile = join(dir, 'responder-key.pem');
  const certFile = join(dir, 'responder-cert.pem');
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { key: pems.private, cert: pems.cert, fingerprint, keyFile, certFile };
}
