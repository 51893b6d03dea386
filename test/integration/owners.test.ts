import { credentialsKey } from '../../lambdas/core/credentials';
import { OWNERS_KEY, READERS_TAG } from '../../lambdas/core/owners';
import { type LocalMint, startLocalMint } from '../../local/local-mint';
import { MotoChecks } from '../support/moto-checks';

const TEAM_A = '222222222222';
const TEAM_B = '333333333333';
const kioApp = (id: string, team: string) => ({ id, team_id: team, name: id, active: true });

/** The grant step over the real S3 and IAM wire protocols: object tags written, read back from moto. */
describe('owner accounts on moto', () => {
  let mint: LocalMint;
  let check: MotoChecks;
  beforeAll(async () => {
    mint = await startLocalMint({ apps: [kioApp('orders', 'team-a'), kioApp('payments', 'team-b')] });
    check = new MotoChecks(mint.endpoint, mint.bucket);
  });
  afterAll(() => mint?.stop());

  it("tags each credentials.json with its team's accounts, and retags it when the app changes teams", async () => {
    await check.write(OWNERS_KEY, JSON.stringify({ teams: { 'team-a': [TEAM_A], 'team-b': [TEAM_B] } }));
    expect((await mint.cycle()).status).toBe('SUCCEEDED');
    expect(await check.tagsOf(credentialsKey('orders'))).toEqual({ [READERS_TAG]: TEAM_A });
    expect(await check.tagsOf(credentialsKey('payments'))).toEqual({ [READERS_TAG]: TEAM_B });

    mint.kio?.setApps([kioApp('orders', 'team-b'), kioApp('payments', 'team-b')]);
    expect((await mint.cycle()).status).toBe('SUCCEEDED');
    expect(await check.tagsOf(credentialsKey('orders'))).toEqual({ [READERS_TAG]: TEAM_B });
  });
});
