import { describe, expect, it } from 'vitest';
import { GZIP_ENV_PREFIX, decodeEnvJson, encodeEnvJson } from '../../lambdas/core/config/env-json.js';

describe('JSON in a Lambda environment variable', () => {
  it('stays plain when it fits, so the console shows it readably', () => {
    const json = JSON.stringify({ target: 'payroll-prod' });
    expect(encodeEnvJson(json, 100)).toBe(json);
    expect(decodeEnvJson(json)).toBe(json);
  });

  it('is compressed when it does not fit, and decodes to the same text', () => {
    // Prepare
    const json = JSON.stringify({ sql: 'SELECT count(*) FROM app.login_events WHERE NOT success '.repeat(40) });
    // Act
    const encoded = encodeEnvJson(json, 100);
    // Assess
    expect(encoded.startsWith(GZIP_ENV_PREFIX)).toBe(true);
    expect(encoded.length).toBeLessThan(json.length / 4);
    expect(decodeEnvJson(encoded)).toBe(json);
  });

  it('names the problem when the compressed form is corrupt', () => {
    expect(() => decodeEnvJson(`${GZIP_ENV_PREFIX}bm90IGd6aXA=`)).toThrow(/^not valid gzip\+base64 after "gzip:": /);
  });
});
