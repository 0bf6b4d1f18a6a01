/**
 * The Slack webhook URLs and the PagerDuty routing key, read from Secrets Manager, cached
 * for the life of the execution environment (bounded by a TTL so a rotation is picked up)
 * and registered with the log redactor the moment they are read. A secret may hold the
 * bare value or a JSON object with the value under a known key.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { registerSecret } from '../core/log/redact.js';

/** Reads the SecretString of a secret by ARN (or name). */
export type SecretFetcher = (secretId: string) => Promise<string>;

export function secretsManagerFetcher(client: SecretsManagerClient): SecretFetcher {
  return async (secretId) => {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (output.SecretString === undefined) {
      throw new Error(`secret ${secretId} has no SecretString (binary secrets are not supported)`);
    }
    return output.SecretString;
  };
}

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

export interface SecretCache {
  get(secretId: string, keys: readonly string[]): Promise<string>;
  /** Reads the secret again (after the service refused it), updating the cache. */
  refresh(secretId: string, keys: readonly string[]): Promise<string>;
}

/** Long enough to spare Secrets Manager a call per alarm, short enough to follow a rotation. */
export const SECRET_TTL_MS = 15 * 60 * 1000;

export function secretCache(fetcher: SecretFetcher, options: { ttlMs?: number; now?: () => number } = {}): SecretCache {
  const ttlMs = options.ttlMs ?? SECRET_TTL_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { readonly value: Promise<string>; readonly readAt: number }>();

  const read = (secretId: string, keys: readonly string[]): Promise<string> => {
    const value = fetcher(secretId).then((raw) => {
      registerSecret(raw);
      const field = secretField(secretId, raw, keys);
      registerSecret(field);
      return field;
    });
    const entry = { value, readAt: now() };
    entries.set(secretId, entry);
    // A failed read is not cached: the next delivery (or the retried invocation) tries again.
    value.catch(() => {
      if (entries.get(secretId) === entry) entries.delete(secretId);
    });
    return value;
  };

  return {
    get(secretId, keys) {
      const entry = entries.get(secretId);
      if (entry && now() - entry.readAt < ttlMs) return entry.value;
      return read(secretId, keys);
    },
    refresh: read,
  };
}
