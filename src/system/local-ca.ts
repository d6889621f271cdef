import 'reflect-metadata';
import {
  createPrivateKey,
  createPublicKey,
  X509Certificate as NodeCertificate,
  webcrypto,
} from 'node:crypto';
import { closeSync, existsSync, linkSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { removeStaleTemporaries } from './ca-temporaries.js';
import {
  besidePath,
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

/**
 * Loads the CA from `directory`, creating it the first time; a CA another user could touch is refused.
 * Servers started at once may all create it: each file appears whole and only once (see placeOnce),
 * the key first, so every one of them ends with the same key and the certificate made for it.
 */
export async function openLocalCa(directory = defaultCaDirectory()): Promise<LocalCa> {
  const home = ensurePrivateDirectory(directory, WHAT, REMEDY);
  removeStaleTemporaries(home, [KEY_FILE, CERTIFICATE_FILE]);
  const certificatePath = join(home, CERTIFICATE_FILE);
  const keyPath = join(home, KEY_FILE);
  if (!existsSync(keyPath)) placeOnce(keyPath, await newKeyPem(), 0o600);
  const keyPem = readPrivateKey(keyPath);
  const keys = await importKeys(keyPem).catch((error: unknown) => {
    throw unreadable(keyPath, 'a PEM private key', error);
  });
  if (!existsSync(certificatePath)) placeOnce(certificatePath, await selfSignedPem(keys), 0o644);
  const certificatePem = readTrusted(certificatePath, 'CA certificate');
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(certificatePem);
  } catch (error) {
    throw unreadable(certificatePath, 'a PEM certificate', error);
  }
  checkPair(certificatePem, keyPem, certificatePath, keyPath);
  return {
    certificatePath,
    certificatePem,
    fingerprint: new NodeCertificate(certificatePem).fingerprint256,
    issue: (hosts) => issueLeaf(certificate, keys, hosts),
  };
}

async function newKeyPem(): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function selfSignedPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
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
  return certificate.toString('pem');
}

/**
 * Writes `text` to a new file beside `path` and links it there, which fails when `path` exists:
 * the file appears complete or not at all, and when two processes race the first one's stays.
 */
function placeOnce(path: string, text: string, mode: number): void {
  const temporary = besidePath(path);
  writeNew(temporary, text, mode);
  try {
    linkSync(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') writeOnce(path, text, mode);
    else if (code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** A CA file that is not what it should be (written by hand, cut short): say which and what to do. */
function unreadable(path: string, what: string, error: unknown): Error {
  return new Error(
    `${path} cannot be read as ${what} (${(error as Error).message}); remove the CA directory ${dirname(path)} so a new CA is made (and trust the new one)`,
  );
}

/** A certificate put there for another key is refused rather than served with leaves it cannot verify. */
function checkPair(certificatePem: string, keyPem: string, certificatePath: string, keyPath: string): void {
  if (new NodeCertificate(certificatePem).checkPrivateKey(createPrivateKey(keyPem))) return;
  throw new UnsafeFile(
    `the CA certificate ${certificatePath} was not made for the key ${keyPath}; remove both so a new CA is made (and trust the new one)`,
  );
}

async function importKeys(keyPem: string): Promise<webcrypto.CryptoKeyPair> {
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(keyPem),
    ALGORITHM,
    false,
    ['sign'],
  );
  const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, ALGORITHM, true, ['verify']);
  return { privateKey, publicKey };
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

/** For a file system without hard links: exclusive, though a racing reader may see it part-written. */
function writeOnce(path: string, text: string, mode: number): void {
  try {
    writeNew(path, text, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
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
