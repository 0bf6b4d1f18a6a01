/**
 * Limits a valid config can still run into at synthesis, turned into a message that says
 * what to do instead of a stack trace.
 */
const TOO_MANY_RESOURCES = /Number of resources in stack '([^']+)': (\d+) is greater than allowed maximum of (\d+)/;

export function deploymentLimitMessage(error: unknown): string | undefined {
  const match = error instanceof Error ? TOO_MANY_RESOURCES.exec(error.message) : null;
  if (!match) return undefined;
  const [, stack, count, max] = match;
  return `tenantwatch: stack ${stack} would need ${count} CloudFormation resources; one stack allows ${max}. ` +
    'Each database target adds about 24 (collector, schedule, network rules, alarms) and each health check 1: ' +
    'split the targets across several config files, each with its own stackName, and deploy each one.';
}
