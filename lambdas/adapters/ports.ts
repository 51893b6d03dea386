import { oauthScopeList } from '../contracts/cognito-attributes';
import { ENVIRONMENT_VARIABLES, type SettingName, type SettingValues } from '../contracts/settings';
import { InvalidInputError } from '../core/errors';
import { generatePassword } from '../core/password';
import type { RotationPorts } from '../services/rotate-app';
import { DEFAULT_KEY_TEST, testAccessKey } from './access-key-tester';
import type { AwsClients } from './aws-clients';
import { S3BucketStore } from './bucket-store';
import { DEFAULT_SECRET_TEST, testClientSecret, testSignIn } from './cognito-credential-tester';
import { CognitoIdentityStore } from './cognito-identity-store';
import { type CycleRegistry, StepFunctionsCycleRegistry } from './cycle-registry';
import { IamIdentityStore } from './iam-identity-store';
import type { IdentityStore } from './identity-store';
import { fetchKioApps, secretsManagerToken } from './kio-client';
import type { BucketStore } from './object-store';

/** Everything a step touches outside its own code. Each handler names the part it needs. */
export interface Ports extends RotationPorts {
  identity: IdentityStore;
  bucket: BucketStore;
  cycles: CycleRegistry;
  /** `budgetMs`: how long the read may still take (the step's remaining time minus a margin). */
  fetchKio(budgetMs?: () => number): Promise<string>;
  /** Sets this invocation's share of the account's IAM write rate (see `AwsClients.paceIdentityWrites`). */
  paceIdentityWrites(ratePerSecond: number): void;
}

/** What choosing and building the identity store reads. */
type IdentitySettings = Pick<
  SettingValues,
  | 'identityStore'
  | 'userPath'
  | 'boundaryArn'
  | 'serviceUserGroup'
  | 'userPoolId'
  | 'oauthScopes'
  | 'cognitoAppClientsQuota'
>;

/** Builds each port from the settings it needs and the clients; a step's entry takes only its own. */
export const ports = {
  bucket: (settings: Pick<SettingValues, 'bucket'>, clients: AwsClients): BucketStore =>
    new S3BucketStore(clients.s3(), settings.bucket),
  identity: (settings: IdentitySettings, clients: AwsClients): IdentityStore =>
    settings.identityStore === 'cognito'
      ? new CognitoIdentityStore(clients.cognito(), {
          userPoolId: required(settings, 'userPoolId'),
          scopes: oauthScopeList(settings.oauthScopes),
          clientsQuota: settings.cognitoAppClientsQuota,
        })
      : new IamIdentityStore(clients.iam(), {
          path: settings.userPath,
          boundaryArn: required(settings, 'boundaryArn'),
          ...(settings.serviceUserGroup ? { group: settings.serviceUserGroup } : {}),
        }),
  cycles: (clients: AwsClients): CycleRegistry => new StepFunctionsCycleRegistry(clients.sfn()),
  fetchKio:
    (settings: Pick<SettingValues, 'kioUrl' | 'kioTokenSecret' | 'kioRetries'>, clients: AwsClients) =>
    (budgetMs?: () => number): Promise<string> =>
      fetchKioApps({
        baseUrl: settings.kioUrl,
        retries: settings.kioRetries,
        budgetMs,
        token: settings.kioTokenSecret
          ? secretsManagerToken(clients.secrets(), settings.kioTokenSecret)
          : undefined,
      }),
  rotation: (
    settings: IdentitySettings & Partial<Pick<SettingValues, 'tokenEndpoint'>>,
    clients: AwsClients,
  ): Omit<RotationPorts, 'identity' | 'bucket'> => ({
    ...(settings.identityStore === 'cognito'
      ? {
          testClientSecret: (secret) =>
            testClientSecret(secret, {
              ...DEFAULT_SECRET_TEST,
              tokenEndpoint: required(settings, 'tokenEndpoint'),
              scopes: oauthScopeList(settings.oauthScopes),
              sleep: (ms) => clients.clock.sleep(ms),
              ...(clients.config.fetch ? { fetch: clients.config.fetch } : {}),
            }),
          testSignIn: (document) => testSignIn(clients.cognito(), document),
        }
      : {
          testClientSecret: (secret, app) =>
            testAccessKey(
              { accessKeyId: secret.clientId, secretAccessKey: secret.clientSecret },
              app.userArn,
              {
                ...DEFAULT_KEY_TEST,
                clientConfig: clients.config,
                sleep: (ms) => clients.clock.sleep(ms),
              },
            ),
          // IAM has no API that checks a console password; setting it is what IAM confirms.
          testSignIn: async () => {},
        }),
    generatePassword: (policy) => generatePassword(policy),
    now: () => new Date(clients.clock.now()),
  }),
};
/** A setting the chosen identity store cannot work without: the stack always sets it for that store. */
function required<S extends Partial<Record<K, string>>, K extends keyof S & SettingName>(
  settings: S,
  name: K,
): string {
  const value = settings[name];
  if (typeof value !== 'string' || value === '')
    throw new InvalidInputError(
      `${ENVIRONMENT_VARIABLES[name]} is not set, and this identity store needs it; redeploy the stack.`,
    );
  return value;
}
