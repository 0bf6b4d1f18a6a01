/** Secrets Manager secrets named in the config, and least-privilege read access to them. */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/** The secret by its complete ARN, with its customer-managed key when it has one. */
export function importSecret(scope: Construct, id: string, secretCompleteArn: string, kmsKeyArn?: string): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretAttributes(scope, id, {
    secretCompleteArn,
    ...(kmsKeyArn === undefined ? {} : { encryptionKey: kms.Key.fromKeyArn(scope, `${id}Key`, kmsKeyArn) }),
  });
}

/**
 * Read access to exactly this secret and, when it has a customer-managed key, kms:Decrypt
 * on that key only when Secrets Manager calls it (kms:ViaService). Written out because
 * `secret.grantRead()` silently drops the key grant for an imported key: the grant goes to
 * a ViaServicePrincipal, which has no policy to add it to, and the imported key has no key
 * policy CDK could edit.
 */
export function grantSecretRead(secret: secretsmanager.ISecret, grantee: iam.IGrantable): void {
  secret.grantRead(grantee);
  if (!secret.encryptionKey) return;
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt'],
    resources: [secret.encryptionKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
  }));
}
