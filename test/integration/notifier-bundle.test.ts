/**
 * The notifier as Lambda runs it: bundled by esbuild with the construct's own bundling
 * options (Node.js 24, CommonJS, minified, AWS SDK external), loaded from the bundle, and
 * invoked with nothing but its environment against the local Slack and Secrets Manager.
 */
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Context, SNSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheHitRateDegraded } from '../../lambdas/core/catalog/index.js';
import { NotifierEnv } from '../../lambdas/notifier/env-names.js';
import { encodeRoutes } from '../../lambdas/notifier/routes-env.js';
import { NOTIFIER_BUNDLING, NOTIFIER_ENTRY } from '../../lib/constructs/notifier.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/fake-cloudwatch.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { SnsFixture, catalogRoute, snsEvent } from '../fixtures/sns/index.js';

let slack: FakeSlack;
let secretsManager: FakeSecretsManager;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [slack, secretsManager] = await Promise.all([startFakeSlack(), startFakeSecretsManager(FAKE_AWS_REGION)]);
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await Promise.all([slack?.stop(), secretsManager?.stop()]);
});

describe('the notifier bundle', () => {
  it('bundles for Node.js 24 as the construct does, without CDK or local code, and delivers', async () => {
    // prepare: bundle inside the repository so the external AWS SDK resolves from node_modules;
    // .cjs because the repository's package.json says "type": "module" (Lambda's asset has none).
    const outdir = join(process.cwd(), 'node_modules', '.cache', 'tenantwatch-notifier-bundle');
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    const outfile = join(outdir, 'index.cjs');
    const bundle = await build({
      entryPoints: [NOTIFIER_ENTRY], outfile, bundle: true, platform: 'node', metafile: true, logLevel: 'silent',
      minify: NOTIFIER_BUNDLING.minify, target: NOTIFIER_BUNDLING.target, format: 'cjs', external: ['@aws-sdk/*'],
    });
    Object.assign(process.env, {
      [NotifierEnv.Routes]: encodeRoutes([catalogRoute(CacheHitRateDegraded, 'orders')]),
      [NotifierEnv.SlackWebhookSecretArn]: secretsManager.setSecret('tenantwatch/slack-ops', slack.webhookUrl('ops')),
      AWS_REGION: FAKE_AWS_REGION,
      AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    });
    const { handler } = createRequire(import.meta.url)(outfile) as { handler: (event: SNSEvent, context: Context) => Promise<unknown> };
    const context = { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
    // act
    const report = await handler(snsEvent(SnsFixture.Classic), context);
    // assess
    expect(NOTIFIER_BUNDLING.format).toBe('cjs');
    expect(bundle.errors).toEqual([]);
    expect(Object.keys(bundle.metafile.inputs).filter((i) => /aws-cdk-lib|constructs|cdk-nag|lambdas\/local|^lib\//.test(i))).toEqual([]);
    expect(report).toEqual({
      deliveries: [{
        alarmName: 'tenantwatch-orders-P1-cache-hit-rate-degraded', state: 'ALARM', destination: 'slack', result: 'delivered', attempts: 1, status: 200,
      }],
      dropped: [],
    });
    expect(slack.messages('ops')).toHaveLength(1);
  });
});
