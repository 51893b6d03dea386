import type { Authorizer } from '../support/authorization/authorizer';
import type { FakeAws } from '../support/fake-aws';
import {
  enforcingFakeAws,
  lambdaEnv,
  refusals,
  renderDefinition,
  runCycle,
  startKioStub,
  synthMint,
} from '../support/workflow-harness';

/**
 * Issue 13, cases 9, 10 and 11: what real AWS and a real Kio do that no test had met. Runs on the
 * enforcing double, so every call these paths add is also proven allowed by the deployed policies.
 */
const kioApp = (id: string, active = true) => ({ id, team_id: 'team-a', name: id, active });

describe('real IAM and Kio behaviour, in the synthesized cycle', () => {
  const { template } = synthMint();
  const definition = renderDefinition(template);
  let aws: FakeAws;
  let authorizer: Authorizer;
  let kio: Awaited<ReturnType<typeof startKioStub>>;
  const savedEnv = { ...process.env };
  let writeSpy: jest.SpyInstance;

  beforeAll(async () => {
    kio = await startKioStub();
  });
  afterAll(() => kio.close());
  beforeEach(() => {
    ({ aws, authorizer } = enforcingFakeAws(template, definition));
    Object.assign(process.env, lambdaEnv(kio.url));
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    writeSpy.mockRestore();
    aws.restore();
    process.env = { ...savedEnv };
    expect(refusals(authorizer)).toEqual([]);
  });

  const failure = (run: Awaited<ReturnType<typeof runCycle>>) =>
    run.events.find((e) => e.type === 'ExecutionFailed') as { Error?: string; Cause?: string } | undefined;

  describe("Kio's Retry-After (case 11)", () => {
    it('fails ListApps fast with Mint.KioUnusable naming the Retry-After that outlasts its time budget', async () => {
      kio.setApps([kioApp('orders')]);
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      // The local engine gives each function 60 s; Kio asks for 90.
      kio.respond(429, '{"message":"slow down"}', { 'retry-after': '90' });
      const started = Date.now();
      const run = await runCycle(definition);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.status).toBe('FAILED');
      expect(failure(run)).toMatchObject({
        Error: 'Mint.KioUnusable',
        Cause: expect.stringMatching(/HTTP 429 with Retry-After: 90 .*ListApps has left \(50 s\)/),
      });
      expect(aws.users.has('orders')).toBe(true);
    });
  });

  describe('deleting a user IAM would refuse to delete (case 9)', () => {
    it("removes what was hung on a removed app's user; a group member is reported, not deleted, until freed", async () => {
      kio.setApps([kioApp('orders'), kioApp('legacy'), kioApp('grouped')]);
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      for (const name of ['legacy', 'grouped']) {
        Object.assign(aws.users.get(name) ?? {}, {
          attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          inlinePolicies: ['debugging'],
          mfaDevices: [`arn:aws:iam::111111111111:mfa/${name}`],
          sshPublicKeys: ['APKA1'],
        });
      }
      const grouped = aws.users.get('grouped');
      grouped?.groups.push('Admins');

      kio.setApps([kioApp('orders')]);
      const run = await runCycle(definition, {}, { name: 'removal' });
      expect(aws.users.has('legacy')).toBe(false);
      expect(aws.users.get('grouped')).toMatchObject({ groups: ['Admins'], attachedPolicies: [], keys: [] });
      expect(run.status).toBe('FAILED');
      expect(failure(run)).toMatchObject({
        Error: 'Mint.ServiceUsersNotReconciled',
        Cause: expect.stringMatching(
          /grouped \(delete-user: Mint.UserNotDeleted: .*group\(s\) Admins.*--group-name Admins\)/,
        ),
      });

      // Once someone takes it out of the group, the next cycle deletes it.
      if (grouped) grouped.groups = [];
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      expect(aws.users.has('grouped')).toBe(false);
    });
  });
});
