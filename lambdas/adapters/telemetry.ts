import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../core/metrics';

/**
 * Mint's structured logs and EMF metrics (Powertools), one of each per process: the handlers attach
 * the Lambda context and flush the metrics after each invocation; services add to them.
 */
export const logger = new Logger({ serviceName: METRICS.service });
export const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
