/**
 * The Slack webhook URLs and the PagerDuty routing key live in Secrets Manager, read by
 * the collector's cached, redacting SecretReader. A secret may hold the bare value or a
 * JSON object with the value under a known key; this picks the value out and registers
 * it with the log redactor as it stands (trimmed), so it can never reach a log line.
 */
import { registerSecret } from '../core/log/redact.js';
import type { SecretReader } from '../collector/runtime/secrets.js';

export type { SecretReader };

/** Where each secret keeps its value when it is a JSON object. */
export const SecretKeys = {
  SlackWebhook: ['webhookUrl', 'url'],
  PagerDutyRoutingKey: ['routingKey', 'integrationKey'],
} as const;

/** The value: the whole SecretString, or the first of `keys` in a JSON object. Never echoes it. */
export function secretField(secretId: string, raw: string, keys: readonly string[]): string {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{')) {
    if (trimmed === '') throw new Error(`secret ${secretId} is empty`);
    return trimmed;
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    throw new Error(`secret ${secretId} starts with "{" but is not valid JSON`);
  }
  for (const key of keys) {
    const value = (json as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  throw new Error(`secret ${secretId} is a JSON object without a non-empty ${keys.map((k) => `"${k}"`).join(' or ')}`);
}

/** Reads (or, after a refusal, re-reads) a secret and picks its value out. */
export async function readSecretField(
  reader: SecretReader,
  secretId: string,
  keys: readonly string[],
  mode: 'read' | 'refresh' = 'read',
): Promise<string> {
  const raw = mode === 'read' ? await reader.read(secretId) : await reader.refresh(secretId);
  const value = secretField(secretId, raw, keys);
  registerSecret(value);
  return value;
}
