import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { buildTrustedCas, shippedRdsCaCount } from '../../lambdas/collector/runtime/trusted-cas.js';
import { selfSignedCert } from '../support/self-signed-cert.js';

describe('trusted CAs of a verified connection', () => {
  it('ship the RDS CA bundle: Amazon RDS root and regional CAs, all parseable', () => {
    // Act
    const cas = buildTrustedCas({});
    // Assess
    const rds = cas.slice(rootCertificates.length);
    expect(rds).toHaveLength(shippedRdsCaCount());
    expect(shippedRdsCaCount()).toBeGreaterThan(100);
    const subjects = rds.map((pem) => new X509Certificate(pem).subject);
    expect(subjects.some((s) => /Amazon RDS .*Root/.test(s))).toBe(true);
    expect(cas.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
  });

  it('keep the CAs of NODE_EXTRA_CA_CERTS (a self-managed server), which an explicit ca list would otherwise drop', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tenantwatch-ca-'));
    const { cert } = selfSignedCert('db.internal');
    const file = join(dir, 'ca.pem');
    writeFileSync(file, cert);
    try {
      // Act
      const cas = buildTrustedCas({ NODE_EXTRA_CA_CERTS: file });
      // Assess
      expect(cas.at(-1)).toBe(cert);
      expect(cas).toHaveLength(rootCertificates.length + shippedRdsCaCount() + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
