/**
 * JSON that travels in a Lambda environment variable. Lambda caps all of a function's
 * variables at 4 KB together, and configured SQL sources are long: a value that does not
 * fit as plain JSON goes as `gzip:` + base64 of the gzipped JSON (SQL compresses about
 * four to one). Plain JSON stays plain so the console shows it readably.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export const GZIP_ENV_PREFIX = 'gzip:';
const MAX_GZIP_LEVEL = 9;

/** Plain when `json` is at most `plainLimitBytes`, compressed otherwise. */
export function encodeEnvJson(json: string, plainLimitBytes: number): string {
  if (Buffer.byteLength(json) <= plainLimitBytes) return json;
  return GZIP_ENV_PREFIX + gzipSync(json, { level: MAX_GZIP_LEVEL }).toString('base64');
}

/** The JSON text back, from either form. Throws with a plain reason on a corrupt value. */
export function decodeEnvJson(value: string): string {
  if (!value.startsWith(GZIP_ENV_PREFIX)) return value;
  try {
    return gunzipSync(Buffer.from(value.slice(GZIP_ENV_PREFIX.length), 'base64')).toString('utf8');
  } catch (error) {
    throw new Error(`not valid gzip+base64 after "${GZIP_ENV_PREFIX}": ${(error as Error).message}`);
  }
}
