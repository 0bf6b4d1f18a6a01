/**
 * One invocation of the collector Lambda handler in a process of its own, configured only
 * by its environment, as in Lambda (TENANTWATCH_SETTINGS, DB_SECRET_ARN, DB_SSLMODE,
 * NODE_EXTRA_CA_CERTS, the SDK's AWS_* variables): what the TLS tests run, because
 * Node.js reads NODE_EXTRA_CA_CERTS only when a process starts. No collector runs (the
 * connection is what is tested); the handler's log lines go to stdout as in Lambda, then
 * one last line with the run's outcome.
 */
import { createLocalSink } from '../../../lambdas/collector/publishers/local-sink.js';
import { createCollectorHandler } from '../../../lambdas/collector/runtime/handler.js';
import { HANDLER_ONCE_OUTCOME, lambdaContext } from './monitor-role.js';

const handler = createCollectorHandler({ collectors: [], sink: () => createLocalSink() });
const result = await handler({}, lambdaContext());
const value = (metric: string) => result.datums.find((d) => d.metric.name === metric)?.value;
process.stdout.write(`${JSON.stringify({
  [HANDLER_ONCE_OUTCOME]: { databaseUp: value('DatabaseUp'), connectionFailures: value('ConnectionFailures'), errors: result.errors.map((e) => e.message) },
})}\n`);
