/**
 * A fake Slack incoming-webhook service on 127.0.0.1, answering the way hooks.slack.com
 * does: `POST /services/<team>/<bot>/<token>` with a JSON body → 200 `ok`; a body that is
 * not JSON → 400 `invalid_payload`; a message with neither text nor attachments → 400
 * `no_text`; an unknown webhook path → 404 `no_service`; another method → 405.
 *
 * ```ts
 * const slack = await startFakeSlack();                // beforeAll
 * const url = slack.webhookUrl('ops');                 // a webhook (the secret)
 * slack.server.inject({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' });
 * slack.messages('ops')                                // JSON bodies accepted on that webhook
 * await slack.stop();                                  // afterAll
 * ```
 */
import { type LocalHttpServer, type LocalResponse, type RecordedRequest, startLocalHttpServer } from './local-http.js';

export interface FakeSlack {
  readonly server: LocalHttpServer;
  /** The webhook URL of a named channel: unguessable like Slack's, so it is a secret. */
  webhookUrl(channel: string): string;
  /** The messages accepted (200) on a channel's webhook, parsed, in arrival order. */
  messages(channel: string): unknown[];
  stop(): Promise<void>;
}

const HTTP_OK = 200;
const text = (status: number, body: string): LocalResponse => ({ status, headers: { 'content-type': 'text/html' }, body });

function webhookPath(channel: string): string {
  // Slack's shape: T + 8, B + 8 and a 24-character token.
  const token = `${channel}XXXXXXXXXXXXXXXXXXXXXXXX`.slice(0, 24);
  return `/services/T0TENANTW/B0${channel.toUpperCase().padEnd(7, '0').slice(0, 7)}/${token}`;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const paths = new Map<string, string>();
  const handle = (request: RecordedRequest): LocalResponse => {
    if (![...paths.values()].includes(request.path)) return text(404, 'no_service');
    if (request.method !== 'POST') return text(405, 'invalid_method');
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return text(400, 'invalid_payload');
    }
    const message = body as { text?: unknown; attachments?: unknown; blocks?: unknown };
    if (typeof message !== 'object' || message === null) return text(400, 'invalid_payload');
    if (!message.text && !message.attachments && !message.blocks) return text(400, 'no_text');
    return text(HTTP_OK, 'ok');
  };
  const server = await startLocalHttpServer(handle);
  const pathOf = (channel: string) => {
    let path = paths.get(channel);
    if (!path) {
      path = webhookPath(channel);
      paths.set(channel, path);
    }
    return path;
  };
  return {
    server,
    webhookUrl: (channel) => `${server.url}${pathOf(channel)}`,
    messages: (channel) => server.requests
      .filter((r) => r.path === pathOf(channel) && r.outcome === HTTP_OK)
      .map((r) => JSON.parse(r.body.toString('utf8')) as unknown),
    stop: () => server.stop(),
  };
}
