import type { FieldProblem } from '@cdp/domain';

/** Size of a value serialized as JSON, in UTF-8 bytes (what the limits are measured on). */
export function serializedSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** `33792` -> `33 KB`, `33900` -> `33.1 KB`, `512` -> `512 bytes` (KB = 1024 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const kb = Math.round((bytes / 1024) * 10) / 10;
  return `${kb} KB`;
}

export function requestTooLarge(maxRequestBytes: number): FieldProblem {
  return {
    path: 'body',
    message: `the request is larger than ${formatBytes(maxRequestBytes)}, the limit per request`,
  };
}

/**
 * The calls of a request that are larger than `maxCallBytes` serialized, each named by its
 * path (`batch[3]`, or `body` for the single call of `/v1/track` etc.). A batch member is
 * measured as sent, before the batch-level `sentAt`/`context` are applied.
 */
export function oversizedCalls(body: unknown, isBatch: boolean, maxCallBytes: number): FieldProblem[] {
  const message = (size: number): string =>
    `the call is ${formatBytes(size)} (${size} bytes), larger than ${formatBytes(maxCallBytes)}, the limit per call`;
  if (!isBatch) {
    const size = serializedSize(body);
    return size > maxCallBytes ? [{ path: 'body', message: message(size) }] : [];
  }
  const batch = typeof body === 'object' && body !== null ? (body as { batch?: unknown }).batch : undefined;
  if (!Array.isArray(batch)) return [];
  const problems: FieldProblem[] = [];
  batch.forEach((call: unknown, i) => {
    const size = serializedSize(call);
    if (size > maxCallBytes) problems.push({ path: `batch[${i}]`, message: message(size) });
  });
  return problems;
}
