/** The SDK logger and span reporter, as business services import them. */
export {
  createLogger,
  createSpanReporter,
  NatsBatchPublisher,
  matchesColourRule,
  parseColourRules,
  ColourRuleSet,
  newLineId,
  newSpanId,
  newTraceId,
  SpoolFile,
  spanFromServedCall,
} from '@msec/sdk';
export type { MsecLogger, SpanReporter } from '@msec/sdk';
