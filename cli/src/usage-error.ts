/** Bad input on the command line or in a file it names: exit 2, nothing started. */
export class UsageError extends Error {}
