/**
 * `npm run cost`: prints the README's "Monthly CloudWatch cost" table as markdown, for 1
 * and 10 database targets and 100 / 1,000 / 10,000 tenants. The deployment's alarms and
 * dashboards are counted in the CloudFormation template the real stack synthesises.
 */
import { parseDeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { templateCounts } from '../../lambdas/core/cost/index.js';
import { exampleConfig } from '../cdk/support/config.js';
import { synth } from '../cdk/support/synth.js';
import { COST_TARGETS, COST_TENANTS, type CostRow, costRow, measurementFor, renderCostTable, withTargets } from './cost-table.js';
import { readMeasurements } from './measurements.js';

async function main(): Promise<void> {
  const measurements = await readMeasurements();
  const measured = COST_TENANTS.map((tenants) => measurementFor(measurements, tenants));
  const rows: CostRow[] = [];
  for (const targets of COST_TARGETS) {
    const input = withTargets(exampleConfig(), targets);
    const config = parseDeploymentConfig(input, `example config with ${targets} target(s)`);
    const deployed = templateCounts(synth(input as Parameters<typeof synth>[0]).template.toJSON() as Parameters<typeof templateCounts>[0]);
    COST_TENANTS.forEach((tenants, i) => rows.push(costRow(config, deployed, tenants, measured[i]!)));
  }
  console.log(renderCostTable(rows, measured));
}

main().catch((error: unknown) => {
  console.error('cost failed:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
