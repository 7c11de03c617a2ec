'use strict';
// The generated source tables: a wide one (20 columns of every kind, NULLs, mixed text lengths,
// escapes) and a narrow one (id + 3 columns), in PostgreSQL (schema bench_src_<size>) and MariaDB
// (database bench_src_<size>). Generated server-side (generate_series / the Sequence engine) and
// reused by later runs of the same size while the generator version matches.
const { pgq, mq, log, now } = require('./util');

const GENERATOR_VERSION = 3;
const CHUNK = 500_000;

const PG_WIDE_COLUMNS = `
  id bigint PRIMARY KEY,
  i16 smallint NOT NULL,
  i32 integer NOT NULL,
  i64 bigint NOT NULL,
  n_money numeric(12,2),
  n_big numeric(20,6),
  f8 double precision,
  flag boolean,
  t_code varchar(16) NOT NULL,
  t_name varchar(120),
  t_note text,
  t_sparse text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz,
  day_of date,
  doc jsonb,
  uid uuid,
  bin_data bytea,
  i_null integer,
  status varchar(10)`;

const PG_NARROW_COLUMNS = `id bigint PRIMARY KEY, a integer NOT NULL, b varchar(40), c timestamptz NOT NULL`;

const PG_WIDE_SELECT = (from, to) => `
  SELECT g, (g % 32767)::smallint, ((g * 7919) % 2147483647)::int, g * 1000003,
    ((g % 100000) * 1.25)::numeric(12,2), (g * 3.141593)::numeric(20,6), g * 0.5, g % 3 = 0,
    'C' || lpad((g % 100000)::text, 6, '0'),
    'name ' || g || ' ✓ ' || md5(g::text),
    CASE WHEN g % 97 = 0 THEN E'tab\\there\\nnew line \\\\ backslash ' || g ELSE repeat(md5(g::text), (g % 20)::int) END,
    CASE WHEN g % 10 = 0 THEN 'sparse ' || g END,
    timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
    CASE WHEN g % 4 = 0 THEN NULL ELSE timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' + (g % 1000) * interval '1 millisecond' END,
    date '2020-01-01' + (g % 3000)::int,
    jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 7), 'ok', g % 2 = 0),
    overlay(overlay(md5(g::text) placing '4' from 13) placing '8' from 17)::uuid,
    CASE WHEN g % 5 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
    CASE WHEN g % 2 = 0 THEN NULL ELSE g::int END,
    (ARRAY['new','open','closed','archived'])[(g % 4)::int + 1]
  FROM generate_series(${from}::bigint, ${to}::bigint) g`;

const PG_NARROW_SELECT = (from, to) =>
  `SELECT g, (g % 1000000)::int, 'row ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(${from}::bigint, ${to}::bigint) g`;

const MARIA_WIDE_COLUMNS = `
  id BIGINT NOT NULL PRIMARY KEY,
  i16 SMALLINT NOT NULL,
  i32 INT NOT NULL,
  i64 BIGINT NOT NULL,
  n_money DECIMAL(12,2),
  n_big DECIMAL(20,6),
  f8 DOUBLE,
  flag BOOLEAN,
  t_code VARCHAR(16) NOT NULL,
  t_name VARCHAR(120),
  t_note TEXT,
  t_sparse TEXT,
  created_at TIMESTAMP(6) NOT NULL,
  updated_at TIMESTAMP(6) NULL,
  day_of DATE,
  doc JSON,
  uid UUID,
  bin_data VARBINARY(16),
  i_null INT,
  status VARCHAR(10)`;

const MARIA_NARROW_COLUMNS = `id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(40), c TIMESTAMP(6) NOT NULL`;

const MARIA_WIDE_SELECT = (from, to) => `
  SELECT seq, seq % 32767, (seq * 7919) % 2147483647, seq * 1000003,
    (seq % 100000) * 1.25, seq * 3.141593, seq * 0.5, seq % 3 = 0,
    CONCAT('C', LPAD(seq % 100000, 6, '0')),
    CONCAT('name ', seq, ' ✓ ', MD5(seq)),
    IF(seq % 97 = 0, CONCAT('tab\\there\\nnew line \\\\ backslash ', seq), REPEAT(MD5(seq), seq % 20)),
    IF(seq % 10 = 0, CONCAT('sparse ', seq), NULL),
    TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND,
    IF(seq % 4 = 0, NULL, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 1000) * 1000 MICROSECOND),
    DATE'2020-01-01' + INTERVAL (seq % 3000) DAY,
    JSON_OBJECT('g', seq, 'tags', JSON_ARRAY('a', seq % 7), 'ok', IF(seq % 2 = 0, 'true', 'false')),
    INSERT(INSERT(INSERT(INSERT(INSERT(INSERT(MD5(seq), 13, 1, '4'), 17, 1, '8'), 21, 0, '-'), 17, 0, '-'), 13, 0, '-'), 9, 0, '-'),
    IF(seq % 5 = 0, NULL, UNHEX(MD5(seq))),
    IF(seq % 2 = 0, NULL, seq),
    ELT(seq % 4 + 1, 'new', 'open', 'closed', 'archived')
  FROM seq_${from}_to_${to}`;

