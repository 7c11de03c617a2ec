import { TestCode } from './messages';

/**
 * An error sorted at the connector edge: a stable code, and whether retrying
 * can help (a refused password will not get better; a reset connection may).
 */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  constructor(
    readonly code: TestCode,
    message: string,
    readonly retryable: boolean,
    readonly details: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

/** Invalid config: names every bad field and how to fix it. */
export class ConfigError extends ConnectorError {
  constructor(readonly issues: { field: string; problem: string }[]) {
    super(
      TestCode.INVALID_CONFIG,
      'Invalid connection config: ' + issues.map((i) => `${i.field}: ${i.problem}`).join('; '),
      false,
      Object.fromEntries(groupIssues(issues)),
    );
  }
}

function groupIssues(issues: { field: string; problem: string }[]): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const { field, problem } of issues) byField.set(field, [...(byField.get(field) ?? []), problem]);
  return byField;
}

/**
 * A writer asked to write an identity / auto-increment column without identityInsert: one
 * message for every engine, naming the CLI flag and the API option that allow it.
 */
export function identityRefused(column: string, table: string, what = 'an identity column'): string {
  return `column ${column} of ${table} is ${what}: leave it out of the columns, or pass --identity-insert (API: identityInsert: true) to write the source's values into it (IDENTITY_WRITING)`;
}

/**
 * A value a column cannot hold, refused before it is sent (non-retryable): the column, the start of
 * the value (never more than 40 characters of it), what it is not, and why when known.
 */
export function invalidValue(column: string, what: string | { kind: string }, value: unknown, why = ''): ConnectorError {
  const shown = typeof value === 'string' ? value.slice(0, 40) : typeof value;
  const kind = typeof what === 'string' ? what : what.kind;
  return new ConnectorError(TestCode.DRIVER_ERROR, `column ${column}: value ${JSON.stringify(shown)} is not a valid ${kind}${why ? ` (${why})` : ''}`, false);
}
