export * from './canonical-event';
export { AD_EVENT_TYPES, normalizeAd, type AdEventType } from './ad.normalizer';
export { correctClockSkew, type ClientTimes } from './clock-skew';
export {
  checkIdentifier,
  checkSocialIdentifier,
  identifierKey,
  makeIdentifier,
  normalizeEmail,
  uniqueIdentifiers,
  type IdentifierCheck,
} from './identifier';
export { parseIsoTimestamp } from './iso-timestamp';
export { deriveMessageId, normalizeRaw, parseAndNormalize, parseJson } from './parse-raw';
export { isJsonObject, parseAmount, type JsonObject } from './payload-reader';
export { normalizeSocial, SOCIAL_ACTIONS, type SocialAction } from './social.normalizer';
export {
  parseBatch,
  parseTrackingCall,
  TRACKING_CALL_TYPES,
  validateBatch,
  validateTrackingCall,
  type TrackingCall,
  type TrackingCallOptions,
  type TrackingCallType,
} from './tracking-call.validator';
export {
  normalizeTransaction,
  ORDER_CHANNELS,
  TRANSACTION_STATUSES,
  type OrderChannel,
  type TransactionStatus,
} from './transaction.normalizer';
export { normalizeWebCall } from './web.normalizer';
