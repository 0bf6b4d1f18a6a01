/**
 * What a local run collects and evaluates: the collector settings (the demo's defaults,
 * or a target of a deployment config), and the alarm rules with their scope instances
 * (with a config: its overrides and instances, exactly as `cdk deploy` would create them).
 */
import { localInstances } from '../../core/alarms/evaluate-rules.js';
import { type AlarmRule, alarmRules } from '../../core/catalog/index.js';
import { type CollectorSettings, TARGET_NAME_PATTERN, collectorSettingsSchema } from '../../core/config/collector-settings.js';
import { collectorSettingsFor, readDeploymentConfig } from '../../core/config/deployment.js';
import { AlarmScope } from '../../core/catalog/index.js';
import { HEALTH_CHECK_INSTANCE_PREFIX, type ScopeInstance, applyAlarmOverride, scopeInstances } from '../../core/routing/build-routing-table.js';
import type { LocalOptions } from './args.js';

export const DEMO_TARGET = 'demo';
/** The target name when --database-url names no usable database name. */
export const FALLBACK_TARGET = 'local';
const MAX_TARGET_LENGTH = 32;

export interface LocalRunPlan {
  readonly settings: CollectorSettings;
  readonly rules: readonly AlarmRule[];
  readonly instances: readonly ScopeInstance[];
}

/** A target name from the database's name: lowercase, dashes, starting with a letter. */
export function targetNameFromUrl(url: string): string {
  let database = '';
  try {
    database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return FALLBACK_TARGET;
  }
  const name = database.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, MAX_TARGET_LENGTH).replace(/-+$/, '');
  return TARGET_NAME_PATTERN.test(name) ? name : FALLBACK_TARGET;
}

function fromConfig(path: string, targetName: string | undefined): LocalRunPlan {
  const config = readDeploymentConfig(path);
  const target = targetName === undefined ? config.targets[0] : config.targets.find((t) => t.name === targetName);
  if (!target) throw new Error(`${path} has no target ${targetName}; its targets: ${config.targets.map((t) => t.name).join(', ')}`);
  const endpoints = new Set(target.collector.healthChecks.map((h) => `${HEALTH_CHECK_INSTANCE_PREFIX}${h.name}`));
  const instances = scopeInstances(config).filter((i) =>
    i.scope === AlarmScope.Target ? i.name === target.name : i.scope === AlarmScope.Api || endpoints.has(i.name));
  return {
    settings: collectorSettingsFor(target),
    rules: alarmRules.map((rule) => applyAlarmOverride(rule, config.alarms[rule.id])),
    instances,
  };
}

export function localRunPlan(options: Pick<LocalOptions, 'config' | 'target' | 'databaseUrl'>): LocalRunPlan {
  if (options.config !== undefined) return fromConfig(options.config, options.target);
  const target = options.databaseUrl === undefined ? DEMO_TARGET : targetNameFromUrl(options.databaseUrl);
  return { settings: collectorSettingsSchema.parse({ target }), rules: alarmRules, instances: localInstances(target) };
}
