import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadMintConfig } from '../lib/config';
import { MintStack } from '../lib/mint-stack';

const app = new App();
try {
  const config = loadMintConfig(app.node.getAllContext?.() ?? {});
  new MintStack(app, 'Mint', {
    config,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: 'Mint: rotates service-user credentials and publishes them to S3',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
