import * as IAM from '@aws-sdk/client-iam';
import { IamIdentityStore } from '../../lambdas/adapters/identity-store';
import { FakeAws } from '../support/fake-aws';

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
    await store.createAccessKey('orders');
    await store.createAccessKey('orders');
    await expect(store.createAccessKey('orders')).rejects.toMatchObject({ name: 'LimitExceededException' });
  });

  it('deletes keys and login profile before the user, and tolerates pieces already gone', async () => {
    aws.addUser('orders', {});
    await store.createAccessKey('orders');
    await store.setPassword('orders', 'pw-1'); // NoSuchEntity on update → create
    await store.deleteServiceUser('orders');
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
    await expect(store.deleteServiceUser('orders')).resolves.toBeUndefined();
    await expect(store.listAccessKeys('orders')).resolves.toEqual([]);
  });

  it("falls back to IAM's default password policy when the account has none, and caches it", async () => {
    await expect(store.passwordPolicy()).resolves.toMatchObject({ minimumLength: 8 });
    await store.passwordPolicy();
    expect(aws.calls.filter((c) => c === 'GetAccountPasswordPolicy')).toHaveLength(1);
  });
});
