import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

/** A generated certificate, its key and its SHA-256 fingerprint. */
export interface FakeCertificate {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by `:` (as `pvenode cert info` shows it). */
  readonly fingerprint: string;
}

/**
 * Generates a self-signed certificate for the fake's host (also valid as its own CA, so clients
 * can either trust it via `ca` or pin its fingerprint). EC P-256 keeps generation fast.
 */
export async function generateCertificate(host: string): Promise<FakeCertificate> {
  const altNames = [
    { type: 2 as const, value: 'localhost' },
    { type: 7 as const, ip: '127.0.0.1' },
    { type: 7 as const, ip: '::1' },
    isIP(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host },
  ];
  const now = Date.now();
  const result = await generate(
    [
      { name: 'commonName', value: host },
      { name: 'organizationName', value: 'PVE Cluster Node' },
    ],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - 86_400_000),
      notAfterDate: new Date(now + 2 * 365 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    },
  );
  return {
    cert: result.cert,
    key: result.private,
    fingerprint: new X509Certificate(result.cert).fingerprint256,
  };
}
