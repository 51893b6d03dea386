import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { CredentialsError, CredentialsWatcher, loadCredentials } from '../../packages/agent/src/credentials';

const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
const location = { bucket: 'mint-bucket', appId: 'orders', region: 'eu-central-1' };
const doc = (n: number) => ({
  application_username: 'orders',
  application_password: `pw-${n}-not-real`,
  client_id: `AKIA${n}`,
  client_secret: `secret-${n}-not-real`,
});
const body = (text: string) => ({ transformToString: async () => text }) as never;
const s3Error = (name: string, status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $response: { headers } });

describe('loadCredentials', () => {
  beforeEach(() => {
    s3.reset();
    sts.reset();
  });

  it('returns the validated document and its ETag', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(doc(1))), ETag: '"e1"' });
    await expect(loadCredentials(location)).resolves.toEqual({ document: doc(1), etag: '"e1"' });
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'mint-bucket',
      Key: 'orders/credentials.json',
    });
  });

  it('asks for the object only if its ETag changed, and resolves undefined on 304', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NotModified', 304));
    await expect(loadCredentials(location, { etag: '"e1"' })).resolves.toBeUndefined();
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input.IfNoneMatch).toBe('"e1"');
  });

  it('on 403 names the role and the permissions it lacks', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Arn: 'arn:aws:sts::222222222222:assumed-role/orders-app/i-1' });
    const error = await loadCredentials(location).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({ code: 'access-denied' });
    expect((error as Error).message).toMatch(
      /access denied reading s3:\/\/mint-bucket\/orders\/credentials.json as arn:aws:sts::222222222222:assumed-role\/orders-app\/i-1\. That role needs s3:GetObject on arn:aws:s3:::mint-bucket\/orders\/credentials\.json and kms:Decrypt.*npx mint access-policy --app orders.*own orders in Mint's _mint\/owners\.json/,
    );
  });

  it('on 404 says the app is not synced yet or the id is wrong', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    await expect(loadCredentials(location)).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/not synced orders yet .* or the app id is wrong/),
    });
  });

  it('on a redirect names the region of the bucket', async () => {
    s3.on(GetObjectCommand).rejects(
      s3Error('PermanentRedirect', 301, { 'x-amz-bucket-region': 'us-west-2' }),
    );
    await expect(loadCredentials(location)).rejects.toMatchObject({
      code: 'wrong-region',
      message: expect.stringMatching(/in region us-west-2; pass --region us-west-2/),
    });
  });

  it('rejects a malformed document without quoting it', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('{"application_password":"pw-leak'), ETag: '"e2"' });
    const error = (await loadCredentials(location).catch((e: unknown) => e)) as CredentialsError;
    expect(error.code).toBe('invalid-document');
    expect(error.message).not.toContain('pw-leak');
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ ...doc(1), extra: 1 })), ETag: '"e3"' });
    await expect(loadCredentials(location)).rejects.toThrow(
      /not a Mint credentials document \(problem with: \(document\)\)/,
    );
  });
});

describe('CredentialsWatcher', () => {
  beforeEach(() => {
    s3.reset();
    sts.reset();
  });

  it('emits a change for new content, skips the download while the ETag matches, and keeps the last good document on errors', async () => {
    let clientsMade = 0;
    const watcher = new CredentialsWatcher({
      ...location,
      clients: (region) => {
        clientsMade++;
        return { s3: new S3Client({ region }), sts: new STSClient({ region }) };
      },
    });
    const changes: string[] = [];
    const errors: string[] = [];
    watcher.on('change', (d) => changes.push(d.client_id));
    watcher.on('error', (e) => errors.push(e.code));

    // S3's answers to the six polls, in order.
    const answers: (() => unknown)[] = [
      () => ({ Body: body(JSON.stringify(doc(1))), ETag: '"e1"' }),
      () => {
        throw s3Error('NotModified', 304);
      },
      () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { name: 'Error' });
      },
      () => ({ Body: body('not json'), ETag: '"e9"' }),
      () => ({ Body: body(JSON.stringify(doc(2))), ETag: '"e2"' }),
      // A new ETag with the same content (a re-publish) is not a change.
      () => ({ Body: body(JSON.stringify(doc(2))), ETag: '"e3"' }),
    ];
    s3.on(GetObjectCommand).callsFake(async () => (answers.shift() ?? (() => ({})))());
    const results: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      results.push(await watcher.poll());
      if (i === 3) expect(watcher.current()).toEqual(doc(1));
    }
    expect(results).toEqual([true, false, false, false, true, false]);
    expect(s3.commandCalls(GetObjectCommand)[1]?.args[0].input.IfNoneMatch).toBe('"e1"');
    // The malformed download did not move the ETag: the next poll still asks for anything newer than e1.
    expect(s3.commandCalls(GetObjectCommand)[4]?.args[0].input.IfNoneMatch).toBe('"e1"');
    expect(changes).toEqual(['AKIA1', 'AKIA2']);
    expect(errors).toEqual(['unreachable', 'invalid-document']);
    expect(watcher.current()).toEqual(doc(2));
    // New clients for every poll: role credentials that expired are resolved again from the chain.
    expect(clientsMade).toBe(6);
  });

  it('polls on its interval until stopped', async () => {
    jest.useFakeTimers();
    try {
      s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(doc(1))), ETag: '"e1"' });
      const watcher = new CredentialsWatcher({ ...location, intervalMs: 1000 });
      await watcher.start();
      expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(3000);
      expect(s3.commandCalls(GetObjectCommand)).toHaveLength(4);
      await watcher.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(s3.commandCalls(GetObjectCommand)).toHaveLength(4);
    } finally {
      jest.useRealTimers();
    }
  });
});
