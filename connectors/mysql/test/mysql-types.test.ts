import {
  MARIADB_10_11,
  MYSQL_8_0,
  autoIncrementSql,
  columnsQuery,
  createTableSql,
  encodeLoadField,
  insertSelectUpsertSql,
  insertSql,
  jsonCheckColumn,
  jsonChecksQuery,
  keysetCondition,
  loadDataSql,
  mysqlTypeMapper,
  parseFlavour,
  quoteIdent,
  tableCollation,
  toCanonical,
  toNative,
  usesRowAlias,
} from '@sluice/connector-mysql';
import { CANONICAL_KINDS, type CanonicalType } from '@sluice/connector-sdk';

// Pure functions: the SQL that differs between MariaDB and MySQL 8, checked for both without a MySQL server.
const MYSQL_8_0_18 = { ...MYSQL_8_0, patch: 18 };

test('server flavour from VERSION()', () => {
  expect(parseFlavour('10.11.19-MariaDB-0+deb12u1')).toEqual({ mariadb: true, major: 10, minor: 11, patch: 19 });
  expect(parseFlavour('5.5.5-10.4.1-MariaDB')).toEqual({ mariadb: true, major: 10, minor: 4, patch: 1 });
  expect(parseFlavour('8.0.36')).toEqual({ mariadb: false, major: 8, minor: 0, patch: 36 });
  expect(parseFlavour('8.4.0-commercial').mariadb).toBe(false);
});

test('upsert: MariaDB keeps VALUES(c), MySQL ≥ 8.0.19 uses the row alias', () => {
  const cols = ['`id`', '`v`'];
  expect(usesRowAlias(MARIADB_10_11)).toBe(false);
  expect(usesRowAlias(MYSQL_8_0)).toBe(true);
  expect(usesRowAlias(MYSQL_8_0_18)).toBe(false);
  expect(insertSql(MARIADB_10_11, '`s`.`t`', cols, ['(1, 2)'], ['`id`'])).toBe(
    'INSERT INTO `s`.`t` (`id`, `v`) VALUES (1, 2) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)',
  );
  expect(insertSql(MYSQL_8_0, '`s`.`t`', cols, ['(1, 2)', '(3, 4)'], ['`id`'])).toBe(
    'INSERT INTO `s`.`t` (`id`, `v`) VALUES (1, 2), (3, 4) AS `_sluice_new` ON DUPLICATE KEY UPDATE `v` = `_sluice_new`.`v`',
  );
  expect(insertSql(MYSQL_8_0_18, '`t`', cols, ['(1, 2)'], ['`id`'])).toContain('`v` = VALUES(`v`)');
  // Only key columns: a no-op assignment keeps the statement valid.
  expect(insertSql(MYSQL_8_0, '`t`', ['`id`'], ['(1)'], ['`id`'])).toBe('INSERT INTO `t` (`id`) VALUES (1) AS `_sluice_new` ON DUPLICATE KEY UPDATE `id` = `id`');
  expect(insertSql(MARIADB_10_11, '`t`', cols, ['(1, 2)'], null)).toBe('INSERT INTO `t` (`id`, `v`) VALUES (1, 2)');
});

test('bulk upsert from the staging table, per flavour', () => {
  expect(insertSelectUpsertSql(MARIADB_10_11, '`t`', '`stg`', ['`id`', '`v`'], ['`id`'])).toBe(
    'INSERT INTO `t` (`id`, `v`) SELECT `id`, `v` FROM `stg` ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)',
  );
  expect(insertSelectUpsertSql(MYSQL_8_0, '`t`', '`stg`', ['`id`', '`v`'], ['`id`'])).toBe(
    'INSERT INTO `t` (`id`, `v`) SELECT * FROM (SELECT `id`, `v` FROM `stg`) AS `_sluice_new` ON DUPLICATE KEY UPDATE `v` = `_sluice_new`.`v`',
  );
});

