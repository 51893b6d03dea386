import * as IAM from '@aws-sdk/client-iam';
import { IamIdentityStore } from '../../lambdas/adapters/iam-identity-store';
import { FakeAws } from '../../local/in-memory-aws/fake-aws';

const BOUNDARY = 'arn:aws:iam::111111111111:policy/mint-deny-all';

describe('IamIdentityStore', () => {
  let aws: FakeAws;
  let store: IamIdentityStore;
  beforeEach(() => {
    aws = new FakeAws();
    store = new IamIdentityStore(new IAM.IAMClient({ region: 'eu-central-1' }), {
      path: '/mint/',
      boundaryArn: BOUNDARY,
    });
  });
  afterEach(() => aws.restore());

  it('lists users across several pages of 1,000 and only under its path', async () => {
    for (let i = 0; i < 2100; i++) aws.addUser(`app-${i}`, { 'mint:app-id': `app-${i}` });
    aws.addUser('human', {}, '/');
    const users = await store.listServiceUsers();
    expect(users).toHaveLength(2100);
    expect(aws.calls.filter((c) => c === 'GetAccountAuthorizationDetails')).toHaveLength(3);
    expect(aws.iam.commandCalls(IAM.GetAccountAuthorizationDetailsCommand)[0]?.args[0].input).toMatchObject({
      MaxItems: 1000,
      Filter: ['User'],
    });
    expect(users.find((u) => u.userName === 'human')).toBeUndefined();
  });

  it('creates users with path, app tag and boundary, and surfaces EntityAlreadyExists', async () => {
    const user = await store.createServiceUser('orders');
    expect(aws.users.get('orders')).toMatchObject({
      path: '/mint/',
      boundary: BOUNDARY,
      tags: { 'mint:app-id': 'orders' },
    });
    expect(user.arn).toBe('arn:aws:iam::111111111111:user/mint/orders');
    await expect(store.createServiceUser('orders')).rejects.toMatchObject({
      name: 'EntityAlreadyExistsException',
    });
  });

  it('surfaces LimitExceeded on a third access key', async () => {
    aws.addUser('orders', {});
    await store.addClientSecret({ userName: 'orders' });
    await store.addClientSecret({ userName: 'orders' });
    await expect(store.addClientSecret({ userName: 'orders' })).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
  });

  it('sets a first password with one write, and still updates one that exists when told first time', async () => {
    aws.addUser('orders', {});
    aws.calls = [];
    await store.setPassword('orders', 'pw-1', { firstTime: true });
    expect(aws.calls).toEqual(['CreateLoginProfile']);
    aws.calls = [];
    await store.setPassword('orders', 'pw-2', { firstTime: true });
    expect(aws.calls).toEqual(['CreateLoginProfile', 'UpdateLoginProfile']);
    expect(aws.users.get('orders')?.password).toBe('pw-2');
    aws.calls = [];
    await store.setPassword('orders', 'pw-3');
    expect(aws.calls).toEqual(['UpdateLoginProfile']);
  });

  it('deletes keys and login profile before the user, and tolerates pieces already gone', async () => {
    aws.addUser('orders', {});
    await store.addClientSecret({ userName: 'orders' });
    await store.setPassword('orders', 'pw-1'); // NoSuchEntity on update → create
    await store.deleteServiceUser({ userName: 'orders' });
    expect(aws.users.has('orders')).toBe(false);
    expect(aws.calls).toEqual(
      expect.arrayContaining([
        'UpdateLoginProfile',
        'CreateLoginProfile',
        'DeleteAccessKey',
        'DeleteLoginProfile',
        'DeleteUser',
      ]),
    );
    await expect(store.deleteServiceUser({ userName: 'orders' })).resolves.toBeUndefined();
    await expect(store.listClientSecrets({ userName: 'orders' })).resolves.toEqual([]);
  });

  it("falls back to IAM's default password policy when the account has none, and caches it", async () => {
    await expect(store.passwordPolicy()).resolves.toMatchObject({ minimumLength: 8 });
    await store.passwordPolicy();
    expect(aws.calls.filter((c) => c === 'GetAccountPasswordPolicy')).toHaveLength(1);
  });

  describe('a user carrying more than keys and a password (issue 13, case 9)', () => {
    const hangEverything = (userName: string) => {
      const user = aws.addUser(userName, { 'mint:app-id': userName });
      user.attachedPolicies.push('arn:aws:iam::aws:policy/ReadOnlyAccess');
      // More than one page of IAM's default 100.
      user.inlinePolicies.push(...Array.from({ length: 120 }, (_, i) => `inline-${i}`));
      user.mfaDevices.push(`arn:aws:iam::111111111111:mfa/${userName}`);
      user.signingCertificates.push('CERT1');
      user.sshPublicKeys.push('APKA1');
      user.serviceCredentials.push('ACCA1');
      return user;
    };

    it.each([
      ['attachedPolicies', 'arn:aws:iam::aws:policy/ReadOnlyAccess', /must detach all policies first/],
      ['inlinePolicies', 'inline', /must delete policies first/],
      ['groups', 'Admins', /must remove users from group first/],
      ['mfaDevices', 'arn:aws:iam::111111111111:mfa/orders', /must delete MFA device first/],
      ['signingCertificates', 'CERT1', /must delete signing certificates first/],
      ['sshPublicKeys', 'APKA1', /must delete SSH public keys first/],
      ['serviceCredentials', 'ACCA1', /must delete service specific credentials first/],
    ] as const)(
      'the double refuses DeleteUser as IAM does while the user has %s',
      async (field, id, message) => {
        aws.addUser('orders', {})[field].push(id);
        const iam = new IAM.IAMClient({ region: 'eu-central-1' });
        await expect(iam.send(new IAM.DeleteUserCommand({ UserName: 'orders' }))).rejects.toMatchObject({
          name: 'DeleteConflictException',
          message: expect.stringMatching(message),
        });
      },
    );

    it('costs no listing when nothing else hangs on the user', async () => {
      aws.addUser('orders', {});
      await store.deleteServiceUser({ userName: 'orders' });
      expect(aws.calls).toEqual(['ListAccessKeys', 'DeleteLoginProfile', 'DeleteUser']);
    });

    it('removes every page of what IAM may hang on the user, then deletes it', async () => {
      hangEverything('orders');
      await store.addClientSecret({ userName: 'orders' });
      await store.deleteServiceUser({ userName: 'orders' });
      expect(aws.users.has('orders')).toBe(false);
      expect(aws.calls.filter((c) => c === 'ListUserPolicies')).toHaveLength(2);
      expect(aws.calls.filter((c) => c === 'DeleteUserPolicy')).toHaveLength(120);
      expect(aws.calls).toEqual(
        expect.arrayContaining([
          'DetachUserPolicy',
          'DeactivateMFADevice',
          'DeleteSigningCertificate',
          'DeleteSSHPublicKey',
          'DeleteServiceSpecificCredential',
          'ListGroupsForUser',
        ]),
      );
      expect(aws.calls.filter((c) => c === 'DeleteUser')).toHaveLength(2);
    });

    it('reports a group member as not deleted, naming the group and what to do, and never leaves a group', async () => {
      const user = hangEverything('orders');
      user.groups.push('Admins');
      await expect(store.deleteServiceUser({ userName: 'orders' })).rejects.toMatchObject({
        name: 'Mint.UserNotDeleted',
        message: expect.stringMatching(/member of group\(s\) Admins.*remove-user-from-group/),
      });
      expect(aws.users.get('orders')).toMatchObject({
        groups: ['Admins'],
        inlinePolicies: [],
        mfaDevices: [],
      });
      expect(aws.calls).not.toContain('RemoveUserFromGroup');
    });

    it('reports a conflict that remains after the clean-up', async () => {
      hangEverything('orders');
      aws.failNext(
        'DeleteUser',
        Object.assign(new Error('Cannot delete entity, must delete something new first.'), {
          name: 'DeleteConflictException',
        }),
        () => aws.calls.filter((c) => c === 'DeleteUser').length > 1,
      );
      await expect(store.deleteServiceUser({ userName: 'orders' })).rejects.toThrow(
        /still refuses.*something new/,
      );
    });
  });
});

