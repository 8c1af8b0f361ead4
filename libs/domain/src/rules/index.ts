export { conditionLabel, comparisonLabel } from './condition-label';
export {
  eventPropertyOf,
  matchesEvent,
  measureEventCondition,
  nextEventConditionChangeAt,
  type MeasureOutcome,
} from './event-measure';
export { nextChangeAt, type NextChangeContext } from './next-change';
export { identifyTraitOf, type ProfileSnapshot } from './profile-snapshot';
export {
  evaluate,
  isMember,
  type EvaluationContext,
  type Evaluation,
  type ReasonEntry,
} from './rule.evaluator';
export * from './rule.model';
export {
  DEFAULT_MAX_DEPTH,
  validateRule,
  type RuleValidation,
  type RuleValidationContext,
} from './rule.validator';
export { interestedInCategoryRule, SEED_SEGMENTS, SOCIAL_SOURCES, type SeedSegment } from './seed-segments';
export { findReferenceCycle, referencedSegmentIds } from './segment-references';
export {
  durationLabel,
  durationMs,
  inWindow,
  windowLabel,
  windowSpanOf,
  type WindowSpan,
} from './time-window';
export { testNumber, testValue } from './value-test';
