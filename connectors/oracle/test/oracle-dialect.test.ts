import { oracleDialect } from './fixture';

// The contract fixture's translation of the testkit's portable SQL (the suite itself needs a server).
test('testkit SQL in Oracle terms: integer types, bare lower-case INSERT columns quoted; quoted names and literals untouched', () => {
  expect(oracleDialect('CREATE TABLE "s"."lines" ("order_id" BIGINT NOT NULL, "line_no" INTEGER NOT NULL, "qty" SMALLINT NOT NULL, "id" INT PRIMARY KEY)')).toBe(
    'CREATE TABLE "s"."lines" ("order_id" NUMBER(19) NOT NULL, "line_no" NUMBER(10) NOT NULL, "qty" NUMBER(5) NOT NULL, "id" NUMBER(10) PRIMARY KEY)',
  );
  expect(oracleDialect(`INSERT INTO "s"."customers" (email, created_at) VALUES ('a@x INT', '2024-01-01 00:00:00')`)).toBe(
    `INSERT INTO "s"."customers" ("email", "created_at") VALUES ('a@x INT', '2024-01-01 00:00:00')`,
  );
  expect(oracleDialect('CREATE TABLE "INT" ("BIGINT" VARCHAR(10))')).toBe('CREATE TABLE "INT" ("BIGINT" VARCHAR(10))');
});
