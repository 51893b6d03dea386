import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { resetRuntime } from '../../lambdas/handlers/runtime';
import { loadMintConfig } from '../../lib/config';
import { MintStack } from '../../lib/mint-stack';
import { STATE } from '../../lib/rotation-workflow';

/** Synthesizes the real stack (bundling skipped) and returns it with its template. */
export function synthMint(context: Record<string, unknown> = {}): { stack: MintStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = loadMintConfig({ 'mint:kioUrl': 'https://kio.example.com', ...context });
  const stack = new MintStack(app, 'Mint', {
    config,
    env: { account: '111111111111', region: 'eu-central-1' },
  });
  return { stack, template: Template.fromStack(stack) };
}

/** The deployed ASL with CloudFormation intrinsics replaced by plain ARNs named after logical ids. */
export function renderDefinition(template: Template): Record<string, unknown> {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, unknown>;
    if (v['Fn::Join']) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    if (v['Fn::GetAtt'])
      return `arn:aws:lambda:eu-central-1:111111111111:function:${(v['Fn::GetAtt'] as string[])[0]}`;
    if (v.Ref) return String(v.Ref);
    throw new Error(`cannot render ${JSON.stringify(value)}`);
  };
  return JSON.parse(render(machine?.Properties.DefinitionString));
}

/** A Kio stand-in on a free loopback port; `respond` decides each answer. */
export async function startKioStub(): Promise<{
  url: string;
  respond: (status: number, body: string) => void;
  setApps: (apps: unknown[]) => void;
  close: () => Promise<void>;
}> {
  let status = 200;
  let body = '[]';
  const server: Server = createServer((req, res) => {
    if (req.url !== '/apps') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    respond: (s, b) => {
      status = s;
      body = b;
    },
    setApps: (apps) => {
      status = 200;
      body = JSON.stringify(apps);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function lambdaEnv(kioUrl: string): Record<string, string> {
  return {
    MINT_BUCKET: 'mint-secrets',
    MINT_USER_PATH: '/mint/',
    MINT_BOUNDARY_ARN: 'arn:aws:iam::111111111111:policy/mint-deny-all',
    MINT_KIO_URL: kioUrl,
    MINT_BATCH_SIZE: '2',
  };
}

const fakeContext = {
  functionName: 'mint-local',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-central-1:111111111111:function:mint-local',
  memoryLimitInMB: '256',
  awsRequestId: 'local',
  logGroupName: 'local',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

type EventLog = Record<string, unknown>;
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface CycleRun {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: unknown;
  events: EventLog[];
}

/**
 * Executes the synthesized definition with aws-local-stepfunctions, each task running the real
 * Lambda handler (middy, Powertools and all) in-process.
 */
export async function runCycle(
  definition: Record<string, unknown>,
  input: unknown = {},
  name = `cycle-${Date.now()}`,
): Promise<CycleRun> {
  resetRuntime();
  const load = (m: { handler: LambdaHandler }) => (event: unknown) =>
    m.handler(event, fakeContext) as Promise<never>;
  const rotate = load(await import('../../lambdas/handlers/rotate-batch'));
  const handlers = {
    [STATE.startCycle]: load(await import('../../lambdas/handlers/start-cycle')),
    [STATE.listApps]: load(await import('../../lambdas/handlers/list-apps')),
    [STATE.reconcile]: load(await import('../../lambdas/handlers/reconcile')),
    [STATE.rotateBatch]: rotate,
    [STATE.retryBatch]: rotate,
    [STATE.report]: load(await import('../../lambdas/handlers/report')),
  };
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: { [STATE.retryBatch]: 0 } },
    context: {
      Execution: {
        Id: `arn:aws:states:eu-central-1:111111111111:execution:Mint:${name}`,
        Name: name,
        Input: input,
        StartTime: new Date().toISOString(),
      },
      StateMachine: { Id: 'arn:aws:states:eu-central-1:111111111111:stateMachine:Mint', Name: 'Mint' },
    } as never,
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event as unknown as EventLog);
  })();
  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, events };
  } catch (error) {
    await collecting;
    return { status: 'FAILED', error, events };
  }
}
