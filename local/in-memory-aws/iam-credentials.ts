import { randomBytes } from 'node:crypto';
import * as IAM from '@aws-sdk/client-iam';
import type { IamUsers } from './iam-users';
import { awsError, type Register } from './operations';

/**
 * A user's access keys (at most two, as IAM allows) and login profile (one password). Every secret
 * handed out is appended to `issued`: what the leak test searches for.
 */
export function registerCredentials(on: Register, users: IamUsers, issued: string[]): void {
  let keySeq = 0;
  on(IAM.ListAccessKeysCommand, 'ListAccessKeys', (input) => ({
    AccessKeyMetadata: users.user(input.UserName).keys.map((k) => ({ AccessKeyId: k.id, Status: 'Active' })),
  }));
  on(IAM.CreateAccessKeyCommand, 'CreateAccessKey', (input) => {
    const user = users.user(input.UserName);
    if (user.keys.length >= 2)
      throw awsError('LimitExceededException', 'Cannot exceed quota for AccessKeysPerUser: 2');
    keySeq++;
    const key = {
      id: `AKIAFAKE${String(keySeq).padStart(8, '0')}`,
      // 40 characters, as IAM's secret access keys are.
      secret: randomBytes(30).toString('base64'),
    };
    user.keys.push(key);
    issued.push(key.secret);
    return {
      AccessKey: {
        UserName: user.userName,
        AccessKeyId: key.id,
        SecretAccessKey: key.secret,
        Status: 'Active',
      },
    };
  });
  on(IAM.DeleteAccessKeyCommand, 'DeleteAccessKey', (input) => {
    const user = users.user(input.UserName);
    if (!user.keys.some((k) => k.id === input.AccessKeyId))
      throw awsError('NoSuchEntityException', 'no such key');
    user.keys = user.keys.filter((k) => k.id !== input.AccessKeyId);
    return {};
  });
  const setPassword = (create: boolean) => (input: Record<string, unknown>) => {
    const user = users.user(input.UserName);
    if (create && user.password)
      throw awsError('EntityAlreadyExistsException', 'Login Profile already exists');
    if (!create && !user.password) throw awsError('NoSuchEntityException', 'Login Profile cannot be found');
    user.password = String(input.Password);
    issued.push(user.password);
    return {};
  };
  on(IAM.UpdateLoginProfileCommand, 'UpdateLoginProfile', setPassword(false));
  on(IAM.CreateLoginProfileCommand, 'CreateLoginProfile', setPassword(true));
  on(IAM.DeleteLoginProfileCommand, 'DeleteLoginProfile', (input) => {
    const user = users.user(input.UserName);
    if (!user.password) throw awsError('NoSuchEntityException', 'Login Profile cannot be found');
    user.password = undefined;
    return {};
  });
}
