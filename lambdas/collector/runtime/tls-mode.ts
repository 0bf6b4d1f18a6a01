/**
 * What a connection's TLS settings protect against, in one word, and a warning when they
 * do not verify the server. Verification is the default (sslMode verify-full); turning it
 * off takes an explicit setting (config `sslMode: require|disable`, DB_SSLMODE, a URL's
 * `sslmode`), and then every execution environment says so once in its log: without
 * verification, whoever sits between the collector and the database can read the
 * monitoring role's password and everything the collector reads.
 */
import type { Logger } from '../../core/log/logger.js';
import type { ConnectionSettings } from './connection-settings.js';

export const TlsMode = {
  /** TLS, and the server's certificate is checked against the trusted CAs and its host name. */
  Verified: 'verified',
  /** TLS without checking the certificate: encrypted, but not authenticated. */
  Unverified: 'unverified',
  /** No TLS at all. */
  Plain: 'plain',
} as const;
export type TlsMode = (typeof TlsMode)[keyof typeof TlsMode];

export function tlsMode(ssl: ConnectionSettings['ssl']): TlsMode {
  if (ssl === undefined || ssl === false) return TlsMode.Plain;
  return ssl.rejectUnauthorized ? TlsMode.Verified : TlsMode.Unverified;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|::1)$/i;

/** A connection to this machine never crosses a network: TLS would protect nothing. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOST.test(host);
}

export const TLS_WARNING_EVENT = 'tls_not_verified';

const RISK: Readonly<Record<Exclude<TlsMode, 'verified'>, string>> = {
  [TlsMode.Unverified]: 'encrypted, but the server certificate is not checked: a machine in the path can impersonate the database and read the password and the data',
  [TlsMode.Plain]: 'not encrypted: the password and the data cross the network in clear text',
};

/**
 * Whether a connection deserves the warning: TLS whose verification was turned off always
 * (someone chose it), no TLS unless the database is on this machine (the local demo).
 */
export function tlsNeedsWarning(settings: ConnectionSettings): boolean {
  const mode = tlsMode(settings.ssl);
  return mode === TlsMode.Unverified || (mode === TlsMode.Plain && !isLoopbackHost(settings.host));
}

/**
 * A function to call with the settings of every connection it opens; it logs a warning
 * the first time each database (`what`) is reached in a way tlsNeedsWarning() flags,
 * once per execution environment.
 */
export function tlsWarnings(log: Logger): (what: string, settings: ConnectionSettings) => void {
  const warned = new Set<string>();
  return (what, settings) => {
    if (!tlsNeedsWarning(settings) || warned.has(what)) return;
    const mode = tlsMode(settings.ssl) as Exclude<TlsMode, 'verified'>;
    warned.add(what);
    log.warn(TLS_WARNING_EVENT, {
      database: what,
      host: settings.host,
      tls: mode,
      risk: RISK[mode],
      fix: 'use sslMode verify-full (the default) and trust the server\'s CA (RDS: NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem, set by the stack)',
    });
  };
}

/** Node.js's codes for a server certificate that failed verification. */
const CERTIFICATE_REJECTED: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class CertificateRejectedError extends Error {
  override readonly name = 'CertificateRejectedError';
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/**
 * A certificate verification failure in words that say what happened and what to do
 * (undefined for any other error). The connection was refused by us, not by the server.
 */
export function certificateRejected(error: unknown, host: string): CertificateRejectedError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !CERTIFICATE_REJECTED.has(code)) return undefined;
  const reason = error instanceof Error ? error.message : code;
  return new CertificateRejectedError(
    `TLS: the server certificate of ${host} was rejected (${code}: ${reason}); tenantwatch verifies it by default. `
    + 'Trust the CA that signed it (RDS and Aurora: the Amazon CAs, NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem as the stack sets it; '
    + 'elsewhere NODE_EXTRA_CA_CERTS=<your CA bundle>), or, knowingly, set sslMode require (encrypted, not verified)',
    code,
  );
}