test('LOAD DATA: tab / backslash / newline format, bytes through UNHEX', () => {
  expect(loadDataSql('`t`', ['`a`', '`b`'], [false, true])).toBe(
    "LOAD DATA LOCAL INFILE 'sluice-batch.tsv' INTO TABLE `t` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' " +
      "LINES TERMINATED BY '\\n' (`a`, @sluice_v1) SET `b` = UNHEX(@sluice_v1)",
  );
  // With a SET clause, an AUTO_INCREMENT column goes through a variable too (MariaDB would number its 0).
  expect(loadDataSql('`t`', ['`id`', '`b`'], [false, true], [true, false])).toMatch(/\(@sluice_v0, @sluice_v1\) SET `id` = @sluice_v0, `b` = UNHEX\(@sluice_v1\)$/);
  expect(loadDataSql('`t`', ['`id`', '`b`'], [false, false], [true, false])).toMatch(/\(`id`, `b`\)$/);
  expect(encodeLoadField('a\tb\nc\\N\r\0', { kind: 'text' }, 'c')).toBe('a\\tb\\nc\\\\N\\r\\0');
  expect(encodeLoadField(null, { kind: 'text' }, 'c')).toBe('\\N');
  expect(encodeLoadField(Buffer.from([0, 9, 10, 92]), { kind: 'bytes' }, 'c')).toBe('00090a5c');
  expect(encodeLoadField('9223372036854775807', { kind: 'int64' }, 'c')).toBe('9223372036854775807');
  expect(encodeLoadField(true, { kind: 'bool' }, 'c')).toBe('1');
  expect(encodeLoadField('2024-02-29T12:00:00.5+02:00', { kind: 'timestamptz' }, 'c')).toBe('2024-02-29 10:00:00.5');
  expect(encodeLoadField({ a: 'x\ty' }, { kind: 'json' }, 'c')).toBe('{"a":"x\\\\ty"}'); // JSON's \t, its backslash escaped
  expect(() => encodeLoadField('1; DROP TABLE t', { kind: 'int64' }, 'c')).toThrow(/not a valid int64/);
});

test('catalog SQL per flavour: JSON checks only on MariaDB, fresh AUTO_INCREMENT on MySQL 8', () => {
  expect(jsonChecksQuery(MARIADB_10_11)).toContain('CHECK_CONSTRAINTS');
  expect(jsonChecksQuery(MYSQL_8_0)).toBeNull();
  expect(jsonChecksQuery(MARIADB_10_11, true)).toContain('AND TABLE_NAME = ?');
  // One catalog query per table's columns: no subquery per column (seconds on a thousand columns).
  for (const flavour of [MARIADB_10_11, MYSQL_8_0]) expect(columnsQuery(flavour, true)).not.toContain('CHECK_CONSTRAINTS');
  expect(jsonCheckColumn('json_valid(`we``ird`)')).toBe('we`ird');
  expect(jsonCheckColumn('`a` > 0')).toBeNull();
  expect(autoIncrementSql(MARIADB_10_11)).toHaveLength(1);
  expect(autoIncrementSql(MYSQL_8_0)[0]).toBe('SET SESSION information_schema_stats_expiry = 0');
  expect(tableCollation(MARIADB_10_11)).toBe('utf8mb4_nopad_bin');
  expect(tableCollation(MYSQL_8_0)).toBe('utf8mb4_0900_bin');
});

test('keyset condition is the expanded OR form', () => {
  expect(keysetCondition(['`a`'])).toEqual({ sql: '`a` > ?', params: [0] });
  expect(keysetCondition(['`a`', '`b`', '`c`'])).toEqual({
    sql: '(`a` > ? OR (`a` = ? AND `b` > ?) OR (`a` = ? AND `b` = ? AND `c` > ?))',
    params: [0, 0, 1, 0, 1, 2],
  });
  // A range's end: strictly less on every column but the last, which may equal.
  expect(keysetCondition(['`a`'], '<=')).toEqual({ sql: '`a` <= ?', params: [0] });
  expect(keysetCondition(['`a`', '`b`', '`c`'], '<=')).toEqual({
    sql: '(`a` < ? OR (`a` = ? AND `b` < ?) OR (`a` = ? AND `b` = ? AND `c` <= ?))',
    params: [0, 0, 1, 0, 1, 2],
  });
});

