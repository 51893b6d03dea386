import { ENVIRONMENT_VARIABLES, type SettingName, type SettingValues } from '../contracts/settings';
import { type Clock, systemClock } from '../core/clock';
import { InvalidInputError } from '../core/errors';
import { generatePassword } from '../core/password';
import type { RotationPorts } from '../services/rotate-app';
import { DEFAULT_KEY_TEST, testAccessKey } from './access-key-tester';
import { type AwsClients, type AwsTarget, type CallGovernance, createAwsClients } from './aws-clients';
import { S3BucketStore } from './bucket-store';
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

/** Builds each port from the settings it needs and the clients; a step's entry takes only its own. */
export const ports = {
  bucket: (settings: Pick<SettingValues, 'bucket'>, clients: AwsClients): BucketStore =>
    new S3BucketStore(clients.s3(), settings.bucket),
  identity: (settings: Pick<SettingValues, 'userPath' | 'boundaryArn'>, clients: AwsClients): IdentityStore =>
    new IamIdentityStore(clients.iam(), {
      path: settings.userPath,
      boundaryArn: required(settings, 'boundaryArn'),
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
    clients: AwsClients,
    clock: Clock = systemClock,
  ): Omit<RotationPorts, 'identity' | 'bucket'> => ({
    testAccessKey: (key, arn) =>
      testAccessKey(key, arn, {
        ...DEFAULT_KEY_TEST,
        clientConfig: clients.config,
        sleep: (ms) => clock.sleep(ms),
      }),
    generatePassword: (policy) => generatePassword(policy),
    now: () => new Date(),
  }),
};

/**
 * Every port at once, over one set of settings: what the local runner and the benchmark give all five
 * functions in one process. `replace` swaps parts, such as the clock the local runner moves forward.
 */
export function createRuntime(
  settings: SettingValues,
  options: { target?: AwsTarget; replace?: Partial<Ports>; governance?: CallGovernance } = {},
): { settings: SettingValues } & Ports {
  const clients = createAwsClients(settings, options.target, options.governance);
  const clock = options.governance?.clock;
  return {
    settings,
    bucket: ports.bucket(settings, clients),
    identity: ports.identity(settings, clients),
    cycles: ports.cycles(clients),
    fetchKio: ports.fetchKio(settings, clients),
    paceIdentityWrites: clients.paceIdentityWrites,
    ...ports.rotation(clients, clock),
    ...options.replace,
  };
}

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
