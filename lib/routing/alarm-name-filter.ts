/**
 * SNS payload filter policies on `AlarmName` (FilterPolicyScope MessageBody): a
 * subscription receives exactly the alarms of the routing table routed to it.
 *
 * SNS allows at most 150 values in one filter policy. Up to that, the policy lists the
 * exact alarm names. Above it, it lists the `-<severity>-<rule id>` suffixes of those
 * alarms instead: alarm names end with that suffix and routing is per rule (channel
 * overrides are per rule id), so the suffix set admits the same alarms. That equivalence
 * is checked, never assumed: if any alarm of the topic shares a suffix with an admitted
 * alarm without being admitted itself, synthesis fails.
 */
import * as sns from 'aws-cdk-lib/aws-sns';
import type { AlarmRoute, RoutingTable } from '../../lambdas/core/routing/routing-table.js';

export const MAX_FILTER_POLICY_VALUES = 150;

export type AlarmNameMatch =
  | { readonly kind: 'exact'; readonly names: readonly string[] }
  | { readonly kind: 'suffix'; readonly suffixes: readonly string[] };

export const routeSuffix = (route: Pick<AlarmRoute, 'severity' | 'ruleId'>): string => `-${route.severity}-${route.ruleId}`;

/**
 * How to match `admitted` among all the alarms that publish to the same topic.
 * @param topicRoutes every route of the topic (admitted or not)
 */
export function alarmNameMatch(admitted: RoutingTable, topicRoutes: RoutingTable): AlarmNameMatch {
  const names = [...new Set(admitted.map((r) => r.alarmName))].sort();
  if (names.length <= MAX_FILTER_POLICY_VALUES) return { kind: 'exact', names };
  const suffixes = [...new Set(admitted.map(routeSuffix))].sort();
  const admittedNames = new Set(names);
  const leaked = topicRoutes.filter((r) => suffixes.includes(routeSuffix(r)) && !admittedNames.has(r.alarmName));
  if (leaked.length > 0) {
    throw new Error(`cannot express the routing of ${names.length} alarms in one SNS filter policy: suffix matching would also admit ${leaked.map((r) => r.alarmName).join(', ')}`);
  }
  if (suffixes.length > MAX_FILTER_POLICY_VALUES) {
    throw new Error(`${suffixes.length} alarm rules routed to one subscription exceed the SNS filter policy limit of ${MAX_FILTER_POLICY_VALUES} values`);
  }
  return { kind: 'suffix', suffixes };
}

/** The `filterPolicyWithMessageBody` of a subscription receiving `admitted`. */
export function alarmNameFilterPolicy(admitted: RoutingTable, topicRoutes: RoutingTable): Record<string, sns.FilterOrPolicy> {
  const match = alarmNameMatch(admitted, topicRoutes);
  const filter = match.kind === 'exact'
    ? sns.SubscriptionFilter.stringFilter({ allowlist: [...match.names] })
    : sns.SubscriptionFilter.stringFilter({ matchSuffixes: [...match.suffixes] });
  return { AlarmName: sns.FilterOrPolicy.filter(filter) };
}
