'use strict';
// Verification of every contender's destination: the row count always; for Sluice a checksum.
// Same engine (PG → PG): the sum of hashtext(ROW(columns)::text) over every row, computed by the
// server on both sides (equal rows give equal text). Across engines: a fingerprint of aggregates
// both engines compute alike (count, sums of integer/decimal columns, text lengths, NULL counts).
const { pgq, mq } = require('./util');
const { COLUMN_NAMES } = require('./data');

const pgIdent = (s) => `"${s.replace(/"/g, '""')}"`;
const myIdent = (s) => `\`${s.replace(/`/g, '``')}\``;

async function pgCount(url, schema, table, database) {
  const [r] = await pgq(url, `SELECT count(*)::bigint AS n FROM ${pgIdent(schema)}.${pgIdent(table)}`, [], database);
  return Number(r.n);
}

async function mariaCount(url, database, table) {
  const [r] = await mq(url, `SELECT COUNT(*) AS n FROM ${myIdent(database)}.${myIdent(table)}`);
  return Number(r.n);
}

/** Row hash of a PostgreSQL table over the benchmark's columns (order-independent sum). */
async function pgRowHash(url, schema, table, kind, database) {
  const cols = COLUMN_NAMES[kind].map(pgIdent).join(', ');
  const [r] = await pgq(
    url,
    `SELECT count(*)::bigint AS n, coalesce(sum(hashtext(ROW(${cols})::text)::bigint), 0)::text AS h FROM ${pgIdent(schema)}.${pgIdent(table)}`,
    [],
    database,
  );
  return `${r.n}:${r.h}`;
}

const FINGERPRINT = {
  wide: ['count(*)', 'sum(id)', 'sum(i32)', 'sum(i64)', 'sum(n_money)', 'sum(n_big)', 'count(t_sparse)', 'sum(char_length(t_note))', 'sum(char_length(t_name))', 'count(bin_data)', 'count(updated_at)', 'count(i_null)', 'sum(CASE WHEN flag THEN 1 ELSE 0 END)'],
  narrow: ['count(*)', 'sum(id)', 'sum(a)', 'sum(char_length(b))'],
};

const normalise = (v) => (v === null || v === undefined ? 'null' : String(Number(v)));

async function pgFingerprint(url, schema, table, kind, database) {
  const [r] = await pgq(url, `SELECT ${FINGERPRINT[kind].map((e, i) => `${e} AS f${i}`).join(', ')} FROM ${pgIdent(schema)}.${pgIdent(table)}`, [], database);
  return FINGERPRINT[kind].map((_, i) => normalise(r[`f${i}`])).join('|');
}

async function mariaFingerprint(url, database, table, kind) {
  const exprs = FINGERPRINT[kind].map((e) => e.replace('CASE WHEN flag THEN', 'CASE WHEN flag <> 0 THEN'));
  const [r] = await mq(url, `SELECT ${exprs.map((e, i) => `${e} AS f${i}`).join(', ')} FROM ${myIdent(database)}.${myIdent(table)}`);
  return FINGERPRINT[kind].map((_, i) => normalise(r[`f${i}`])).join('|');
}

/**
 * Verifies a destination against its source. `engine` of each side: 'pg' | 'maria'; `checksum`:
 * also compare the row hash (same engine) or the aggregate fingerprint (across engines).
 * Returns { ok, rows, expected, checksum: 'match' | 'MISMATCH' | null, detail }.
 */
async function verify({ pgUrl, mariaUrl, source, dest, kind, expectedRows, checksum }) {
  const count = (side) => (side.engine === 'pg' ? pgCount(pgUrl, side.schema, side.table, side.database) : mariaCount(mariaUrl, side.schema, side.table));
  let rows;
  try {
    rows = await count(dest);
  } catch (err) {
    return { ok: false, rows: null, expected: expectedRows, checksum: null, detail: `destination unreadable: ${err.message}` };
  }
  const out = { ok: rows === expectedRows, rows, expected: expectedRows, checksum: null, detail: rows === expectedRows ? null : `destination has ${rows} rows, source ${expectedRows}` };
  if (!checksum || !out.ok) return out;
  let a;
  let b;
  if (source.engine === 'pg' && dest.engine === 'pg') {
    a = await pgRowHash(pgUrl, source.schema, source.table, kind, source.database);
    b = await pgRowHash(pgUrl, dest.schema, dest.table, kind, dest.database);
  } else {
    const fp = (side) => (side.engine === 'pg' ? pgFingerprint(pgUrl, side.schema, side.table, kind, side.database) : mariaFingerprint(mariaUrl, side.schema, side.table, kind));
    a = await fp(source);
    b = await fp(dest);
  }
  out.checksum = a === b ? 'match' : 'MISMATCH';
  if (a !== b) {
    out.ok = false;
    out.detail = `checksum mismatch: source ${a}, destination ${b}`;
  }
  return out;
}

module.exports = { verify, pgCount, mariaCount, pgIdent, myIdent };
