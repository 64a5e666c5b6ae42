/** Errors the command line reports in one line with exit code 2 (invalid input). */
export class UsageError extends Error {
  override name = 'UsageError';
}
