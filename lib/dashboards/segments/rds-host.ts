/**
 * Host metrics of the database (CPU, memory, IOPS, network) straight from AWS/RDS, when
 * the target names its RDS instance or Aurora cluster: nothing to collect, nothing to pay.
 */
import {
  RdsCpuUtilization, RdsFreeableMemory, RdsNetworkReceive, RdsNetworkTransmit, RdsReadIops, RdsWriteIops,
} from '../../../lambdas/core/catalog/index.js';
import type { DashboardTarget } from '../input.js';
import { type GraphWidget, type Series, SpecItem } from '../model.js';
import { MINUTE, metricSeries, graph } from '../series.js';

const WIDTH = 6;
const HEIGHT = 6;

/** The RDS dimension of a target: its instance if named, else its cluster. */
function rdsDimensions(target: DashboardTarget): Record<string, string> | undefined {
  if (target.rdsInstanceId) return { DBInstanceIdentifier: target.rdsInstanceId };
  if (target.rdsClusterId) return { DBClusterIdentifier: target.rdsClusterId };
  return undefined;
}

function hostGraph(id: string, title: string, series: readonly Series[], axisLabel: string): GraphWidget {
  return graph({
    id, specItem: SpecItem.Extra, title, width: WIDTH, height: HEIGHT,
    series, leftAxis: { label: axisLabel, min: 0 },
  });
}

export function rdsHostWidgets(target: DashboardTarget): GraphWidget[] {
  const dims = rdsDimensions(target);
  if (!dims) return [];
  const host = (label: string) => ({ label, periodSeconds: MINUTE });
  return [
    hostGraph('rds-cpu', 'Database host CPU (AWS/RDS)', [metricSeries(RdsCpuUtilization, 'Average', dims, host('CPU %'))], '%'),
    hostGraph('rds-memory', 'Database host freeable memory (AWS/RDS)', [metricSeries(RdsFreeableMemory, 'Minimum', dims, host('Freeable memory'))], 'bytes'),
    hostGraph('rds-iops', 'Database host IOPS (AWS/RDS)', [
      metricSeries(RdsReadIops, 'Average', dims, host('Read IOPS')),
      metricSeries(RdsWriteIops, 'Average', dims, host('Write IOPS')),
    ], 'ops/s'),
    hostGraph('rds-network', 'Database host network (AWS/RDS)', [
      metricSeries(RdsNetworkReceive, 'Average', dims, host('Received')),
      metricSeries(RdsNetworkTransmit, 'Average', dims, host('Transmitted')),
    ], 'bytes/s'),
  ];
}
