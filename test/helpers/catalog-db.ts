import { randomBytes } from 'node:crypto';
import { pgQuery, pgUrl, withUrl } from './databases';

/** A fresh PostgreSQL database for one test file's catalog (dropped after). */
export async function freshCatalogDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `sluice_catalog_${randomBytes(3).toString('hex')}`;
  await pgQuery(`CREATE DATABASE ${name}`);
  return {
    url: withUrl(pgUrl(), { database: name }),
    name,
    drop: async () => void (await pgQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}
