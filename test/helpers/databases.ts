/**
 * The local servers `scripts/setup.sh` starts; `npm test` exports their URLs.
 */
export function pgUrl(): string {
  const url = process.env.SLUICE_PG_URL;
  if (!url) throw new Error('SLUICE_PG_URL is not set: run the tests with `npm test` (it starts PostgreSQL) or export it');
  return url;
}

/** The same URL with another password, database or port. */
export function withUrl(url: string, change: { password?: string; database?: string; port?: number; query?: string }): string {
  const u = new URL(url);
  if (change.password !== undefined) u.password = encodeURIComponent(change.password);
  if (change.database !== undefined) u.pathname = '/' + change.database;
  if (change.port !== undefined) u.port = String(change.port);
  if (change.query !== undefined) u.search = change.query;
  return u.toString();
}

export function passwordOf(url: string): string {
  return decodeURIComponent(new URL(url).password);
}
