/**
 * A "schema zoo" for MySQL/MariaDB same-engine copies: one of each thing a
 * copy must carry exactly (types, charsets, defaults, generated columns,
 * keys, indexes, foreign keys incl. a cycle, triggers, views, partitions, a
 * 1,000-column table, stored routines), and what a copy skips and says so
 * (a keyless table; routines across engines).
 */
const qi = (name: string) => '`' + name.replace(/`/g, '``') + '`';

/** A 64-character table name (MySQL's identifier limit). */
export const LONG_NAME = 'zoo_' + 'long_name_'.repeat(6);

/** Base tables of the zoo, in creation order. */
export const ZOO_TABLES = [
  'zoo_types', 'zoo_geo', 'zoo_latin1', 'zoo_utf8', 'zoo_composite', 'zoo_tree', 'zoo_a', 'zoo_b', 'order', LONG_NAME, 'zoo_parted', 'zoo_ext',
  'zoo_wide',
];
/**
 * Views: `v_all` reads `v_pairs` (and sorts before it by name), `v_pairs` reads two tables, `v_ext` reads
 * the other schema, `v_double` calls the schema's function `zoo_double`.
 */
export const ZOO_VIEWS = ['v_all', 'v_double', 'v_ext', 'v_pairs'];

/** A table without any key (no primary key, no NOT NULL unique key): a whole-schema copy skips it, said in `skipped`. */
export const ZOO_KEYLESS = 'zoo_nokey';

/** Stored routines of the zoo: a same-engine copy of the schema creates them; across engines they are said not carried, once. */
export const ZOO_ROUTINES = ['procedure zoo_count', 'function zoo_double'];

/** Columns of `zoo_wide` (InnoDB takes up to 1017): its key, then integers with a short ASCII string every tenth column. */
export const WIDE_COLUMNS = 1000;

function wideColumns(): string[] {
  return Array.from({ length: WIDE_COLUMNS - 1 }, (_, i) => `c${i + 1} ${(i + 1) % 10 === 0 ? 'VARCHAR(8) CHARACTER SET ascii' : 'INT'}`);
}

/** DDL of the zoo in `schema`; `other` holds the table `zoo_ext`'s foreign key and `v_ext` read. */
export function zooDdl(schema: string, other: string): string[] {
  const s = qi(schema);
  const o = qi(other);
  return [
    `CREATE TABLE ${o}.ref (id INT NOT NULL PRIMARY KEY, label VARCHAR(20)) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.zoo_types (
       id INT UNSIGNED NOT NULL AUTO_INCREMENT,
       e ENUM('small','medium','large') NOT NULL DEFAULT 'medium',
       tags SET('red','green','blue') DEFAULT 'red,blue',
       yr YEAR DEFAULT 2024,
       flag TINYINT(1) NOT NULL DEFAULT 0,
       small_u SMALLINT UNSIGNED,
       big_u BIGINT UNSIGNED NOT NULL DEFAULT 18446744073709551615,
       price DECIMAL(12,3) DEFAULT 0.500,
       ratio DOUBLE,
       blob_col BLOB,
       body TEXT,
       title VARCHAR(200) NOT NULL DEFAULT '',
       ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
       ts6 TIMESTAMP(6) NULL DEFAULT NULL,
       dt DATETIME DEFAULT '2000-01-01 00:00:00',
       dt3 DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
       d DATE,
       t TIME(2),
       doubled INT AS (small_u * 2) VIRTUAL,
       label VARCHAR(40) AS (CONCAT(e, '-', yr)) STORED,
       ${qi('MixedCase')} INT COMMENT 'a column comment, with ''quotes'' and a comma',
       PRIMARY KEY (id),
       UNIQUE KEY uq_big (big_u),
       KEY title_prefix (title(10)),
       KEY by_label_desc (label DESC, id),
       FULLTEXT KEY ft_body (body, title),
       CONSTRAINT small_u_range CHECK (small_u < 60000)
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC COMMENT='every type, \\'quoted\\'\\nand a newline'`,
    `CREATE TABLE ${s}.zoo_geo (id INT NOT NULL PRIMARY KEY, g GEOMETRY NOT NULL, p POINT, SPATIAL KEY sp_g (g)) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.zoo_latin1 (
       id INT NOT NULL PRIMARY KEY,
       name VARCHAR(30) NOT NULL,
       uni VARCHAR(30) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
       UNIQUE KEY uq_name (name)
     ) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci`,
    `CREATE TABLE ${s}.zoo_utf8 (
       code VARCHAR(16) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
       name VARCHAR(50) NOT NULL,
       note LONGTEXT
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
    `CREATE TABLE ${s}.zoo_composite (
       a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT,
       PRIMARY KEY (a, b), UNIQUE KEY uq_v_b (v, b), KEY v_idx (v)
     ) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.zoo_tree (
       id INT NOT NULL PRIMARY KEY, parent INT NULL,
       CONSTRAINT fk_tree_parent FOREIGN KEY (parent) REFERENCES ${s}.zoo_tree (id) ON DELETE SET NULL ON UPDATE CASCADE
     ) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.zoo_a (id INT NOT NULL PRIMARY KEY, b_id INT NULL) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.zoo_b (id INT NOT NULL PRIMARY KEY, a_id INT NOT NULL, KEY a_idx (a_id)) ENGINE=InnoDB`,
    `ALTER TABLE ${s}.zoo_a ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES ${s}.zoo_b (id)`,
    `ALTER TABLE ${s}.zoo_b ADD CONSTRAINT fk_b_a FOREIGN KEY (a_id) REFERENCES ${s}.zoo_a (id) ON DELETE CASCADE`,
    `CREATE TABLE ${s}.${qi('order')} (
       id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
       ${qi('Select')} VARCHAR(20) NOT NULL,
       ${qi('CustomerName')} VARCHAR(40),
       note VARCHAR(40),
       KEY ${qi('Select')} (${qi('Select')})
     ) ENGINE=InnoDB AUTO_INCREMENT=1000`,
    `CREATE TRIGGER ${s}.order_note BEFORE INSERT ON ${s}.${qi('order')} FOR EACH ROW SET NEW.note = UPPER(NEW.note)`,
    // A trigger keeps the sql_mode it was created under: || is CONCAT here only because of PIPES_AS_CONCAT.
    `SET @zoo_sql_mode = @@SESSION.sql_mode`,
    `SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',PIPES_AS_CONCAT')`,
    `CREATE TRIGGER ${s}.order_note2 BEFORE INSERT ON ${s}.${qi('order')} FOR EACH ROW FOLLOWS order_note SET NEW.note = NEW.note || '!'`,
    `SET SESSION sql_mode = @zoo_sql_mode`,
    // A body that names its own schema (bare and quoted): the copy's trigger must read its own tables.
    `CREATE TRIGGER ${s}.composite_count BEFORE UPDATE ON ${s}.zoo_composite FOR EACH ROW
       SET NEW.v = (SELECT COUNT(*) FROM ${schema}.zoo_tree) * 10 + (SELECT COUNT(*) FROM ${s}.zoo_a)`,
    `CREATE TABLE ${s}.${qi(LONG_NAME)} (id INT NOT NULL, k INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id, k), KEY k (k)) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.zoo_parted (
       id INT NOT NULL, created DATE NOT NULL, amount INT,
       PRIMARY KEY (id, created), KEY amount_idx (amount)
     ) ENGINE=InnoDB
     PARTITION BY RANGE (YEAR(created)) (
       PARTITION p2020 VALUES LESS THAN (2021),
       PARTITION p2021 VALUES LESS THAN (2022) COMMENT 'the ''21 rows',
       PARTITION pmax VALUES LESS THAN MAXVALUE
     )`,
    `CREATE TABLE ${s}.zoo_ext (id INT NOT NULL PRIMARY KEY, ref_id INT, CONSTRAINT fk_ext_ref FOREIGN KEY (ref_id) REFERENCES ${o}.ref (id)) ENGINE=InnoDB`,
    `CREATE VIEW ${s}.v_pairs AS SELECT a.id AS a_id, b.id AS b_id, '${schema}.zoo_a' AS literal FROM ${s}.zoo_a a JOIN ${s}.zoo_b b ON b.a_id = a.id`,
    `CREATE SQL SECURITY INVOKER VIEW ${s}.v_all AS SELECT COUNT(*) AS n, MAX(${s}.v_pairs.b_id) AS top FROM ${s}.v_pairs`,
    `CREATE VIEW ${s}.v_ext AS SELECT z.id, r.label FROM ${s}.zoo_ext z JOIN ${o}.ref r ON r.id = z.ref_id WHERE z.id > 0 WITH CHECK OPTION`,
    `CREATE TABLE ${s}.zoo_wide (id INT NOT NULL PRIMARY KEY, ${wideColumns().join(', ')}) ENGINE=InnoDB`,
    `CREATE TABLE ${s}.${ZOO_KEYLESS} (a INT, b VARCHAR(10), UNIQUE KEY a_nullable (a)) ENGINE=InnoDB`,
    `CREATE FUNCTION ${s}.zoo_double(x INT) RETURNS INT DETERMINISTIC SQL SECURITY INVOKER RETURN x * 2`,
    // A body that names its own schema: the copy's procedure counts the copy's rows.
    `CREATE PROCEDURE ${s}.zoo_count(OUT n INT) READS SQL DATA COMMENT 'counts the tree, ''quoted''' BEGIN SELECT COUNT(*) INTO n FROM ${s}.zoo_tree; END`,
    `CREATE VIEW ${s}.v_double AS SELECT id, ${s}.zoo_double(id) AS twice FROM ${s}.zoo_tree`,
  ];
}

/** Rows for the zoo (session with NO_AUTO_VALUE_ON_ZERO: zoo_types keeps its key 0). */
export function zooRows(schema: string, other: string): string[] {
  const s = qi(schema);
  return [
    `INSERT INTO ${qi(other)}.ref VALUES (1, 'one'), (2, 'two')`,
    `INSERT INTO ${s}.zoo_types (id, e, tags, yr, flag, small_u, big_u, price, ratio, blob_col, body, title, ts, ts6, dt, dt3, d, t, ${qi('MixedCase')}) VALUES
       (0, 'small', 'red', 1999, 1, 59999, 0, 1.250, 0.1, X'00FF', 'zero row', 'zero', '2024-01-01 00:00:00', '2024-01-01 00:00:00.123456', '2024-01-01', '2024-01-01 00:00:00.123', '2024-01-01', '12:34:56.78', 0),
       (1, 'large', 'green,blue', 2155, 0, 1, 18446744073709551614, NULL, NULL, NULL, 'one row', 'one', '2024-01-02 00:00:00', NULL, NULL, '2024-01-02 00:00:00.000', NULL, NULL, 1),
       (7, 'medium', '', 1901, 0, NULL, 7, -3.5, 1e300, '', NULL, 'seven', '2024-01-03 00:00:00', NULL, '9999-12-31 23:59:59', '2024-01-03 00:00:00.999', '1000-01-01', '-838:59:59', NULL)`,
    `INSERT INTO ${s}.zoo_geo VALUES (1, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('POINT(1 2)'))`,
    `INSERT INTO ${s}.zoo_latin1 VALUES (1, 'caf\u00e9', 'caf\u00e9 \u{1F680}'), (2, 'na\u00efve', NULL)`,
    `INSERT INTO ${s}.zoo_utf8 VALUES ('a', 'lower', NULL), ('A', 'upper', 'x'), ('\u00e9', 'accent', NULL)`,
    `INSERT INTO ${s}.zoo_composite VALUES (1, 'x', 1), (1, 'y', 2), (2, 'x', NULL)`,
    `INSERT INTO ${s}.zoo_tree VALUES (1, NULL), (2, 1), (3, 2)`,
    `SET FOREIGN_KEY_CHECKS = 0`,
    `INSERT INTO ${s}.zoo_a VALUES (1, 10), (2, NULL)`,
    `INSERT INTO ${s}.zoo_b VALUES (10, 1), (11, 2)`,
    `SET FOREIGN_KEY_CHECKS = 1`,
    `INSERT INTO ${s}.${qi('order')} (id, ${qi('Select')}, ${qi('CustomerName')}, note) VALUES (0, 'zero', 'Zed', 'n'), (5, 'five', NULL, NULL)`,
    `INSERT INTO ${s}.${qi(LONG_NAME)} (id, k) VALUES (1, 1), (1, 2), (2, 3)`,
    `INSERT INTO ${s}.zoo_parted VALUES (1, '2020-05-01', 10), (2, '2021-05-01', 20), (3, '2030-01-01', NULL)`,
    `INSERT INTO ${s}.zoo_ext VALUES (1, 1), (2, NULL)`,
    // Three rows of 1,000 values: every column set (a column's number, or its text), then NULLs, then extremes.
    `INSERT INTO ${s}.zoo_wide VALUES
       (1, ${wideValues((i) => (i % 10 === 0 ? `'c${i}'` : String(i * 1000 + i)))}),
       (2, ${wideValues(() => 'NULL')}),
       (3, ${wideValues((i) => (i % 10 === 0 ? `'${'~'.repeat(8)}'` : i % 2 ? '-2147483648' : '2147483647'))})`,
    `INSERT INTO ${s}.${ZOO_KEYLESS} VALUES (1, 'one'), (NULL, 'null key'), (NULL, 'again')`,
  ];
}

function wideValues(value: (column: number) => string): string {
  return Array.from({ length: WIDE_COLUMNS - 1 }, (_, i) => value(i + 1)).join(', ');
}
