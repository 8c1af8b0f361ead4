/** One tracking call on its way to the raw web topic: partition key and the call as written. */
export interface RawWebMessage {
  key: string;
  call: Record<string, unknown>;
}

/**
 * Port to the raw web topic. `publish` resolves only once every message is durably
 * written (acks=all) and rejects when that cannot be confirmed, so the HTTP answer can be
 * 200 or 503 accordingly.
 */
export abstract class RawWebPublisher {
  abstract publish(messages: readonly RawWebMessage[]): Promise<void>;
}

/** The write was not confirmed: Kafka is unreachable, refused it, or did not answer in time. */
export class PublishFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishFailedError';
  }
}
