/**
 * The workflow tier runs the synthesized definition with the same engine as `npm run local`, against
 * the FakeAws double instead of moto.
 */
export { type CycleRun, runCycle } from '../../local/engine';
export { startKioStub } from '../../local/kio-stub';
export { renderDefinition, synthMint } from '../../local/stack';

/** The Lambda environment for FakeAws, whose account and names are fixed. */
export function lambdaEnv(kioUrl: string): Record<string, string> {
  return {
    MINT_BUCKET: 'mint-secrets',
    MINT_USER_PATH: '/mint/',
    MINT_BOUNDARY_ARN: 'arn:aws:iam::111111111111:policy/mint-deny-all',
    MINT_KIO_URL: kioUrl,
    MINT_BATCH_SIZE: '2',
  };
}
