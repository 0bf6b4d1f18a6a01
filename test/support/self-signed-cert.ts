/**
 * A self-signed X.509 certificate for 127.0.0.1, made at test time with node:crypto alone
 * (no openssl CLI, no fixture files that expire): an EC P-256 key, a minimal DER-encoded
 * v3 certificate with a subjectAltName for the loopback address, signed by its own key.
 */
import { X509Certificate, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const Tag = {
  Integer: 0x02, BitString: 0x03, OctetString: 0x04, Oid: 0x06, Utf8String: 0x0c,
  UtcTime: 0x17, Sequence: 0x30, Set: 0x31, ContextExplicit0: 0xa0, ContextExplicit3: 0xa3, SanIpAddress: 0x87,
} as const;
const Oid = {
  EcdsaWithSha256: '1.2.840.10045.4.3.2',
  CommonName: '2.5.4.3',
  SubjectAltName: '2.5.29.17',
} as const;
const X509_V3 = 2;
const SERIAL_BYTES = 8;
const LONG_FORM = 0x80;
const HIGH_BIT = 0x80;
const OID_BASE = 40;
const BASE128 = 0x80;
const ONE_DAY_MS = 86_400_000;
const PEM_LINE = 64;
const LOOPBACK = [127, 0, 0, 1];

function der(tag: number, content: Buffer): Buffer {
  let length: Buffer;
  if (content.length < LONG_FORM) {
    length = Buffer.from([content.length]);
  } else {
    const bytes: number[] = [];
    for (let n = content.length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    length = Buffer.from([LONG_FORM | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...parts: Buffer[]) => der(Tag.Sequence, Buffer.concat(parts));
const integer = (bytes: Buffer) => der(Tag.Integer, (bytes[0] ?? 0) & HIGH_BIT ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const body = [first * OID_BASE + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift((n & 0x7f) | BASE128);
    body.push(...chunk);
  }
  return der(Tag.Oid, Buffer.from(body));
}

function utcTime(d: Date): Buffer {
  const two = (n: number) => String(n).padStart(2, '0');
  const text = `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`
    + `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return der(Tag.UtcTime, Buffer.from(text, 'ascii'));
}

export interface SelfSignedCert {
  readonly key: string;
  readonly cert: string;
}

export function selfSignedCert(commonName = 'tenantwatch-test'): SelfSignedCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = sequence(der(Tag.Set, sequence(oid(Oid.CommonName), der(Tag.Utf8String, Buffer.from(commonName)))));
  const algorithm = sequence(oid(Oid.EcdsaWithSha256));
  const now = Date.now();
  const subjectAltName = sequence(oid(Oid.SubjectAltName), der(Tag.OctetString, sequence(der(Tag.SanIpAddress, Buffer.from(LOOPBACK)))));
  const tbs = sequence(
    der(Tag.ContextExplicit0, integer(Buffer.from([X509_V3]))),
    integer(randomBytes(SERIAL_BYTES)),
    algorithm,
    name,
    sequence(utcTime(new Date(now - ONE_DAY_MS)), utcTime(new Date(now + ONE_DAY_MS))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(Tag.ContextExplicit3, sequence(subjectAltName)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, algorithm, der(Tag.BitString, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = certificate.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += PEM_LINE) lines.push(base64.slice(i, i + PEM_LINE));
  const cert = `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
  // Fails loudly here, not as a confusing TLS error later, if the encoding were wrong.
  new X509Certificate(cert);
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert };
}
