#!/usr/bin/env node
// The README's "created column types" table, rendered from each connector's own type mapper
// (toNative, what createTable uses), so the documented mapping is the code's. test/readme-types.test.ts
// fails when the README and the mappers disagree; `node scripts/type-table.js` prints the table to paste.
'use strict';

const { postgresTypes } = require('@sluice/connector-postgres');
const { toNative: mysqlNative, MYSQL_8_0, MARIADB_10_11 } = require('@sluice/connector-mysql');
const { mssqlTypeMapper } = require('@sluice/connector-mssql');
const { oracleTypes } = require('@sluice/connector-oracle');
const { db2TypeMapper } = require('@sluice/connector-db2');
const { mongodbTypeMapper } = require('@sluice/connector-mongodb');

/** One canonical type per row, with the parameters a real column has. */
const ROWS = [
  ['int16', { kind: 'int16' }],
  ['int32', { kind: 'int32' }],
  ['int64', { kind: 'int64' }],
  ['decimal(12,2)', { kind: 'decimal', precision: 12, scale: 2 }],
  ['decimal (no precision)', { kind: 'decimal' }],
  ['float32', { kind: 'float32' }],
  ['float64', { kind: 'float64' }],
  ['bool', { kind: 'bool' }],
  ['text(40)', { kind: 'text', maxLength: 40 }],
  ['text(20), fixed (char(20))', { kind: 'text', maxLength: 20, fixed: true }],
  ['text (no length)', { kind: 'text' }],
  ['bytes(16)', { kind: 'bytes', maxLength: 16 }],
  ['bytes (no length)', { kind: 'bytes' }],
  ['date', { kind: 'date' }],
  ['time', { kind: 'time' }],
  ['timestamp', { kind: 'timestamp' }],
  ['timestamptz', { kind: 'timestamptz' }],
  ['json', { kind: 'json' }],
  ['uuid', { kind: 'uuid' }],
];

const ENGINES = [
  ['PostgreSQL', (t) => postgresTypes.toNative(t)],
  ['MySQL 8', (t) => mysqlNative(t, MYSQL_8_0)],
  ['MariaDB 10.11', (t) => mysqlNative(t, MARIADB_10_11)],
  ['SQL Server', (t) => mssqlTypeMapper.toNative(t)],
  ['Oracle', (t) => oracleTypes.toNative(t)],
  ['DB2', (t) => db2TypeMapper.toNative(t)],
  ['MongoDB', (t) => mongodbTypeMapper.toNative(t)],
];

function cell(toNative, type) {
  try {
    return toNative(type).replace(/\|/g, '\\|');
  } catch (err) {
    return `refused: ${String(err.message).replace(/\|/g, '\\|')}`;
  }
}

function renderTypeTable() {
  const lines = [
    `| canonical type | ${ENGINES.map(([name]) => name).join(' | ')} |`,
    `| --- | ${ENGINES.map(() => '---').join(' | ')} |`,
  ];
  for (const [label, type] of ROWS) lines.push(`| ${label} | ${ENGINES.map(([, toNative]) => cell(toNative, type)).join(' | ')} |`);
  return lines.join('\n');
}

module.exports = { renderTypeTable };

if (require.main === module) console.log(renderTypeTable());
