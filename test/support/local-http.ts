/**
 * A local HTTP server on 127.0.0.1 (a free port) that stands in for a remote service in
 * tests: CloudWatch, Secrets Manager, Slack, PagerDuty. It records every request as it
 * arrived on the wire (raw bytes, and the body decoded from gzip/deflate), and lets a test
 * script faults that are served before the handler sees the request:
 *
 * ```ts
 * const server = await startLocalHttpServer(() => ({ status: 200, body: '{}' }));
 * server.inject({ status: 500, body: 'boom' }, 2);    // the next 2 requests get a 500
 * server.inject('hang');                              // the next request is never answered
 * server.inject('reset');                             // the next request's socket is destroyed
 * server.inject({ status: 503 }, Infinity);           // every request from now on
 * await server.refuseConnections();                   // stop listening: ECONNREFUSED
 * await server.acceptConnections();                   // listen again on the same port
 * await server.stop();                                // in afterAll
 * ```
 *
 * Faults queue up in the order injected; each entry serves its count before the next one
 * starts. Faulted requests are recorded too (`outcome` says what they got).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface LocalResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received (still compressed when Content-Encoding says so). */
  readonly wireBody: Buffer;
  /** The body after undoing Content-Encoding. */
  readonly body: Buffer;
  /** Content-Encoding as sent, or undefined for an uncompressed body. */
  readonly contentEncoding: string | undefined;
  readonly receivedAt: Date;
  /** The status answered, or the fault served ('hang', 'reset'); undefined while pending. */
  readonly outcome: number | 'hang' | 'reset' | undefined;
}

/** A scripted answer: a canned response, a function of the request, or a network fault. */
export type Fault = LocalResponse | ((request: RecordedRequest) => LocalResponse) | 'hang' | 'reset';

export type Handler = (request: RecordedRequest) => LocalResponse | Promise<LocalResponse>;

export interface LocalHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order, faulted ones included. */
  readonly requests: readonly RecordedRequest[];
  /** Serve `fault` to the next `times` requests (default 1; Infinity for all of them). */
  inject(fault: Fault, times?: number): void;
  /** Drop every fault not yet served. */
  clearFaults(): void;
  /** Forget the recorded requests. */
  clearRequests(): void;
  /** Stop listening and drop open connections: clients get ECONNREFUSED until acceptConnections(). */
  refuseConnections(): Promise<void>;
  acceptConnections(): Promise<void>;
  stop(): Promise<void>;
}

interface QueuedFault {
  readonly fault: Fault;
  remaining: number;
}

function decodeBody(raw: Buffer, encoding: string | undefined): Buffer {
  if (!encoding || encoding === 'identity') return raw;
  // Encodings apply in the order listed; undo them in reverse.
  let body = raw;
  for (const coding of encoding.split(',').map((c) => c.trim()).reverse()) {
    if (coding === 'gzip') body = gunzipSync(body);
    else if (coding === 'deflate') body = inflateSync(body);
    else if (coding !== 'identity') throw new Error(`unsupported Content-Encoding ${coding}`);
  }
  return body;
}

function send(res: ServerResponse, response: LocalResponse): void {
  res.writeHead(response.status, { ...response.headers });
  res.end(response.body ?? '');
}

