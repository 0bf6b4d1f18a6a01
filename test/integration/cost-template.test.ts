/**
 * The cost table counts alarms and dashboards in the template the real stack synthesises.
 * Cross-check: that count is the routing plan's alarms (the catalog rules, one per scope
 * instance) plus the notifier's own two, and the dashboards are three per target plus
 * the API one; more targets add exactly their share.
 */
import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { type AlarmUnits, alarmUnitsOfRule, templateCounts } from '../../lambdas/core/cost/index.js';
import { planAlarms } from '../../lambdas/core/routing/build-routing-table.js';
import { exampleConfig } from '../cdk/support/config.js';
import { synth } from '../cdk/support/synth.js';
import { withTargets } from '../bench/cost-table.js';

/** lib/constructs/notifier.ts: delivery errors and dead letters, one metric each. */
const NOTIFIER_ALARMS: readonly AlarmUnits[] = [{ metrics: 1, highResolution: false }, { metrics: 1, highResolution: false }];
const DASHBOARDS_PER_TARGET = 3;
const DEPLOYMENT_DASHBOARDS = 1;

const byUnits = (alarms: readonly AlarmUnits[]) => alarms.map((a) => `${a.metrics}${a.highResolution ? 'h' : ''}`).sort();

describe('alarms and dashboards the cost table counts', () => {
  it.each([1, 3])('are the routing plan\'s alarms plus the notifier\'s, and 3 dashboards per target plus 1, with %i target(s)', (targets) => {
    // Prepare
    const input = withTargets(exampleConfig(), targets);
    const config = parseDeploymentConfig(input);
    // Act
    const deployed = templateCounts(synth(input as Parameters<typeof synth>[0]).template.toJSON() as Parameters<typeof templateCounts>[0]);
    // Assess
    const planned = planAlarms(config).map((p) => alarmUnitsOfRule(p.rule));
    expect(byUnits(deployed.alarms)).toEqual(byUnits([...planned, ...NOTIFIER_ALARMS]));
    expect(deployed.dashboards).toBe(DASHBOARDS_PER_TARGET * targets + DEPLOYMENT_DASHBOARDS);
    expect(deployed.alarms.some((a) => a.metrics === 3)).toBe(true);
  }, 60_000);
});
