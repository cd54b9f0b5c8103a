/**
 * Splits a stream of newline-delimited JSON (Podman's event stream) into
 * lines. Chunks end anywhere, also inside a line; the rest is kept until the
 * next chunk completes it.
 */
export class LineSplitter {
  private rest = '';

  /** The complete, non-blank lines that this chunk finishes. */
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map((l) => l.trim()).filter((l) => l !== '');
  }

  /** What is left when the stream ends: a last line without a newline, if any. */
  flush(): string | undefined {
    const rest = this.rest.trim();
    this.rest = '';
    return rest === '' ? undefined : rest;
  }
}
