/** The notifier's environment variables: the CDK construct sets them, the handler reads them. */
export const NotifierEnv = {
  /** The routing table, gzip + base64 JSON (see routes-env.ts). */
  Routes: 'TENANTWATCH_ROUTES',
  SlackWebhookSecretArn: 'TENANTWATCH_SLACK_WEBHOOK_SECRET_ARN',
  SecuritySlackWebhookSecretArn: 'TENANTWATCH_SECURITY_SLACK_WEBHOOK_SECRET_ARN',
  PagerDutyRoutingKeySecretArn: 'TENANTWATCH_PAGERDUTY_ROUTING_KEY_SECRET_ARN',
  /** Only tests point this elsewhere; production uses PagerDuty's public endpoint. */
  PagerDutyEventsUrl: 'TENANTWATCH_PAGERDUTY_EVENTS_URL',
} as const;
