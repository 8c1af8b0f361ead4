/**
 * Substrings one of which occurs in the base64 text of any byte string containing `needle`
 * (UTF-8): base64 encodes 3 bytes as 4 characters, so a needle starting at byte offset k has
 * one of 3 encodings depending on k mod 3, each exact except for the characters it shares with
 * the bytes around it. ClickHouse 18.16 has no base64Decode: this finds a person's identifiers
 * in `dead_letters.payload_base64` with plain `position()`. Needles shorter than 3 bytes give
 * nothing (their cores would match almost anything).
 */
export function base64Needles(needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  if (bytes.length < 3) return [];
  const out = new Set<string>();
  for (let a = 0; a < 3; a++) {
    const enc = Buffer.concat([Buffer.alloc(a), bytes]).toString('base64');
    const total = bytes.length + a;
    const rest = total % 3;
    // the characters that depend on the needle's bytes only
    const start = Math.ceil((8 * a) / 6);
    const end = 4 * Math.floor(total / 3) + Math.floor((8 * rest) / 6);
    const core = enc.slice(start, end);
    if (core.length > 0) out.add(core);
  }
  return [...out];
}
