export { COMPUTED_TRAITS_SQL, computedTraitSql, type ComputedTraitSql } from './computed-trait.sql';
export { epochMsOfRow, eventFactFromRow, traitValueFromRow, type EventFactRow } from './row-facts';
export { compileSegmentQuery, emptyProfileMatches, type SegmentQueryOptions } from './segment-query.compiler';
