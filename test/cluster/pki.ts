// Throwaway PKI for the test cluster: a CA, serving certificates and a service-account key pair.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CertFiles {
  certPath: string;
  keyPath: string;
}

export interface CaFiles extends CertFiles {
  /** PEM text of the CA certificate, for kubeconfig certificate-authority-data. */
  certPem: string;
}

// Node's crypto cannot issue X.509 certificates, so the openssl CLI does it (installed by build-kube.sh).
async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd, env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('openssl not found on PATH: install it (apt-get install openssl) or run test/cluster/build-kube.sh');
    }
    throw new Error(`openssl ${args[0] ?? ''} failed: ${e.stderr ?? e.message}`);
  }
}

function serial(): string {
  // Positive 64-bit serial; a leading nibble below 8 keeps the DER integer positive.
  return `0x${(randomBytes(1)[0]! & 0x7f).toString(16).padStart(2, '0')}${randomBytes(7).toString('hex')}`;
}

/** Creates a self-signed CA (EC P-256, 10 years) named `${name}.crt` / `${name}.key` in dir. */
export async function createCa(dir: string, name = 'ca', commonName = 'claw-test-ca'): Promise<CaFiles> {
  const cnf = join(dir, `${name}.cnf`);
  await writeFile(
    cnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      'x509_extensions = v3_ca',
      '[dn]',
      `CN = ${commonName}`,
      '[v3_ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  await openssl(
    ['req', '-x509', '-config', cnf, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '3650', '-set_serial', serial()],
    dir,
  );
  return { certPath, keyPath, certPem: await readFile(certPath, 'utf8') };
}

export interface IssueOptions {
  commonName: string;
  ips?: string[];
  dnsNames?: string[];
  /** Defaults to server+client auth, which suits both the apiserver and the fake kubelet. */
  extendedKeyUsage?: string;
}

/** Issues a leaf certificate signed by ca into `${name}.crt` / `${name}.key` in dir. */
export async function issueCert(dir: string, name: string, ca: CertFiles, opts: IssueOptions): Promise<CertFiles> {
  const san = [...(opts.ips ?? []).map((ip) => `IP:${ip}`), ...(opts.dnsNames ?? []).map((d) => `DNS:${d}`)];
  const ext = join(dir, `${name}.ext`);
  const reqCnf = join(dir, `${name}.req.cnf`);
  await writeFile(reqCnf, ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${opts.commonName}`, ''].join('\n'));
  await writeFile(
    ext,
    [
      '[v3]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage = ${opts.extendedKeyUsage ?? 'serverAuth,clientAuth'}`,
      ...(san.length > 0 ? [`subjectAltName = ${san.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  await openssl(
    ['req', '-new', '-config', reqCnf, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', csr],
    dir,
  );
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', serial(),
      '-days', '3650', '-extfile', ext, '-extensions', 'v3', '-out', certPath],
    dir,
  );
  return { certPath, keyPath };
}

/** RSA key pair used to sign and verify service-account tokens. */
export async function createServiceAccountKeys(dir: string): Promise<{ privateKeyPath: string; publicKeyPath: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKeyPath = join(dir, 'sa.key');
  const publicKeyPath = join(dir, 'sa.pub');
  await writeFile(privateKeyPath, privateKey, { mode: 0o600 });
  await writeFile(publicKeyPath, publicKey);
  return { privateKeyPath, publicKeyPath };
}
