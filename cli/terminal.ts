/**
 * What parley prints goes to a terminal, which obeys control characters: a
 * scenario named "\u001b]0;owned\u0007" would retitle the window, one with
 * "\u001b[2J" would clear it. Everything written to standard output and
 * standard error is made safe for that medium here, once, whatever command
 * wrote it. Node only.
 */

/**
 * C0 controls but tab, newline and carriage return (progress lines use \r),
 * DEL, C1 controls, and the bidirectional overrides that make text display
 * in another order than it reads.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each character a terminal would obey written as a visible `\uXXXX`. Pure. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Routes every string written to stdout and stderr through `terminalSafe`,
 * and ends the process quietly when the reader of stdout goes away
 * (`parley run --json | head`): that is not an error of parley's.
 */
export function guardTerminal(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(
        typeof chunk === 'string' ? terminalSafe(chunk) : chunk,
        ...rest,
      )) as typeof stream.write;
  }
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
