import {
  DeactivateMFADeviceCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  type IAMClient,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { allPages, ignoreMissing } from './iam-calls';

/**
 * Removes what IAM may hang on a user besides keys and a password, every page of each: detaches managed
 * policies, deletes inline policies, deactivates MFA devices (a virtual device then stays in the account,
 * unassigned), deletes signing certificates, SSH public keys and service-specific credentials. Returns
 * the groups the user is in, which Mint may not change.
 */
export async function removeUserAttachments(iam: IAMClient, userName: string): Promise<string[]> {
  const UserName = userName;
  const each = async <T>(items: Promise<(T | undefined)[]>, remove: (item: T) => Promise<unknown>) => {
    for (const item of await items) if (item !== undefined) await ignoreMissing(remove(item));
  };
  await each(
    allPages(
      (Marker) => iam.send(new ListAttachedUserPoliciesCommand({ UserName, Marker })),
      (page) => (page.AttachedPolicies ?? []).map((p) => p.PolicyArn),
    ),
    (PolicyArn) => iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn })),
  );
  await each(
    allPages(
      (Marker) => iam.send(new ListUserPoliciesCommand({ UserName, Marker })),
      (page) => page.PolicyNames ?? [],
    ),
    (PolicyName) => iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName })),
  );
  await each(
    allPages(
      (Marker) => iam.send(new ListMFADevicesCommand({ UserName, Marker })),
      (page) => (page.MFADevices ?? []).map((d) => d.SerialNumber),
    ),
    (SerialNumber) => iam.send(new DeactivateMFADeviceCommand({ UserName, SerialNumber })),
  );
  await each(
    allPages(
      (Marker) => iam.send(new ListSigningCertificatesCommand({ UserName, Marker })),
      (page) => (page.Certificates ?? []).map((c) => c.CertificateId),
    ),
    (CertificateId) => iam.send(new DeleteSigningCertificateCommand({ UserName, CertificateId })),
  );
  await each(
    allPages(
      (Marker) => iam.send(new ListSSHPublicKeysCommand({ UserName, Marker })),
      (page) => (page.SSHPublicKeys ?? []).map((k) => k.SSHPublicKeyId),
    ),
    (SSHPublicKeyId) => iam.send(new DeleteSSHPublicKeyCommand({ UserName, SSHPublicKeyId })),
  );
  await each(
    allPages(
      (Marker) => iam.send(new ListServiceSpecificCredentialsCommand({ UserName, Marker })),
      (page) => (page.ServiceSpecificCredentials ?? []).map((c) => c.ServiceSpecificCredentialId),
    ),
    (ServiceSpecificCredentialId) =>
      iam.send(new DeleteServiceSpecificCredentialCommand({ UserName, ServiceSpecificCredentialId })),
  );
  const groups = await allPages(
    (Marker) => iam.send(new ListGroupsForUserCommand({ UserName, Marker })),
    (page) => (page.Groups ?? []).map((g) => g.GroupName),
  );
  return groups.filter((name): name is string => name !== undefined);
}