const MARIA_NARROW_SELECT = (from, to) =>
  `SELECT seq, seq % 1000000, CONCAT('row ', seq), TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_${from}_to_${to}`;

const TABLES = {
  wide: { pg: PG_WIDE_COLUMNS, pgSelect: PG_WIDE_SELECT, maria: MARIA_WIDE_COLUMNS, mariaSelect: MARIA_WIDE_SELECT },
  narrow: { pg: PG_NARROW_COLUMNS, pgSelect: PG_NARROW_SELECT, maria: MARIA_NARROW_COLUMNS, mariaSelect: MARIA_NARROW_SELECT },
};

const marker = (rows) => `sluice-bench generator v${GENERATOR_VERSION} rows=${rows}`;

/** The PostgreSQL source schema with `wide` and `narrow` of `rows` rows each (created when missing or stale). */
async function ensurePgSource(url, schema, rows) {
  const [found] = await pgq(url, `SELECT obj_description(oid, 'pg_namespace') AS note FROM pg_namespace WHERE nspname = $1`, [schema]);
  if (found?.note === marker(rows)) {
    log(`PostgreSQL source ${schema}: reused (${rows} rows per table)`);
    return { generatedSeconds: null };
  }
  const started = now();
  log(`PostgreSQL source ${schema}: generating ${rows} rows per table`);
  await pgq(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pgq(url, `CREATE SCHEMA "${schema}"`);
  for (const [name, t] of Object.entries(TABLES)) {
    await pgq(url, `CREATE TABLE "${schema}"."${name}" (${t.pg})`);
    for (let from = 1; from <= rows; from += CHUNK) {
      await pgq(url, `INSERT INTO "${schema}"."${name}" ${t.pgSelect(from, Math.min(rows, from + CHUNK - 1))}`);
    }
    await pgq(url, `VACUUM (ANALYZE) "${schema}"."${name}"`);
  }
  await pgq(url, `COMMENT ON SCHEMA "${schema}" IS '${marker(rows)}'`);
  return { generatedSeconds: (now() - started) / 1000 };
}

/** The MariaDB source database with `wide` and `narrow` (generated by the Sequence engine). */
async function ensureMariaSource(url, database, rows) {
  const found = await mq(url, `SELECT TABLE_COMMENT AS note FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_bench_meta'`, [database]);
  if (found[0]?.note === marker(rows)) {
    log(`MariaDB source ${database}: reused (${rows} rows per table)`);
    return { generatedSeconds: null };
  }
  const started = now();
  log(`MariaDB source ${database}: generating ${rows} rows per table`);
  await mq(url, `DROP DATABASE IF EXISTS \`${database}\``);
  await mq(url, `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  for (const [name, t] of Object.entries(TABLES)) {
    await mq(url, `CREATE TABLE \`${database}\`.\`${name}\` (${t.maria}) ENGINE=InnoDB`);
    for (let from = 1; from <= rows; from += CHUNK) {
      await mq(url, `SET time_zone = '+00:00'; INSERT INTO \`${database}\`.\`${name}\` ${t.mariaSelect(from, Math.min(rows, from + CHUNK - 1))}`);
    }
    await mq(url, `ANALYZE TABLE \`${database}\`.\`${name}\``);
  }
  await mq(url, `CREATE TABLE \`${database}\`._bench_meta (id INT) COMMENT '${marker(rows)}'`);
  return { generatedSeconds: (now() - started) / 1000 };
}

const WIDE_COLUMN_NAMES = ['id', 'i16', 'i32', 'i64', 'n_money', 'n_big', 'f8', 'flag', 't_code', 't_name', 't_note', 't_sparse', 'created_at', 'updated_at', 'day_of', 'doc', 'uid', 'bin_data', 'i_null', 'status'];
const NARROW_COLUMN_NAMES = ['id', 'a', 'b', 'c'];
const COLUMN_NAMES = { wide: WIDE_COLUMN_NAMES, narrow: NARROW_COLUMN_NAMES };

module.exports = { TABLES, COLUMN_NAMES, ensurePgSource, ensureMariaSource, GENERATOR_VERSION };
