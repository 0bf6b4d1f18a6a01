/**
 * Structured JSON logging (one line per event, CloudWatch Logs Insights parses the fields).
 * Every line passes through the redactor: secrets registered at runtime (passwords,
 * webhook URLs, routing keys) and credentials inside connection strings never reach a log.
 */
import { redact } from './redact.js';

export const LogLevel = { Debug: 'debug', Info: 'info', Warn: 'warn', Error: 'error' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LineWriter = (line: string) => void;

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function errorFields(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

export function createLogger(options: {
  service: string;
  level?: LogLevel;
  write?: LineWriter;
  fields?: LogFields;
} ): Logger {
  const min = order[options.level ?? LogLevel.Info];
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const base = { service: options.service, ...options.fields };
  const emit = (level: LogLevel, event: string, fields?: LogFields) => {
    if (order[level] < min) return;
    const record: Record<string, unknown> = { level, event, time: new Date().toISOString(), ...base };
    for (const [k, v] of Object.entries(fields ?? {})) record[k] = errorFields(v);
    write(redact(JSON.stringify(record)));
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    child: (fields) => createLogger({ ...options, fields: { ...options.fields, ...fields } }),
  };
}

/** A logger that keeps its lines in memory: for tests and for the local runner's summary. */
export function createMemoryLogger(service = 'test'): Logger & { readonly lines: string[]; records(): Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ service, level: LogLevel.Debug, write: (l) => lines.push(l) });
  return Object.assign(logger, { lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) });
}
