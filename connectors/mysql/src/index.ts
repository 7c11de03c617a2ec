import { mysqlConnector } from './mysql-connector';

export { mysqlConnector } from './mysql-connector';
export { mysqlConfigSchema, toPoolOptions, type MysqlConfig } from './mysql-config';
export { classifyMysqlError } from './mysql-errors';
export { mysqlTypeMapper, parseFlavour, toCanonical, toNative, decodeValue, encodeParam, encodeLoadField, MARIADB_10_11, MYSQL_8_0, type MysqlFlavour } from './mysql-types';
export { columnsQuery, jsonChecksQuery, jsonCheckColumn, groupIndexes } from './mysql-introspect';
export { keysetCondition } from './mysql-read';
export { insertSql, insertSelectUpsertSql, loadDataSql, autoIncrementSql, usesRowAlias, parseLoadInfo, KeyCheck } from './mysql-write';
export { createTableSql, addForeignKeySql, tableCollation } from './mysql-ddl';
export { quoteIdent, SESSION_INIT_SQL, sessionSqlMode } from './mysql-session';
export { DDL_ENGINE, splitCreateTable, portableView, unqualify, twoPartNames, splitTopLevel, orderViews, alreadyExists, withoutAutoIncrement, withoutPartitioning, parseForeignKeySql, withSqlMode, withCollation, requalify } from './mysql-schema-ddl';
export { checksumSql, checksumTerm } from './mysql-checksum';
export { STATE_TABLE, STAGING_PREFIX, isSluiceTable, stateTableSql, upsertStateSql } from './mysql-checkpoint';
export default mysqlConnector;
