/** A Secrets Manager secret named in the config, with its customer-managed key when it has one. */
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * grantRead() on the result allows exactly this secret and, when a key is given,
 * kms:Decrypt on that key only through Secrets Manager (kms:ViaService).
 */
export function importSecret(scope: Construct, id: string, secretCompleteArn: string, kmsKeyArn?: string): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretAttributes(scope, id, {
    secretCompleteArn,
    ...(kmsKeyArn === undefined ? {} : { encryptionKey: kms.Key.fromKeyArn(scope, `${id}Key`, kmsKeyArn) }),
  });
}
