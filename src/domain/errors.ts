/**
 * Raised for any malformed label text. Messages describe the defect in the
 * text itself and never mention where the text came from: callers know which
 * request field or file line they passed in and prefix that themselves.
 */
export class LabelSyntaxError extends Error {
  override readonly name = 'LabelSyntaxError';

  constructor(message: string) {
    super(message);
  }
}

const QUOTE_LIMIT = 64;

/**
 * Quotes offending text for an error message. JSON escaping keeps control
 * bytes and quotes visible in logs; the cut keeps a 64 KiB hostile input from
 * turning into a 64 KiB log line.
 */
export function quote(text: string): string {
  if (text.length <= QUOTE_LIMIT) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, QUOTE_LIMIT))}… (${text.length} characters)`;
}

/**
 * Upper bound on any label text we agree to parse. No valid label comes close
 * (1024 categories written one by one is about 6 KiB); the bound exists so
 * hostile input is refused before any per-character work.
 */
export const MAX_LABEL_TEXT = 65536;

export function checkLength(what: string, text: string): void {
  if (text.length > MAX_LABEL_TEXT) {
    throw new LabelSyntaxError(`${what} is too long: ${text.length} characters (limit ${MAX_LABEL_TEXT})`);
  }
}
