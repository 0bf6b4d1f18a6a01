/**
 * The routing table travels to the notifier in one environment variable. Lambda caps all
 * environment variables of a function at 4 KB together, and the plain JSON of one
 * target's routes is already close to that, so the value is gzip + base64 of the JSON
 * (about 40 database targets fit). The CDK construct encodes, the handler decodes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { channels, severities } from '../core/catalog/index.js';
import type { RoutingTable } from '../core/routing/routing-table.js';
import { NotifierEnv } from './env-names.js';

const ROUTES_ENV = NotifierEnv.Routes;

/** Room left in Lambda's 4 KB for the secret ARNs and the other variables. */
export const MAX_ENCODED_ROUTES_LENGTH = 3_000;

const routeSchema = z.strictObject({
  alarmName: z.string().min(1),
  ruleId: z.string().min(1),
  title: z.string().min(1),
  severity: z.enum(severities as [string, ...string[]]),
  channels: z.array(z.enum(channels as [string, ...string[]])),
  runbook: z.string(),
});
const tableSchema = z.array(routeSchema);

export function encodeRoutes(table: RoutingTable): string {
  return gzipSync(JSON.stringify(table), { level: 9 }).toString('base64');
}

export function decodeRoutes(value: string | undefined): RoutingTable {
  if (!value) throw new Error(`${ROUTES_ENV} is not set: the notifier cannot route any alarm`);
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(Buffer.from(value, 'base64')).toString('utf8'));
  } catch (error) {
    throw new Error(`${ROUTES_ENV} is not gzip+base64 JSON: ${(error as Error).message}`);
  }
  const parsed = tableSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${ROUTES_ENV} is not a routing table: ${z.prettifyError(parsed.error)}`);
  return parsed.data as RoutingTable;
}
