/**
 * Limits a valid config can still run into at synthesis, turned into a message that says
 * what to do instead of a stack trace.
 */
const TOO_MANY_RESOURCES = /Number of resources in stack '([^']+)': (\d+) is greater than allowed maximum of (\d+)/;
/** lib/constructs/notifier.ts: its routing table must fit the Lambda environment. */
const NOTIFIER_ROUTES_TOO_LARGE = /^Notifier: the \d+ alarms routed to Slack\/PagerDuty encode to/;
const SPLIT = 'split the targets across several config files, each with its own stackName, and deploy each one.';

export function deploymentLimitMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const resources = TOO_MANY_RESOURCES.exec(error.message);
  if (resources) {
    const [, stack, count, max] = resources;
    return `tenantwatch: stack ${stack} would need ${count} CloudFormation resources; one stack allows ${max}. ` +
      `Each database target adds about 24 (collector, schedule, network rules, alarms) and each health check 1: ${SPLIT}`;
  }
  if (NOTIFIER_ROUTES_TOO_LARGE.test(error.message)) return `tenantwatch: ${error.message}; or ${SPLIT}`;
  return undefined;
}
