import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import { ConnectorRegistry, type ConnectorPlugin, type ConnectorSession, type DdlStatement, type NativeSchemaDdl } from '@sluice/connector-sdk';
import mysql, { alreadyExists, parseForeignKeySql, withSqlMode, withoutPartitioning, orderViews, portableView, quoteIdent, splitCreateTable, splitTopLevel, twoPartNames, unqualify, type MysqlConfig } from '@sluice/connector-mysql';
import { LONG_NAME, ZOO_KEYLESS, ZOO_ROUTINES, ZOO_TABLES, ZOO_VIEWS, zooDdl, zooRows } from './zoo';

// Same-engine schema copies: export the zoo from database A, apply it phase by phase to a fresh database B,
// and compare what the server says about both.
const url = process.env.SLUICE_MARIADB_URL;
const run = url ? describe : describe.skip;
const registry = new ConnectorRegistry().register(mysql as ConnectorPlugin);
const configOf = (u: string) => registry.resolve({ url: u }).config as MysqlConfig;
const qi = quoteIdent;

describe('MySQL DDL text handling (no server)', () => {
  test('top-level split keeps commas in strings, identifiers and parentheses', () => {
    expect(splitTopLevel("`a,b` int COMMENT 'x, y', KEY `k` (`a,b`,`c`), CONSTRAINT `c` CHECK (`x` in (1,2)), `d` enum('p,q','r''s\\',t')")).toEqual([
      "`a,b` int COMMENT 'x, y'", 'KEY `k` (`a,b`,`c`)', 'CONSTRAINT `c` CHECK (`x` in (1,2))', "`d` enum('p,q','r''s\\',t')",
    ]);
  });

  test('a table splits into create / keys / indexes / foreign keys; AUTO_INCREMENT keeps its key in the create', () => {
    const show = [
      'CREATE TABLE `t(1)` (',
      '  `id` int(11) NOT NULL AUTO_INCREMENT,',
      "  `v` varchar(10) DEFAULT 'a,b' COMMENT 'PRIMARY KEY (x), KEY',",
      '  `p` int(11) DEFAULT NULL,',
      '  PRIMARY KEY (`id`),',
      '  UNIQUE KEY `u` (`v`),',
      '  KEY `k``q` (`v`(3),`id` DESC),',
      '  FULLTEXT KEY `ft` (`v`),',
      '  CONSTRAINT `f1` FOREIGN KEY (`p`) REFERENCES `t(1)` (`id`) ON DELETE CASCADE,',
      '  CONSTRAINT `f2` FOREIGN KEY (`p`) REFERENCES `other`.`r` (`id`),',
      '  CONSTRAINT `c` CHECK (`p` > 0)',
      ") ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COMMENT='AUTO_INCREMENT=7'",
    ].join('\n');
    const ddl = splitCreateTable('t(1)', show, 'src', 'id', qi);
    expect(ddl.create).toEqual([{
      object: 'table t(1) with primary key (AUTO_INCREMENT)',
      sql: 'CREATE TABLE `t(1)` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `v` varchar(10) DEFAULT \'a,b\' COMMENT \'PRIMARY KEY (x), KEY\',\n' +
        "  `p` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  CONSTRAINT `c` CHECK (`p` > 0)\n) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COMMENT='AUTO_INCREMENT=7'",
    }]);
    expect(ddl.keys).toEqual([{ object: 'unique key u on t(1)', sql: 'ALTER TABLE `t(1)` ADD UNIQUE KEY `u` (`v`)' }]);
    expect(ddl.indexes.map((i) => i.sql)).toEqual(['ALTER TABLE `t(1)` ADD KEY `k``q` (`v`(3),`id` DESC)', 'ALTER TABLE `t(1)` ADD FULLTEXT KEY `ft` (`v`)']);
    expect(ddl.indexes[0]!.object).toBe('index k`q on t(1)');
    expect(ddl.foreignKeys.map((f) => [f.object, f.referencedSchema, f.referencedTable])).toEqual([
      ['foreign key f1 on t(1)', 'src', 't(1)'],
      ['foreign key f2 on t(1)', 'other', 'r'],
    ]);
    // Without AUTO_INCREMENT the primary key is a key like the others; an AUTO_INCREMENT column that only leads a plain index keeps that one.
    expect(splitCreateTable('t(1)', show, 'src', null, qi).keys.map((k) => k.object)).toEqual(['primary key of t(1)', 'unique key u on t(1)']);
    const byIndex = splitCreateTable('t', 'CREATE TABLE `t` (\n  `a` int NOT NULL,\n  `k` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`a`,`k`),\n  KEY `k` (`k`)\n) ENGINE=InnoDB', 's', 'k', qi);
    expect(byIndex.create[0]!.sql).toContain('KEY `k` (`k`)');
    expect(byIndex.create[0]!.object).toBe('table t with index k (AUTO_INCREMENT)');
    expect(byIndex.keys.map((k) => k.object)).toEqual(['primary key of t']);
    expect(byIndex.indexes).toEqual([]);
  });

  test('MySQL 8 spellings: functional and invisible indexes, NOT ENFORCED checks, partitions in a version comment', () => {
    const show = [
      'CREATE TABLE `m` (',
      '  `id` bigint unsigned NOT NULL AUTO_INCREMENT,',
      '  `made` date NOT NULL,',
      "  `v` varchar(20) COLLATE utf8mb4_0900_as_cs DEFAULT (concat(_utf8mb4'a',_utf8mb4'b')),",
      '  `h` int DEFAULT NULL /*!80023 INVISIBLE */,',
      '  PRIMARY KEY (`id`,`made`),',
      '  UNIQUE KEY `u` (`v`,`made`),',
      '  KEY `f` ((lower(`v`))),',
      '  KEY `i` (`h`) /*!80000 INVISIBLE */,',
      '  CONSTRAINT `m_chk_1` CHECK ((`h` > 0)) /*!80016 NOT ENFORCED */',
      ') ENGINE=InnoDB AUTO_INCREMENT=9 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci',
      '/*!50100 PARTITION BY RANGE (year(`made`))',
      '(PARTITION p0 VALUES LESS THAN (2000) ENGINE = InnoDB,',
      ' PARTITION p1 VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */',
    ].join('\n');
    const ddl = splitCreateTable('m', show, 'src', 'id', qi);
    // Partitioned: the unique keys stay; the AUTO_INCREMENT counter too; indexes are deferred as printed.
    expect(ddl.create[0]!.sql).toContain('PRIMARY KEY (`id`,`made`),\n  UNIQUE KEY `u` (`v`,`made`),\n  CONSTRAINT `m_chk_1` CHECK ((`h` > 0)) /*!80016 NOT ENFORCED */\n)');
    expect(ddl.create[0]!.sql).toMatch(/\) ENGINE=InnoDB AUTO_INCREMENT=9 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci\n\/\*!50100 PARTITION BY RANGE/);
    expect(ddl.create[0]!.object).toBe('table m with primary key, unique key u (partitioned)');
    expect(ddl.keys).toEqual([]);
    expect(ddl.indexes.map((i) => i.sql)).toEqual(['ALTER TABLE `m` ADD KEY `f` ((lower(`v`)))', 'ALTER TABLE `m` ADD KEY `i` (`h`) /*!80000 INVISIBLE */']);
  });

  test('views: definer dropped, non-default algorithm and INVOKER kept, the source schema unqualified outside strings', () => {
    const show = "CREATE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW `src`.`v` AS select `src`.`t`.`id` AS `id`,'`src`.`t`' AS `s`,`other`.`src`.`x` AS `x`,`src`.`src`.`y` AS `y` from (`src`.`t` join `other`.`src`) where `src`.`f`(1) WITH CASCADED CHECK OPTION";
    expect(portableView('v', show, 'src', qi)).toBe(
      "CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW `v` AS select `t`.`id` AS `id`,'`src`.`t`' AS `s`,`other`.`src`.`x` AS `x`,`src`.`y` AS `y` from (`t` join `other`.`src`) where /*sluice `schema`*/.`f`(1) WITH CASCADED CHECK OPTION",
    );
    expect(portableView('v', "CREATE ALGORITHM=UNDEFINED DEFINER=`a``b`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1 AS `1`", 's', qi)).toBe('CREATE VIEW `v` AS select 1 AS `1`');
    expect(unqualify('`s``x`.`t`', 's`x', qi)).toBe('`t`');
    expect(twoPartNames("select `a`.`b`.`c`, `x`.`y`, 'q`.`r', `f`.`g` (1) from `s`.`t`")).toEqual([
      { first: 'x', second: 'y', call: false },
      { first: 'f', second: 'g', call: true },
      { first: 's', second: 't', call: false },
    ]);
    const ordered = orderViews([{ name: 'a', dependsOn: ['c'] }, { name: 'b', dependsOn: [] }, { name: 'c', dependsOn: ['b', 'table'] }]);
    expect(ordered.map((v) => v.name)).toEqual(['b', 'c', 'a']);
  });

  test('--flatten-partitions: the partitioning leaves the table options, MySQL and MariaDB spellings alike', () => {
    expect(withoutPartitioning(" ENGINE=InnoDB DEFAULT CHARSET=latin1\n PARTITION BY RANGE (year(`created`))\n(PARTITION `p2020` VALUES LESS THAN (2021) COMMENT = 'the ''21 rows' ENGINE = InnoDB)"))
      .toBe(' ENGINE=InnoDB DEFAULT CHARSET=latin1');
    expect(withoutPartitioning(' ENGINE=InnoDB\n/*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 4 */')).toBe(' ENGINE=InnoDB');
    expect(withoutPartitioning(" ENGINE=InnoDB COMMENT='PARTITION BY nothing'")).toBe(" ENGINE=InnoDB COMMENT='PARTITION BY nothing'");
  });

  test('foreign key statements read back', () => {
    expect(parseForeignKeySql('ALTER TABLE `t``x` ADD CONSTRAINT `f` FOREIGN KEY (`a`, `b,c`) REFERENCES `o`.`p` (`x`,`y`) ON DELETE CASCADE')).toEqual({
      table: '`t``x`', name: 'f', columns: ['`a`', '`b,c`'], referenced: '`o`.`p`', referencedColumns: ['`x`', '`y`'],
    });
    expect(parseForeignKeySql('ALTER TABLE `t` ADD KEY `k` (`a`)')).toBeNull();
  });

  test('errors that mean "exists already"', () => {
    for (const errno of [1050, 1061, 1068, 1826, 1359]) expect(alreadyExists({ errno })).toBe(true);
    expect(alreadyExists({ errno: 1005, message: "Can't create table `b`.`t` (errno: 121 \"Duplicate key on write or update\")" })).toBe(true);
    expect(alreadyExists({ errno: 1005, message: "Can't create table `b`.`t` (errno: 150 \"Foreign key constraint is incorrectly formed\")" })).toBe(false);
    expect(alreadyExists({ errno: 1146 })).toBe(false);
  });
});