test('native ⇄ canonical types', () => {
  const cases: [string, CanonicalType][] = [
    ['tinyint(1)', { kind: 'bool' }],
    ['tinyint(4)', { kind: 'int16' }],
    ['tinyint(1) unsigned', { kind: 'int16' }],
    ['smallint(6)', { kind: 'int16' }],
    ['smallint unsigned', { kind: 'int32' }],
    ['mediumint(9)', { kind: 'int32' }],
    ['int(11)', { kind: 'int32' }],
    ['int unsigned', { kind: 'int64' }],
    ['bigint(20)', { kind: 'int64' }],
    ['bigint(20) unsigned', { kind: 'decimal', precision: 20, scale: 0 }],
    ['decimal(12,2)', { kind: 'decimal', precision: 12, scale: 2 }],
    ['float', { kind: 'float32' }],
    ['double', { kind: 'float64' }],
    ['varchar(200)', { kind: 'text', maxLength: 200 }],
    ['char(36)', { kind: 'text', maxLength: 36, fixed: true }],
    ['longtext', { kind: 'text' }],
    ["enum('a','b')", { kind: 'text' }],
    ['varbinary(16)', { kind: 'bytes', maxLength: 16 }],
    ['longblob', { kind: 'bytes' }],
    ['date', { kind: 'date' }],
    ['time(6)', { kind: 'time' }],
    ['datetime(6)', { kind: 'timestamp' }],
    ['timestamp(6)', { kind: 'timestamptz' }],
    ['datetime', { kind: 'timestamp', precision: 0 }],
    ['timestamp(3)', { kind: 'timestamptz', precision: 3 }],
    ['json', { kind: 'json' }],
    ['uuid', { kind: 'uuid' }],
  ];
  for (const [native, canonical] of cases) expect({ native, type: toCanonical(native) }).toEqual({ native, type: canonical });
  expect(toNative({ kind: 'decimal' })).toBe('DECIMAL(65,30)');
  expect(toNative({ kind: 'text', maxLength: 16383 })).toBe('VARCHAR(16383)');
  // char(n) stays blank-padded CHAR(n): 'English' matches a char(20) 'English' on both sides.
  expect(toNative({ kind: 'text', maxLength: 20, fixed: true })).toBe('CHAR(20)');
  expect(toNative({ kind: 'text', maxLength: 300, fixed: true })).toBe('VARCHAR(300)');
  expect(toNative({ kind: 'text', maxLength: 16384 })).toBe('LONGTEXT');
  expect(toNative({ kind: 'bytes', maxLength: 16 })).toBe('VARBINARY(16)');
  expect(toNative({ kind: 'uuid' }, MARIADB_10_11)).toBe('UUID');
  expect(toNative({ kind: 'uuid' }, MYSQL_8_0)).toBe('CHAR(36)');
  expect(toNative({ kind: 'uuid' }, { mariadb: true, major: 10, minor: 6, patch: 0 })).toBe('CHAR(36)');
  // Every canonical type survives native and back on MariaDB ≥ 10.7 (MySQL: uuid comes back as text(36)),
  // but timestamptz: DATETIME(6) holds its UTC wall clock (TIMESTAMP holds 1970–2038 only) and reads back zone-less.
  const mapper = mysqlTypeMapper(MARIADB_10_11);
  expect(toNative({ kind: 'timestamptz' })).toBe('DATETIME(6)');
  for (const kind of CANONICAL_KINDS) {
    const type = (kind === 'decimal' ? { kind, precision: 10, scale: 3 } : { kind }) as CanonicalType;
    const back = kind === 'timestamptz' ? { kind: 'timestamp' } : type;
    expect({ kind, back: mapper.toCanonical(mapper.toNative(type)) }).toEqual({ kind, back });
  }
  // A point in time written into a DATETIME column: its UTC wall clock.
  expect(encodeLoadField('2050-06-01T10:00:00.000001+02:00', { kind: 'timestamp' }, 'c')).toBe('2050-06-01 08:00:00.000001');
  expect(encodeLoadField('9999-12-31T00:00:00Z', { kind: 'timestamp' }, 'c')).toBe('9999-12-31 00:00:00');
  expect(encodeLoadField('1960-01-01 00:00:00', { kind: 'timestamp' }, 'c')).toBe('1960-01-01 00:00:00');
  expect(mysqlTypeMapper(MYSQL_8_0).toCanonical(mysqlTypeMapper(MYSQL_8_0).toNative({ kind: 'uuid' }))).toEqual({ kind: 'text', maxLength: 36, fixed: true });
});

test('createTable: key text columns become indexable VARCHARs, too-long keys fail clearly', () => {
  const sql = createTableSql(MARIADB_10_11, quoteIdent, '`s`.`t`', {
    columns: [
      { name: 'k', type: { kind: 'text' }, nullable: false },
      { name: 'id', type: { kind: 'int64' }, nullable: false, identity: true },
      { name: 'u', type: { kind: 'text' }, nullable: true },
    ],
    primaryKey: ['k'],
    uniqueConstraints: [{ name: 'u_key', columns: ['u'] }],
  });
  expect(sql).toContain('`k` VARCHAR(768) NOT NULL');
  expect(sql).toContain('`id` BIGINT NOT NULL AUTO_INCREMENT');
  expect(sql).toContain('`u` VARCHAR(768) NULL');
  expect(sql).toContain('KEY (`id`)');
  expect(sql).toContain('CONSTRAINT `u_key` UNIQUE KEY (`u`)');
  expect(sql).toMatch(/ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin$/);
  expect(() =>
    createTableSql(MYSQL_8_0, quoteIdent, '`t`', { columns: [{ name: 'k', type: { kind: 'text', maxLength: 1000 }, nullable: false }], primaryKey: ['k'] }),
  ).toThrow(/3072-byte index limit/);
});