describe('IamIdentityStore with mint:serviceUserGroup', () => {
  let aws: FakeAws;
  let store: IamIdentityStore;
  beforeEach(() => {
    aws = new FakeAws();
    aws.iamGroups.add('mint-apps');
    aws.iamGroups.add('Admins');
    store = new IamIdentityStore(new IAM.IAMClient({ region: 'eu-central-1' }), {
      path: '/mint/',
      boundaryArn: BOUNDARY,
      group: 'mint-apps',
    });
  });
  afterEach(() => aws.restore());

  it('adds each new user to the group, and only to that group', async () => {
    await store.createServiceUser('orders');
    expect(aws.users.get('orders')?.groups).toEqual(['mint-apps']);
    const [listed] = await store.listServiceUsers();
    expect(listed?.repairs).toBeUndefined();
  });

  it('reports a user outside the group and puts it back, leaving its other groups alone', async () => {
    aws.addUser('orders', { 'mint:app-id': 'orders' }, '/mint/', BOUNDARY).groups.push('Admins');
    const [listed] = await store.listServiceUsers();
    expect(listed?.repairs).toEqual(['group mint-apps']);
    if (listed) await expect(store.repairServiceUser(listed)).resolves.not.toHaveProperty('repairs');
    expect(aws.users.get('orders')?.groups).toEqual(['Admins', 'mint-apps']);
    expect(aws.calls).not.toContain('PutUserPermissionsBoundary');
  });

  it("takes the user out of Mint's group before deleting it, so IAM's DeleteConflict never comes", async () => {
    await store.createServiceUser('orders');
    await store.addClientSecret({ userName: 'orders' });
    await store.setPassword('orders', 'Pw-1-abcdefgh', { firstTime: true });
    aws.calls = [];
    await store.deleteServiceUser({ userName: 'orders' });
    expect(aws.users.has('orders')).toBe(false);
    expect(aws.calls.indexOf('RemoveUserFromGroup')).toBeLessThan(aws.calls.indexOf('DeleteUser'));
    expect(aws.calls.filter((c) => c === 'DeleteUser')).toHaveLength(1);
  });

  it('still refuses to remove a user from a group that is not Mint’s', async () => {
    await store.createServiceUser('orders');
    aws.users.get('orders')?.groups.push('Admins');
    await expect(store.deleteServiceUser({ userName: 'orders' })).rejects.toMatchObject({
      name: 'Mint.UserNotDeleted',
      message: expect.stringMatching(/member of group\(s\) Admins/),
    });
    expect(aws.users.get('orders')?.groups).toEqual(['Admins']);
  });
});
