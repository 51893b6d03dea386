import * as IAM from '@aws-sdk/client-iam';
import { IamIdentityStore } from '../../lambdas/adapters/iam-identity-store';
import { type MotoServer, startMoto } from '../../local/moto';

/**
 * Issue 13, case 9, on moto as local/moto_server.py starts it: DeleteUser refuses with DeleteConflict while
 * anything IAM lists is still on the user (moto 5.2 alone checks only policies), and Mint's identity store
 * clears what it may and deletes the user, or reports a group member as not deleted.
 */
describe('DeleteUser conflicts on moto', () => {
  let moto: MotoServer;
  let iam: IAM.IAMClient;
  let store: IamIdentityStore;
  let seq = 0;

  beforeAll(async () => {
    moto = await startMoto();
    iam = new IAM.IAMClient({
      endpoint: moto.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    store = new IamIdentityStore(iam, { path: '/mint/', boundaryArn: '' });
  });
  afterAll(async () => {
    iam?.destroy();
    await moto?.stop();
  });

  const newUser = async () => {
    const UserName = `app-${++seq}`;
    await iam.send(new IAM.CreateUserCommand({ UserName, Path: '/mint/' }));
    return UserName;
  };
  const hangers: Record<string, (UserName: string) => Promise<unknown>> = {
    'login profile': (UserName) =>
      iam.send(new IAM.CreateLoginProfileCommand({ UserName, Password: 'Some-password-1' })),
    'access keys': (UserName) => iam.send(new IAM.CreateAccessKeyCommand({ UserName })),
    'signing certificates': (UserName) =>
      iam.send(new IAM.UploadSigningCertificateCommand({ UserName, CertificateBody: CERTIFICATE })),
    'SSH public keys': (UserName) =>
      iam.send(new IAM.UploadSSHPublicKeyCommand({ UserName, SSHPublicKeyBody: SSH_KEY })),
    'MFA device': async (UserName) => {
      const { VirtualMFADevice } = await iam.send(
        new IAM.CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: UserName }),
      );
      await iam.send(
        new IAM.EnableMFADeviceCommand({
          UserName,
          SerialNumber: VirtualMFADevice?.SerialNumber,
          AuthenticationCode1: '123456',
          AuthenticationCode2: '654321',
        }),
      );
    },
    'inline policies': (UserName) =>
      iam.send(new IAM.PutUserPolicyCommand({ UserName, PolicyName: 'debugging', PolicyDocument: POLICY })),
    'attached policies': async (UserName) => {
      const { Policy } = await iam.send(
        new IAM.CreatePolicyCommand({ PolicyName: `p-${UserName}`, PolicyDocument: POLICY }),
      );
      await iam.send(new IAM.AttachUserPolicyCommand({ UserName, PolicyArn: Policy?.Arn }));
    },
    'group membership': async (UserName) => {
      await iam.send(new IAM.CreateGroupCommand({ GroupName: `g-${UserName}` })).catch(() => undefined);
      await iam.send(new IAM.AddUserToGroupCommand({ UserName, GroupName: `g-${UserName}` }));
    },
  };

  it.each(Object.keys(hangers))(
    'refuses DeleteUser with DeleteConflict while the user has %s',
    async (what) => {
      const UserName = await newUser();
      await hangers[what]?.(UserName);
      await expect(iam.send(new IAM.DeleteUserCommand({ UserName }))).rejects.toMatchObject({
        name: 'DeleteConflictException',
      });
    },
  );

  it("deletes a user carrying everything but a group: Mint's identity store clears it first", async () => {
    const UserName = await newUser();
    for (const [what, hang] of Object.entries(hangers)) if (what !== 'group membership') await hang(UserName);
    await store.deleteServiceUser({ userName: UserName });
    await expect(iam.send(new IAM.GetUserCommand({ UserName }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('reports a group member as not deleted, naming the group, and leaves the group alone', async () => {
    const UserName = await newUser();
    await hangers['access keys']?.(UserName);
    await hangers['group membership']?.(UserName);
    await expect(store.deleteServiceUser({ userName: UserName })).rejects.toMatchObject({
      name: 'Mint.UserNotDeleted',
      message: expect.stringContaining(`group(s) g-${UserName}`),
    });
    const { Groups } = await iam.send(new IAM.ListGroupsForUserCommand({ UserName }));
    expect(Groups?.map((g) => g.GroupName)).toEqual([`g-${UserName}`]);
  });
});

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
});
const SSH_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDJ7t7g4Yw1z8OQe6Q1rG0qv0kJ2m5i0vZ5J8l0nXh7m0o2Y6T7b6sS3m6JgY1y8v0l mint@test';
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIDCTCCAfGgAwIBAgIUDC1JSs+YTJVuKs65R5vWrzvo30QwDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJbWludC10ZXN0MB4XDTI2MTEyOTEyNDUyMVoXDTM2MTEy
NjEyNDUyMVowFDESMBAGA1UEAwwJbWludC10ZXN0MIIBIjANBgkqhkiG9w0BAQEF
AAOCAQ8AMIIBCgKCAQEAp5DpHFF6II+9FhuveqieTZojdLhLZU6zzQSZtKIcXmql
GkBg5ziW2ypE5Nno6o5k42gFXDM8zQ/a2pjo9bmfkwXw1269E0MaEU/gsrZm4slQ
59pTOuSzI38owvPubIK8VtYDKqoC0OTqHv7gtGloMDM4XESiaeKEQ2spju/CFEVB
3xj0j4OUE2ErhpUibbASOmMTR5fLeHMRD6fPDG/brQvhGVVtUAWMwYdvCzeo5Mvo
KtbzcwzAG+rYCIO1NXegVBZ3lAqeh3P2zSKbZUebMehhYud/OXxMCQ5IazUMseEb
XvBXIPSMiK58JYO3orrFq1dARu/zJBBrs+VWuz9IOwIDAQABo1MwUTAdBgNVHQ4E
FgQUB/a5mpdzPa7bYlt5rZ2Alz1H0J8wHwYDVR0jBBgwFoAUB/a5mpdzPa7bYlt5
rZ2Alz1H0J8wDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAXjP4
M6ldKkOJiWIHMrkvX2bQH+cFxYPdrOPiPig32SQwrejFrKbfr83XHUn6J9C005av
105ttK4rgDZuFDqRHAEjX/352PgW8IYoeRR6GnG3FZUVM5rpUp0sn6h6J60qz3vn
CQCBGYxo8dFOU9rzSnDLOsCtPlzdcdJqyx3XrmmByqwwABKPlNm0ucNXK7k5tPog
VZAbUfY5+Hab7QtcnAEb0yB1k6ylD+i7ylsYLSUEdB35klOEbxVvLHRKmvbxUqn5
23PGtJpiLFcPLKlPcNjRwlTzM7QJbAlUYkOnlae/K6NXRajarJ6Zl3q8sqAMDI/F
TLOdCkKaMqlQGTmIGA==
-----END CERTIFICATE-----`;