run('MySQL/MariaDB same-engine schema copy', () => {
  let raw: Connection;
  let session: ConnectorSession;
  const schemas: string[] = [];
  const fresh = (tag: string) => {
    const name = `sluice_dd_${randomBytes(3).toString('hex')}_${tag}`;
    schemas.push(name);
    return name;
  };
  const query = async (sql: string, params: unknown[] = []) => (await raw.query(sql, params))[0] as Record<string, unknown>[];

  beforeAll(async () => {
    const u = new URL(url!);
    raw = await createConnection({
      host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
      charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, multipleStatements: false,
    });
    raw.on('error', () => undefined);
    await raw.query(`SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO'), time_zone = '+00:00'`);
    session = await mysql.open(configOf(url!));
  });
  afterAll(async () => {
    await session?.close();
    for (const s of schemas) await raw.query(`DROP DATABASE IF EXISTS ${qi(s)}`).catch(() => undefined);
    await raw?.end();
  });

  /** Everything the server reports about a schema, with its name replaced by `$S` (and `$O` for the other one). */
  async function describeSchema(schema: string, other: string, source = schema) {
    // The source's name stays in B only inside a string literal (v_pairs' `literal`): data, not a reference.
    const norm = (v: unknown) => (typeof v === 'string' ? v.split(schema).join('$S').split(source).join('$S').split(other).join('$O') : v);
    // The keyless table is not exported (a copy skips it): left out of the comparison.
    const rows = async (sql: string) =>
      (await query(sql, [schema])).filter((r) => r.TABLE_NAME !== ZOO_KEYLESS).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])));
    const creates: Record<string, string> = {};
    for (const t of ZOO_TABLES) {
      const [r] = await query(`SHOW CREATE TABLE ${qi(schema)}.${qi(t)}`);
      creates[t] = String(r!['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '');
    }
    return {
      creates,
      tables: await rows(`SELECT TABLE_NAME, TABLE_TYPE, ENGINE, ROW_FORMAT, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT
        FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`),
      columns: await rows(`SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, IS_NULLABLE,
          COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT, COLUMN_KEY
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`),
      statistics: await rows(`SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART, COLLATION, INDEX_TYPE, NULLABLE, COMMENT, INDEX_COMMENT
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`),
      constraints: await rows(`SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME`),
      checks: await rows(`SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME`),
      referential: await rows(`SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, UNIQUE_CONSTRAINT_NAME, MATCH_OPTION, UPDATE_RULE, DELETE_RULE,
          TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME`),
      keyColumns: await rows(`SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION, POSITION_IN_UNIQUE_CONSTRAINT, REFERENCED_TABLE_SCHEMA,
          REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`),
      triggers: await rows(`SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_ORDER, ACTION_STATEMENT, ACTION_ORIENTATION, ACTION_TIMING, SQL_MODE
        FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME`),
      views: await rows(`SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, IS_UPDATABLE, SECURITY_TYPE, ALGORITHM
        FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`),
      partitions: await rows(`SELECT TABLE_NAME, PARTITION_NAME, PARTITION_ORDINAL_POSITION, PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION,
          PARTITION_COMMENT FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = ? AND PARTITION_NAME IS NOT NULL ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION`),
      routines: await rows(`SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_BODY, ROUTINE_DEFINITION, IS_DETERMINISTIC, SQL_DATA_ACCESS,
          SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT, COLLATION_CONNECTION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME`),
      parameters: await rows(`SELECT SPECIFIC_NAME, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER
        FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = ? ORDER BY SPECIFIC_NAME, ORDINAL_POSITION`),
    };
  }

  /** Rows of every zoo table (generated columns included: they must compute the same), in key order. */
  async function data(schema: string) {
    const out: Record<string, unknown[]> = {};
    for (const t of ZOO_TABLES) {
      const cols = await query(`SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [schema, t]);
      const select = cols.map((c) => (['g', 'p'].includes(String(c.c)) && t === 'zoo_geo' ? `ST_AsText(${qi(String(c.c))})` : qi(String(c.c)))).join(', ');
      out[t] = await query(`SELECT ${select} FROM ${qi(schema)}.${qi(t)} ORDER BY 1, 2`);
    }
    return out;
  }

  /** The data phase: INSERT … SELECT of the stored (not generated) columns, as a sync's rows would arrive. */
  async function copyRows(from: string, to: string) {
    for (const t of ZOO_TABLES) {
      const cols = await query(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND GENERATION_EXPRESSION IS NULL ORDER BY ORDINAL_POSITION`, [from, t]);
      const list = cols.map((c) => qi(String(c.c))).join(', ');
      await raw.query(`INSERT INTO ${qi(to)}.${qi(t)} (${list}) SELECT ${list} FROM ${qi(from)}.${qi(t)}`);
    }
  }

  const phases = (ddl: NativeSchemaDdl): Record<string, DdlStatement[]> => ({
    create: ddl.tables.flatMap((t) => t.create),
    keys: ddl.tables.flatMap((t) => t.keys),
    indexes: ddl.tables.flatMap((t) => t.indexes),
    foreignKeys: ddl.tables.flatMap((t) => t.foreignKeys),
    after: ddl.tables.flatMap((t) => t.after),
    routines: ddl.functions ?? [],
    views: ddl.views,
  });

  test('the zoo exported from A and applied to a fresh B phase by phase is the same schema; applying twice changes nothing', async () => {
    const a = fresh('a');
    const b = fresh('b');
    const other = fresh('o');
    await session.createSchema!(a);
    await session.createSchema!(a); // exists: a no-op
    await session.createSchema!(other);
    for (const sql of zooDdl(a, other)) await raw.query(sql);
    for (const sql of zooRows(a, other)) await raw.query(sql);

    const ddl = await session.exportDdl!(a, { tables: [...ZOO_TABLES, 'no_such_table', 'v_pairs'], includeViews: true });
    expect(ddl.engine).toBe(mysql.type);
    expect(ddl.serverVersion).toBe(await session.serverVersion());
    expect(ddl.tables.map((t) => t.name)).toEqual(ZOO_TABLES);
    expect(ddl.prerequisites).toEqual([]);
    expect(ddl.skipped).toEqual([]);
    // The schema's routines come with its views (a whole schema's export).
    expect(ddl.functions!.map((r) => r.object)).toEqual(ZOO_ROUTINES);
    // No statement names the source schema (the other schema's foreign key and view keep theirs).
    const all = Object.values(phases(ddl)).flat();
    for (const s of all) expect(s.sql.replace(`'${a}.zoo_a'`, '')).not.toContain(a);
    expect(all.filter((s) => s.sql.includes(other)).map((s) => s.object).sort()).toEqual(['foreign key fk_ext_ref on zoo_ext', 'view v_ext']);

    const byName = new Map(ddl.tables.map((t) => [t.name, t]));
    // AUTO_INCREMENT keeps its key in the create; partitioned tables keep their keys; the counter is carried.
    expect(byName.get('zoo_types')!.create[0]!.sql).toMatch(/PRIMARY KEY \(`id`\)/);
    expect(byName.get('zoo_types')!.keys.map((k) => k.object)).toEqual(['unique key uq_big on zoo_types']);
    expect(byName.get('order')!.create[0]!.sql).toMatch(/\) ENGINE=InnoDB AUTO_INCREMENT=1000 /);
    expect(byName.get(LONG_NAME)!.keys.map((k) => k.object)).toEqual([`primary key of ${LONG_NAME}`]);
    expect(byName.get('zoo_parted')!.keys).toEqual([]);
    expect(byName.get('zoo_parted')!.create[0]!.object).toBe('table zoo_parted with primary key (partitioned)');
    expect(byName.get('zoo_tree')!.create[0]!.object).toBe('table zoo_tree');
    expect(byName.get('zoo_parted')!.indexes.map((k) => k.object)).toEqual(['index amount_idx on zoo_parted']);
    expect(byName.get('zoo_composite')!.create[0]!.sql).not.toMatch(/KEY/);
    expect(byName.get('zoo_composite')!.keys.map((k) => k.object)).toEqual(['primary key of zoo_composite', 'unique key uq_v_b on zoo_composite']);
    expect(byName.get('zoo_types')!.indexes.map((k) => k.object).sort()).toEqual(['index by_label_desc on zoo_types', 'index ft_body on zoo_types', 'index title_prefix on zoo_types']);
    expect(byName.get('zoo_geo')!.indexes.map((k) => k.sql)).toEqual(['ALTER TABLE `zoo_geo` ADD SPATIAL KEY `sp_g` (`g`)']);
    expect(byName.get('zoo_tree')!.foreignKeys.map((f) => [f.referencedSchema, f.referencedTable])).toEqual([[a, 'zoo_tree']]);
    expect(byName.get('zoo_ext')!.foreignKeys.map((f) => [f.referencedSchema, f.referencedTable])).toEqual([[other, 'ref']]);
    expect(byName.get('order')!.after.map((s) => s.object)).toEqual(['trigger order_note on order', 'trigger order_note2 on order']);
    expect(byName.get('zoo_composite')!.after.map((s) => s.sql)).toEqual([
      expect.stringMatching(/^\/\*sluice collation_connection='\w+'\*\/ \/\*sluice sql_mode='[A-Z_,]*'\*\/ CREATE TRIGGER `composite_count` BEFORE UPDATE ON `zoo_composite` FOR EACH ROW\s+SET NEW.v = \(SELECT COUNT\(\*\) FROM \/\*sluice schema\*\/.zoo_tree\) \* 10 \+ \(SELECT COUNT\(\*\) FROM \/\*sluice `schema`\*\/.zoo_a\)$/),
    ]);
    // Views in dependency order, with what they read.
    expect(ddl.views.map((v) => [v.name, v.dependsOn, v.external])).toEqual([
      ['v_pairs', ['zoo_a', 'zoo_b'], []],
      ['v_all', ['v_pairs'], []],
      ['v_double', ['zoo_double()', 'zoo_tree'], []],
      ['v_ext', ['zoo_ext'], [`${other}.ref`]],
    ]);
    expect(ZOO_VIEWS.slice().sort()).toEqual(ddl.views.map((v) => v.name).sort());

    // Apply to B in a sync's order: tables, rows, keys, indexes, foreign keys, triggers, views.
    await session.createSchema!(b);
    const p = phases(ddl);
    await session.applyDdl!(b, p.create!);
    await copyRows(a, b);
    for (const phase of ['keys', 'indexes', 'foreignKeys', 'after', 'routines', 'views']) await session.applyDdl!(b, p[phase]!);

    const expected = await describeSchema(a, other);
    const got = await describeSchema(b, other, a);
    for (const t of ZOO_TABLES) expect({ table: t, create: got.creates[t] }).toEqual({ table: t, create: expected.creates[t] });
    for (const part of ['tables', 'columns', 'statistics', 'constraints', 'checks', 'referential', 'keyColumns', 'views', 'partitions', 'routines', 'parameters'] as const) {
      expect({ part, rows: got[part] }).toEqual({ part, rows: expected[part] });
    }
    // Trigger bodies are the user's text: the copy's name its own schema where A's named A (`$S`.t and $S.t, as spelled).
    expect(got.triggers).toEqual(expected.triggers);
    // The comparison compared something: every kind of object is there.
    expect(Object.keys(got.creates)).toHaveLength(ZOO_TABLES.length);
    expect(got.tables).toHaveLength(ZOO_TABLES.length + ZOO_VIEWS.length);
    expect(got.statistics.length).toBeGreaterThanOrEqual(25);
    expect(got.statistics.filter((r) => r.INDEX_TYPE === 'FULLTEXT' || r.INDEX_TYPE === 'SPATIAL')).toHaveLength(3);
    expect(got.checks.map((r) => r.CONSTRAINT_NAME)).toContain('small_u_range');
    expect(got.referential).toHaveLength(4);
    expect(got.partitions).toHaveLength(3);
    expect(got.columns.filter((r) => r.GENERATION_EXPRESSION)).toHaveLength(2);
    expect(got.views).toHaveLength(ZOO_VIEWS.length);
    expect(got.routines.map((r) => r.ROUTINE_NAME)).toEqual(['zoo_count', 'zoo_double']);
    expect(got.triggers).toHaveLength(3);
    expect(await data(b)).toEqual(await data(a));
    // Key 0 stayed 0; the counters moved past the rows.
    expect(await query(`SELECT id, title FROM ${qi(b)}.zoo_types WHERE id = 0`)).toEqual([{ id: 0, title: 'zero' }]);
    await raw.query(`INSERT INTO ${qi(b)}.${qi('order')} (${qi('Select')}, note) VALUES ('next', 'x')`);
    const [next] = await query(`SELECT id, note FROM ${qi(b)}.${qi('order')} WHERE ${qi('Select')} = 'next'`);
    expect(next).toEqual({ id: '1000', note: 'X!' }); // both triggers, in order; the counter is A's (AUTO_INCREMENT=1000)
    await raw.query(`DELETE FROM ${qi(b)}.${qi('order')} WHERE ${qi('Select')} = 'next'`);
    // B's trigger counts B's rows (A has 3 zoo_tree rows, B now 4).
    await raw.query(`INSERT INTO ${qi(b)}.zoo_tree VALUES (4, NULL)`);
    await raw.query(`UPDATE ${qi(b)}.zoo_composite SET v = 0 WHERE a = 2`);
    expect(await query(`SELECT v FROM ${qi(b)}.zoo_composite WHERE a = 2`)).toEqual([{ v: 42 }]);
    // B's procedure counts B's rows too; B's view calls B's function.
    await raw.query(`CALL ${qi(b)}.zoo_count(@zoo_n)`);
    expect(await query(`SELECT @zoo_n AS n`)).toEqual([{ n: '4' }]);
    expect(await query(`SELECT twice FROM ${qi(b)}.v_double WHERE id = 4`)).toEqual([{ twice: 8 }]);
    await raw.query(`DELETE FROM ${qi(b)}.zoo_tree WHERE id = 4`);

    // Idempotent: every phase again is skipped object by object, nothing changes.
    for (const phase of ['create', 'keys', 'indexes', 'foreignKeys', 'after', 'routines', 'views']) await session.applyDdl!(b, p[phase]!);
    const again = await describeSchema(b, other, a);
    for (const part of ['columns', 'statistics', 'constraints', 'checks', 'referential', 'triggers', 'views', 'partitions', 'routines'] as const) expect(again[part]).toEqual(got[part]);
    expect(Object.fromEntries(Object.entries(again.creates).map(([k, v]) => [k, v]))).toEqual(got.creates);

    // A failing statement names its object and the schema.
    await expect(session.applyDdl!(b, [{ object: 'index broken on zoo_a', sql: 'ALTER TABLE `zoo_a` ADD KEY `broken` (`no_such_column`)' }])).rejects.toThrow(
      new RegExp(`creating index broken on zoo_a in ${b} failed: .*no_such_column`),
    );
    // The session's pooled connections are back in their own database.
    expect(await session.introspect(b, { tables: ['zoo_a'] })).toHaveLength(1);
  });

  test('a foreign key the copied rows break fails naming the first orphan; a consistent one is added in place', async () => {
    const a = fresh('f');
    const b = fresh('g');
    for (const s of [a, b]) await session.createSchema!(s);
    await raw.query(`CREATE TABLE ${qi(a)}.p (id INT PRIMARY KEY, k2 VARCHAR(5) NOT NULL, UNIQUE KEY uk (id, k2))`);
    await raw.query(`CREATE TABLE ${qi(a)}.c (id INT PRIMARY KEY, p INT, k2 VARCHAR(5), CONSTRAINT fk_c_p FOREIGN KEY (p, k2) REFERENCES ${qi(a)}.p (id, k2))`);
    const ddl = await session.exportDdl!(a, { tables: ['p', 'c'] });
    const [p, c] = ddl.tables;
    await session.applyDdl!(b, [...p!.create, ...c!.create, ...p!.keys, ...c!.keys, ...p!.indexes, ...c!.indexes]);
    await raw.query(`INSERT INTO ${qi(b)}.p VALUES (1, 'x')`);
    await raw.query(`INSERT INTO ${qi(b)}.c VALUES (1, 1, 'x'), (2, NULL, 'zz'), (3, 1, 'y')`);
    await expect(session.applyDdl!(b, c!.foreignKeys)).rejects.toThrow(/foreign key fk_c_p on c .* \(`p`, `k2`\) = \(1, "y"\) has no row in `p` \(`id`, `k2`\)/);
    await raw.query(`DELETE FROM ${qi(b)}.c WHERE id = 3`);
    await session.applyDdl!(b, c!.foreignKeys);
    await session.applyDdl!(b, c!.foreignKeys);
    // Enforced afterwards (checks back on for the session's connections).
    await expect(session.applyDdl!(b, [{ object: 'bad row', sql: "INSERT INTO `c` VALUES (4, 9, 'q')" }])).rejects.toThrow(/bad row .*foreign key constraint fails/);
    const [rc] = await query(`SELECT DELETE_RULE, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`, [b]);
    expect(rc).toEqual({ DELETE_RULE: 'RESTRICT', REFERENCED_TABLE_NAME: 'p' });
  });

  test.each([
    ['append, LOAD DATA', 'append', true],
    ['append, INSERT', 'append', false],
    ['upsert, staging', 'upsert', true],
    ['upsert, INSERT', 'upsert', false],
  ] as const)('a copy through the connector (%s) keeps key 0 of an AUTO_INCREMENT table; countRows agrees', async (_label, mode, highPerformance) => {
    const a = fresh('k');
    const b = fresh('l');
    const other = fresh('x');
    for (const s of [a, b, other]) await session.createSchema!(s);
    for (const sql of zooDdl(a, other)) await raw.query(sql);
    for (const sql of zooRows(a, other)) await raw.query(sql);
    const ddl = await session.exportDdl!(a, { tables: ['order'] });
    const order = ddl.tables[0]!;
    await session.applyDdl!(b, [...order.create, ...order.keys]);
    const columns = ['id', 'Select', 'CustomerName', 'note'];
    const writer = await session.openWriter({ schema: b, name: 'order' }, { columns, mode, key: ['id'], identityInsert: true, highPerformance });
    let written = 0;
    for await (const batch of session.read({ schema: a, name: 'order' }, { columns, key: ['id'], batchSize: 1 })) written += await writer.write(batch.rows);
    await writer.close();
    await session.applyDdl!(b, [...order.indexes, ...order.after]);
    expect(written).toBe(2);
    expect(await session.countRows!({ schema: b, name: 'order' })).toBe(2);
    expect(await session.countRows!({ schema: b, name: 'order' }, { key: ['id'], after: null, until: ['0'] })).toBe(1);
    expect(await query(`SELECT id, ${qi('Select')} AS s FROM ${qi(b)}.${qi('order')} ORDER BY id`)).toEqual([{ id: '0', s: 'zero' }, { id: '5', s: 'five' }]);
  });

  test("a trigger runs under its own sql_mode; modes the server does not know are left out", async () => {
    const b = fresh('m');
    await session.createSchema!(b);
    await session.applyDdl!(b, [
      { object: 'table t', sql: 'CREATE TABLE `t` (id INT PRIMARY KEY, note VARCHAR(20))' },
      { object: 'trigger tr', sql: withSqlMode("CREATE TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.note = NEW.note || '!'", 'NO_SUCH_MODE,PIPES_AS_CONCAT') },
    ]);
    const [tr] = await query(`SELECT SQL_MODE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`, [b]);
    expect(tr).toEqual({ SQL_MODE: 'PIPES_AS_CONCAT' });
    await raw.query(`INSERT INTO ${qi(b)}.t VALUES (1, 'a')`);
    expect(await query(`SELECT note FROM ${qi(b)}.t`)).toEqual([{ note: 'a!' }]);
  });

  test('export: views only with includeViews; what it cannot carry is reported', async () => {
    const a = fresh('s');
    await session.createSchema!(a);
    await raw.query(`CREATE TABLE ${qi(a)}.t (id INT PRIMARY KEY)`);
    await raw.query(`CREATE VIEW ${qi(a)}.v AS SELECT id FROM ${qi(a)}.t`);
    await raw.query(`CREATE FUNCTION ${qi(a)}.f(x INT) RETURNS INT DETERMINISTIC RETURN x + 1`);
    await raw.query(`CREATE VIEW ${qi(a)}.vf AS SELECT ${qi(a)}.f(id) AS y FROM ${qi(a)}.t`);
    await raw.query(`CREATE SEQUENCE ${qi(a)}.seq`);
    const plain = await session.exportDdl!(a, { tables: ['t', 'v', 'seq'] });
    expect(plain.tables.map((t) => t.name)).toEqual(['t']);
    expect(plain.views).toEqual([]);
    expect(plain.skipped).toEqual([
      { object: 'view v', reason: 'a view: exported with includeViews' },
      { object: 'table seq', reason: 'a SEQUENCE is not a table this export carries' },
      { object: 'function f', reason: 'stored routines are not carried by a table copy', schemaWide: true },
      { object: 'sequence seq', reason: 'sequences are not carried by a table copy', schemaWide: true },
    ]);
    const withViews = await session.exportDdl!(a, { tables: ['t'], includeViews: true });
    // The schema's function comes with the views: the view calling it depends on it.
    expect(withViews.views.map((v) => [v.name, v.dependsOn, v.external])).toEqual([['v', ['t'], []], ['vf', ['f()', 't'], []]]);
    expect(withViews.functions!.map((r) => r.object)).toEqual(['function f']);
    expect(withViews.skipped).toEqual([{ object: 'sequence seq', reason: 'sequences are not carried by a table copy', schemaWide: true }]);
    // The call keeps a qualifier, marked for the destination's schema (requalify); the tables lose theirs.
    expect(withViews.views[1]!.sql).toMatch(/^\/\*sluice collation_connection='\w+'\*\/ CREATE VIEW `vf` AS select \/\*sluice `schema`\*\/.`f`\(`t`.`id`\) AS `y` from `t`$/);
  });

  test('countRows: whole table and key ranges after < key <= until (composite key)', async () => {
    const a = fresh('c');
    await session.createSchema!(a);
    const table = { schema: a, name: 'r' };
    await raw.query(`CREATE TABLE ${qi(a)}.r (a BIGINT NOT NULL, b VARCHAR(5) NOT NULL, PRIMARY KEY (a, b))`);
    const big = (n: number) => (9007199254740990n + BigInt(n)).toString();
    const values = Array.from({ length: 50 }, (_, i) => `(${big(Math.floor(i / 5))}, 'b${i % 5}')`);
    await raw.query(`INSERT INTO ${qi(a)}.r VALUES ${values.join(', ')}`);
    const key = ['a', 'b'];
    expect(await session.countRows!(table)).toBe(50);
    expect(await session.countRows!(table, { key, after: null, until: null })).toBe(50);
    expect(await session.countRows!(table, { key, after: null, until: [big(2), 'b2'] })).toBe(13);
    expect(await session.countRows!(table, { key, after: [big(2), 'b2'], until: [big(7), 'b0'] })).toBe(23);
    expect(await session.countRows!(table, { key, after: [big(7), 'b0'], until: null })).toBe(14);
    expect(await session.countRows!(table, { key: ['a'], after: [big(3)], until: [big(3)] })).toBe(0);
    expect(await session.countRows!(table, { key: ['a'], after: [big(3)], until: [big(4)] })).toBe(5);
    await expect(session.countRows!(table, { key, after: [big(1)], until: null })).rejects.toThrow(/values for key/);
    await expect(session.countRows!({ schema: a, name: 'nope' })).rejects.toThrow(/nope/);
  });
});
