/**
 * Secret redaction. Values read from Secrets Manager are registered here as soon as they
 * are read; every log line is scrubbed of them. Connection strings lose their password
 * even when nobody registered it.
 */
const secrets = new Set<string>();
/** Shorter strings would redact ordinary words; no real secret is this short. */
const MIN_SECRET_LENGTH = 6;
const REDACTED = '[REDACTED]';
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"]*:)[^@/\s"]*@/gi;

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // A secret may appear JSON-escaped inside a log line.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

/** For tests only: forget registered secrets. */
export function clearRegisteredSecrets(): void {
  secrets.clear();
}
