import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One daemon's TLS server certificate. */
export interface ServerCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  /** SHA-256 fingerprint, `AB:CD:...` (the form the kit's fingerprint pinning normalises to). */
  readonly sha256: string;
}

/** The lab's throwaway PKI: a CA, a server certificate per host name, one client certificate. */
export interface LabPki {
  readonly caCertPath: string;
  /** A directory laid out as libvirt's `pkipath` expects: `cacert.pem`, `clientcert.pem`, `clientkey.pem`. */
  readonly clientPkiDir: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  readonly servers: ReadonlyMap<string, ServerCertificate>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = ['-days', '30'];

async function openssl(cwd: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd });
}

/** A key and a certificate signed by the CA in `caDir`, with the extensions given in `extensions`. */
async function issue(
  caDir: string,
  dir: string,
  name: string,
  subject: string,
  extensions: string,
): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(dir, [
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    `${name}key.pem`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    join(caDir, 'cacert.pem'),
    '-CAkey',
    join(caDir, 'cakey.pem'),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    ...DAYS,
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}cert.pem`,
  ]);
}

/**
 * Makes the PKI under `dir` with openssl (EC P-256 keys: fast to generate). Each server certificate names its host,
 * `localhost` and 127.0.0.1, so a client may dial the host name or the loopback address.
 */
export async function makeLabPki(dir: string, hostNames: readonly string[]): Promise<LabPki> {
  const caDir = join(dir, 'ca');
  const clientPkiDir = join(dir, 'client');
  await mkdir(caDir, { recursive: true });
  await mkdir(clientPkiDir, { recursive: true });
  await openssl(caDir, [
    'req',
    '-x509',
    ...EC_KEY,
    ...DAYS,
    '-keyout',
    'cakey.pem',
    '-out',
    'cacert.pem',
    '-subj',
    '/CN=hvc libvirt lab CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const caCertPath = join(caDir, 'cacert.pem');
  await writeFile(join(clientPkiDir, 'cacert.pem'), await readFile(caCertPath));

  const servers = new Map<string, ServerCertificate>();
  const issueServer = async (host: string): Promise<void> => {
    const hostDir = join(dir, host);
    await mkdir(hostDir, { recursive: true });
    await issue(
      caDir,
      hostDir,
      'server',
      `/CN=${host}`,
      `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${host},DNS:localhost,IP:127.0.0.1\n`,
    );
    const certPath = join(hostDir, 'servercert.pem');
    const sha256 = new X509Certificate(await readFile(certPath)).fingerprint256;
    servers.set(host, { certPath, keyPath: join(hostDir, 'serverkey.pem'), sha256 });
  };
  await Promise.all([
    ...hostNames.map(issueServer),
    issue(
      caDir,
      clientPkiDir,
      'client',
      '/CN=hvc-lab-client',
      'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n',
    ),
  ]);
  return {
    caCertPath,
    clientPkiDir,
    clientCertPath: join(clientPkiDir, 'clientcert.pem'),
    clientKeyPath: join(clientPkiDir, 'clientkey.pem'),
    servers,
  };
}
