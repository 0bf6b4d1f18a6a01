/** How the doctor's (and so the collector's) connection to the monitored database is protected. */
import type { ConnectionSettings } from '../../collector/runtime/connection-settings.js';
import { TlsMode, isLoopbackHost, tlsMode } from '../../collector/runtime/tls-mode.js';
import { type CheckResult, pass, warn } from './check.js';

export const TLS_CHECK_ID = 'tls';
const TITLE = 'TLS verifies the server';
const FIX = 'use sslmode=verify-full (config: sslMode verify-full, the default) and trust the server\'s CA: '
  + 'NODE_EXTRA_CA_CERTS=<CA bundle> (RDS: the RDS CA bundle; the deployed collector uses the Lambda runtime\'s /var/runtime/ca-cert.pem)';

export function tlsCheck(settings: ConnectionSettings): CheckResult {
  const mode = tlsMode(settings.ssl);
  if (mode === TlsMode.Verified) return pass(TLS_CHECK_ID, TITLE, `TLS with the server certificate verified (${settings.host})`);
  if (mode === TlsMode.Plain && isLoopbackHost(settings.host)) return pass(TLS_CHECK_ID, TITLE, `no TLS: a loopback connection (${settings.host}), nothing crosses a network`);
  if (mode === TlsMode.Unverified) return warn(TLS_CHECK_ID, TITLE, `TLS without verifying the certificate of ${settings.host}: encrypted, but anyone in the path can impersonate the server`, FIX);
  return warn(TLS_CHECK_ID, TITLE, `no TLS to ${settings.host}: the password and the data cross the network in clear text`, FIX);
}
