import 'reflect-metadata';
import { X509Certificate as NodeCertificate, webcrypto } from 'node:crypto';
import { closeSync, existsSync, readFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import {
  createExclusive,
  ensurePrivateDirectory,
  modeText,
  openTrusted,
  readTrusted,
  UnsafeFile,
} from './private-files.js';

/**
 * faultline's local certificate authority: made once per user, kept private, and used to issue
 * certificates for proxies that terminate TLS with `tls.auto`. Clients trust it explicitly
 * (curl --cacert, NODE_EXTRA_CA_CERTS); nothing is added to a system trust store.
 */

export interface IssuedCertificate {
  /** The leaf certificate followed by the CA's, PEM. */
  cert: string;
  key: string;
}

export interface LocalCa {
  readonly certificatePath: string;
  readonly certificatePem: string;
  /** SHA-256 fingerprint, as openssl x509 -fingerprint -sha256 prints it. */
  readonly fingerprint: string;
  issue(hosts: readonly string[]): Promise<IssuedCertificate>;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const LEAF_DAYS = 30;
const HOUR = 60 * 60 * 1000;
const CERTIFICATE_FILE = 'ca.pem';
const KEY_FILE = 'ca-key.pem';
const WHAT = 'faultline CA directory';
const REMEDY = 'set XDG_CONFIG_HOME or FAULTLINE_CA_DIR to a directory of your own (under sudo, use sudo -H)';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** $FAULTLINE_CA_DIR, else $XDG_CONFIG_HOME/faultline/ca, else ~/.config/faultline/ca. */
export function defaultCaDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAULTLINE_CA_DIR) return env.FAULTLINE_CA_DIR;
  const config = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(config, 'faultline', 'ca');
}

/** Loads the CA from `directory`, creating it the first time; a CA another user could touch is refused. */
export async function openLocalCa(directory = defaultCaDirectory()): Promise<LocalCa> {
  const home = ensurePrivateDirectory(directory, WHAT, REMEDY);
  const certificatePath = join(home, CERTIFICATE_FILE);
  const keyPath = join(home, KEY_FILE);
  if (!existsSync(keyPath)) await createCa(certificatePath, keyPath);
  const certificatePem = readTrusted(certificatePath, 'CA certificate');
  const keyPem = readPrivateKey(keyPath);
  const certificate = new x509.X509Certificate(certificatePem);
  const keys = await importKeys(certificate, keyPem);
  return {
    certificatePath,
    certificatePem,
    fingerprint: new NodeCertificate(certificatePem).fingerprint256,
    issue: (hosts) => issueLeaf(certificate, keys, hosts),
  };
}

async function createCa(certificatePath: string, keyPath: string): Promise<void> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=faultline local CA (${process.env.USER ?? 'uid ' + String(process.getuid?.() ?? '?')})`,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + CA_YEARS * 365 * 24 * HOUR),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  // The key is written first and exclusively: two servers starting at once cannot both make a CA.
  try {
    writeNew(keyPath, x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  writeNew(certificatePath, certificate.toString('pem'), 0o644);
}

async function importKeys(
  certificate: x509.X509Certificate,
  keyPem: string,
): Promise<webcrypto.CryptoKeyPair> {
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(keyPem),
    ALGORITHM,
    false,
    ['sign'],
  );
  return { privateKey, publicKey: await certificate.publicKey.export(ALGORITHM, ['verify']) };
}

async function issueLeaf(
  ca: x509.X509Certificate,
  caKeys: webcrypto.CryptoKeyPair,
  hosts: readonly string[],
): Promise<IssuedCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const names = [...new Set(hosts)].map((host) =>
    isIP(host) === 0 ? { type: 'dns' as const, value: host } : { type: 'ip' as const, value: host },
  );
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${hosts[0] ?? 'localhost'}`,
    issuer: ca.subject,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + LEAF_DAYS * 24 * HOUR),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    cert: `${leaf.toString('pem')}\n${ca.toString('pem')}\n`,
    key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/**
 * The CA's key, which no other user may read either: whoever holds it can issue certificates
 * that every client trusting this CA accepts.
 */
function readPrivateKey(path: string): string {
  const { fd, stats } = openTrusted(path, 'CA key');
  try {
    if ((stats.mode & 0o077) !== 0) {
      throw new UnsafeFile(
        `refused CA key ${path}: other users may read it (mode ${modeText(stats)}), and with it issue certificates your clients trust; run chmod 600 ${path} if no one else read it, else remove the CA directory so a new CA is made (and trust the new one)`,
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function writeNew(path: string, text: string, mode: number): void {
  const fd = createExclusive(path, mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
