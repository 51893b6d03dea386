import * as IAM from '@aws-sdk/client-iam';
import type { FakeUser, IamUsers } from './iam-users';
import { awsError, type Register } from './operations';

/** One page of an IAM list: `MaxItems` (default 100, as IAM's) from the numeric `Marker`. */
function iamPage<T>(items: readonly T[], input: Record<string, unknown>) {
  const max = Number(input.MaxItems ?? 100);
  const start = Number(input.Marker ?? 0);
  const more = start + max < items.length;
  return {
    page: items.slice(start, start + max),
    IsTruncated: more,
    Marker: more ? String(start + max) : undefined,
  };
}

type Attachment = keyof Pick<
  FakeUser,
  | 'attachedPolicies'
  | 'inlinePolicies'
  | 'mfaDevices'
  | 'signingCertificates'
  | 'sshPublicKeys'
  | 'serviceCredentials'
>;

/**
 * What else hangs on a user (policies, MFA devices, certificates, SSH keys, service credentials,
 * groups): listed a page at a time, removed one by one. Mint removes them before DeleteUser.
 */
export function registerAttachments(on: Register, users: IamUsers): void {
  const attachments = (
    list: new (input: never) => unknown,
    listName: string,
    remove: new (input: never) => unknown,
    removeName: string,
    field: Attachment,
    idParam: string,
    shape: (id: string) => [string, unknown],
  ) => {
    on(list, listName, (input) => {
      const { page, IsTruncated, Marker } = iamPage(users.user(input.UserName)[field], input);
      const [member] = shape('');
      return { [member]: page.map((id) => shape(id)[1]), IsTruncated, Marker };
    });
    on(remove, removeName, (input) => {
      const user = users.user(input.UserName);
      const id = String(input[idParam]);
      if (!user[field].includes(id)) throw awsError('NoSuchEntityException', `${id} cannot be found.`);
      user[field] = user[field].filter((existing) => existing !== id);
      return {};
    });
  };
  attachments(
    IAM.ListAttachedUserPoliciesCommand,
    'ListAttachedUserPolicies',
    IAM.DetachUserPolicyCommand,
    'DetachUserPolicy',
    'attachedPolicies',
    'PolicyArn',
    (arn) => ['AttachedPolicies', { PolicyArn: arn, PolicyName: arn.split('/').pop() }],
  );
  attachments(
    IAM.ListUserPoliciesCommand,
    'ListUserPolicies',
    IAM.DeleteUserPolicyCommand,
    'DeleteUserPolicy',
    'inlinePolicies',
    'PolicyName',
    (name) => ['PolicyNames', name],
  );
  attachments(
    IAM.ListMFADevicesCommand,
    'ListMFADevices',
    IAM.DeactivateMFADeviceCommand,
    'DeactivateMFADevice',
    'mfaDevices',
    'SerialNumber',
    (serial) => ['MFADevices', { SerialNumber: serial, EnableDate: new Date() }],
  );
  attachments(
    IAM.ListSigningCertificatesCommand,
    'ListSigningCertificates',
    IAM.DeleteSigningCertificateCommand,
    'DeleteSigningCertificate',
    'signingCertificates',
    'CertificateId',
    (id) => ['Certificates', { CertificateId: id, Status: 'Active' }],
  );
  attachments(
    IAM.ListSSHPublicKeysCommand,
    'ListSSHPublicKeys',
    IAM.DeleteSSHPublicKeyCommand,
    'DeleteSSHPublicKey',
    'sshPublicKeys',
    'SSHPublicKeyId',
    (id) => ['SSHPublicKeys', { SSHPublicKeyId: id, Status: 'Active' }],
  );
  attachments(
    IAM.ListServiceSpecificCredentialsCommand,
    'ListServiceSpecificCredentials',
    IAM.DeleteServiceSpecificCredentialCommand,
    'DeleteServiceSpecificCredential',
    'serviceCredentials',
    'ServiceSpecificCredentialId',
    (id) => ['ServiceSpecificCredentials', { ServiceSpecificCredentialId: id, Status: 'Active' }],
  );
  on(IAM.ListGroupsForUserCommand, 'ListGroupsForUser', (input) => {
    const { page, IsTruncated, Marker } = iamPage(users.user(input.UserName).groups, input);
    return {
      Groups: page.map((name) => ({ GroupName: name, Arn: `arn:aws:iam::${users.account}:group/${name}` })),
      IsTruncated,
      Marker,
    };
  });
  on(IAM.AddUserToGroupCommand, 'AddUserToGroup', (input) => {
    const user = users.user(input.UserName);
    const group = String(input.GroupName);
    if (!users.groups.has(group))
      throw awsError('NoSuchEntityException', `The group with name ${group} cannot be found.`);
    if (!user.groups.includes(group)) user.groups.push(group);
    return {};
  });
  on(IAM.RemoveUserFromGroupCommand, 'RemoveUserFromGroup', (input) => {
    const user = users.user(input.UserName);
    user.groups = user.groups.filter((group) => group !== input.GroupName);
    return {};
  });
}
