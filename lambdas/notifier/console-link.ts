/** The alarm's page in the CloudWatch console, in the alarm's own region and partition. */

export interface AlarmArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly alarmName: string;
}

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`; the name may contain ':'. */
export function parseAlarmArn(arn: string): AlarmArn {
  const [prefix, partition, service, region, account, resourceType, ...name] = arn.split(':');
  if (prefix !== 'arn' || service !== 'cloudwatch' || resourceType !== 'alarm' || !partition || !region || !account || name.length === 0) {
    throw new Error('not a CloudWatch alarm ARN');
  }
  return { partition, region, account, alarmName: name.join(':') };
}

const CONSOLE_HOSTS: Readonly<Record<string, (region: string) => string>> = {
  aws: (region) => `${region}.console.aws.amazon.com`,
  'aws-cn': (region) => `${region}.console.amazonaws.cn`,
  'aws-us-gov': () => 'console.amazonaws-us-gov.com',
};

export function alarmConsoleUrl(arn: AlarmArn): string {
  const host = (CONSOLE_HOSTS[arn.partition] ?? CONSOLE_HOSTS.aws!)(arn.region);
  return `https://${host}/cloudwatch/home?region=${arn.region}#alarmsV2:alarm/${encodeURIComponent(arn.alarmName)}`;
}
