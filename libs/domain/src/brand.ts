/** Nominal typing for ids and instants that are plain strings/numbers at run time. */
export type Brand<T, B extends string> = T & { readonly __brand: B };

export type ProfileId = Brand<string, 'ProfileId'>;
export type EventId = Brand<string, 'EventId'>;
export type SegmentId = Brand<string, 'SegmentId'>;
/** Milliseconds since the Unix epoch, UTC. */
export type EpochMs = Brand<number, 'EpochMs'>;

export const asProfileId = (s: string): ProfileId => s as ProfileId;
export const asEventId = (s: string): EventId => s as EventId;
export const asSegmentId = (s: string): SegmentId => s as SegmentId;
export const asEpochMs = (n: number): EpochMs => n as EpochMs;
