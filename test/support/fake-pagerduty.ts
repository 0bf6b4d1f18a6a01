/**
 * A fake PagerDuty Events API v2 on 127.0.0.1: `POST /v2/enqueue`, validated the way
 * events.pagerduty.com validates (routing key of 32 characters that belongs to an
 * integration, event_action, for a trigger a payload with summary ≤ 1024 characters,
 * source and severity, dedup_key ≤ 255), answered 202 with the dedup key, or 400
 * `invalid event` with the errors. It also keeps the incidents the events open and
 * resolve, keyed by dedup_key, so a test can assert the lifecycle.
 *
 * ```ts
 * const pd = await startFakePagerDuty(['R0UT1NGKEY…']);  // beforeAll: the valid routing keys
 * pd.eventsUrl                                             // http://127.0.0.1:<port>/v2/enqueue
 * pd.events()                                              // accepted events, in order
 * pd.incidents.get(dedupKey)                               // 'triggered' | 'resolved'
 * await pd.stop();                                         // afterAll
 * ```
 */
import { randomUUID } from 'node:crypto';
import { type LocalHttpServer, type LocalResponse, type RecordedRequest, startLocalHttpServer } from './local-http.js';

export const PAGERDUTY_ROUTING_KEY_LENGTH = 32;
const MAX_SUMMARY = 1024;
const MAX_DEDUP_KEY = 255;
const HTTP_ACCEPTED = 202;
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);

export type IncidentState = 'triggered' | 'acknowledged' | 'resolved';

export interface FakePagerDuty {
  readonly server: LocalHttpServer;
  readonly eventsUrl: string;
  /** Events answered 202, parsed, in arrival order. */
  events(): Record<string, unknown>[];
  readonly incidents: ReadonlyMap<string, IncidentState>;
  stop(): Promise<void>;
}

const json = (status: number, body: unknown): LocalResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const invalid = (...errors: string[]) => json(400, { status: 'invalid event', message: 'Event object is invalid', errors });

export async function startFakePagerDuty(routingKeys: readonly string[]): Promise<FakePagerDuty> {
  const incidents = new Map<string, IncidentState>();
  const handle = (request: RecordedRequest): LocalResponse => {
    if (request.path !== '/v2/enqueue') return json(404, { status: 'not found' });
    if (request.method !== 'POST') return json(405, { status: 'method not allowed' });
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Malformed JSON'] });
    }
    const errors: string[] = [];
    const key = event.routing_key;
    if (typeof key !== 'string') errors.push("'routing_key' is missing or blank");
    else if (key.length !== PAGERDUTY_ROUTING_KEY_LENGTH) errors.push(`Length of 'routing_key' is incorrect (should be ${PAGERDUTY_ROUTING_KEY_LENGTH} characters)`);
    else if (!routingKeys.includes(key)) errors.push("'routing_key' does not belong to any integration");
    const action = event.event_action;
    if (typeof action !== 'string' || !ACTIONS.has(action)) errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
    const dedup = event.dedup_key;
    if (dedup !== undefined && (typeof dedup !== 'string' || dedup.length > MAX_DEDUP_KEY)) errors.push(`'dedup_key' must be a string of at most ${MAX_DEDUP_KEY} characters`);
    if (action !== 'trigger' && typeof dedup !== 'string') errors.push("'dedup_key' is required for acknowledge and resolve");
    if (action === 'trigger') {
      const payload = event.payload as Record<string, unknown> | undefined;
      if (typeof payload !== 'object' || payload === null) errors.push("'payload' is missing");
      else {
        if (typeof payload.summary !== 'string' || payload.summary.length === 0) errors.push("'payload.summary' is missing or blank");
        else if (payload.summary.length > MAX_SUMMARY) errors.push(`'payload.summary' is longer than ${MAX_SUMMARY} characters`);
        if (typeof payload.source !== 'string' || payload.source.length === 0) errors.push("'payload.source' is missing or blank");
        if (typeof payload.severity !== 'string' || !SEVERITIES.has(payload.severity)) errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
      }
    }
    if (errors.length > 0) return invalid(...errors);
    const dedupKey = typeof dedup === 'string' ? dedup : randomUUID().replace(/-/g, '');
    const state: IncidentState = action === 'trigger' ? 'triggered' : action === 'acknowledge' ? 'acknowledged' : 'resolved';
    // PagerDuty ignores acknowledge/resolve for a key with no open incident.
    if (action === 'trigger' || incidents.has(dedupKey)) incidents.set(dedupKey, state);
    return json(HTTP_ACCEPTED, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  };
  const server = await startLocalHttpServer(handle);
  return {
    server,
    eventsUrl: `${server.url}/v2/enqueue`,
    events: () => server.requests
      .filter((r) => r.outcome === HTTP_ACCEPTED)
      .map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>),
    incidents,
    stop: () => server.stop(),
  };
}