export async function startLocalHttpServer(handler: Handler): Promise<LocalHttpServer> {
  const requests: RecordedRequest[] = [];
  const faults: QueuedFault[] = [];
  const sockets = new Set<Socket>();

  const nextFault = (): Fault | undefined => {
    const head = faults[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) faults.shift();
    return head.fault;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const wireBody = Buffer.concat(chunks);
      const contentEncoding = req.headers['content-encoding'];
      let body: Buffer;
      let decodeError: string | undefined;
      try {
        body = decodeBody(wireBody, contentEncoding);
      } catch (error) {
        body = Buffer.alloc(0);
        decodeError = error instanceof Error ? error.message : String(error);
      }
      const record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        wireBody,
        body,
        contentEncoding,
        receivedAt: new Date(),
        outcome: undefined,
      };
      requests.push(record);

      const fault = nextFault();
      if (fault === 'hang') {
        record.outcome = 'hang';
        return; // never answered; the socket is destroyed by refuseConnections() or stop()
      }
      if (fault === 'reset') {
        record.outcome = 'reset';
        req.socket.destroy();
        return;
      }
      if (fault !== undefined) {
        const response = typeof fault === 'function' ? fault(record) : fault;
        record.outcome = response.status;
        send(res, response);
        return;
      }
      if (decodeError !== undefined) {
        record.outcome = 400;
        send(res, { status: 400, body: `cannot decode body: ${decodeError}` });
        return;
      }
      Promise.resolve()
        .then(() => handler(record))
        .then((response) => {
          record.outcome = response.status;
          send(res, response);
        })
        .catch((error: unknown) => {
          record.outcome = 500;
          send(res, { status: 500, body: `test handler failed: ${error instanceof Error ? error.message : String(error)}` });
        });
    });
  };

  const server = createServer(onRequest);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  const port = await listen(0);
  let stopped = false;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    inject(fault, times = 1) {
      if (!(times > 0)) throw new Error(`inject: times must be positive, got ${times}`);
      faults.push({ fault, remaining: times });
    },
    clearFaults() {
      faults.length = 0;
    },
    clearRequests() {
      requests.length = 0;
    },
    refuseConnections: close,
    async acceptConnections() {
      if (stopped) throw new Error('server stopped');
      if (!server.listening) await listen(port);
    },
    async stop() {
      stopped = true;
      await close();
    },
  };
}

// --- AWS JSON protocol helpers, shared by the fake AWS services ---------------------------

export type AwsJsonVersion = '1.0' | '1.1';

/**
 * An AWS JSON error as the service sends it: `__type` in the body and, for services that
 * keep awsQuery-compatible error codes (CloudWatch), the `x-amzn-query-error` header.
 */
export function awsJsonError(
  version: AwsJsonVersion,
  status: number,
  type: string,
  message: string,
  queryError?: { readonly code: string; readonly fault: 'Sender' | 'Receiver' },
): LocalResponse {
  return {
    status,
    headers: {
      'content-type': `application/x-amz-json-${version}`,
      'x-amzn-requestid': randomUUID(),
      ...(queryError ? { 'x-amzn-query-error': `${queryError.code};${queryError.fault}` } : {}),
    },
    body: JSON.stringify({ __type: type, message }),
  };
}

export function awsJsonOk(version: AwsJsonVersion, output: unknown): LocalResponse {
  return {
    status: 200,
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(output),
  };
}

/**
 * Checks what every AWS JSON request carries (SigV4 Authorization, Content-Type, the
 * X-Amz-Target `<service>.<Operation>`) and parses the body: the operation and input, or
 * the error response the service would give.
 */
export function parseAwsJsonRequest(
  request: RecordedRequest,
  version: AwsJsonVersion,
  servicePrefix: string,
): { readonly operation: string; readonly input: Record<string, unknown> } | { readonly error: LocalResponse } {
  if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
    return { error: awsJsonError(version, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token') };
  }
  const contentType = String(request.headers['content-type'] ?? '');
  if (contentType !== `application/x-amz-json-${version}`) {
    return { error: awsJsonError(version, 400, 'SerializationException', `expected Content-Type application/x-amz-json-${version}, got ${contentType}`) };
  }
  const target = String(request.headers['x-amz-target'] ?? '');
  if (!target.startsWith(`${servicePrefix}.`)) {
    return { error: awsJsonError(version, 400, 'UnknownOperationException', `unknown X-Amz-Target ${target}`) };
  }
  try {
    const input = JSON.parse(request.body.toString('utf8')) as unknown;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('body is not a JSON object');
    return { operation: target.slice(servicePrefix.length + 1), input: input as Record<string, unknown> };
  } catch (error) {
    return { error: awsJsonError(version, 400, 'SerializationException', error instanceof Error ? error.message : String(error)) };
  }
}
