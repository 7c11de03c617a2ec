import { mssqlConnector } from './mssql-connector';

export { mssqlConnector } from './mssql-connector';
export { mssqlConfigSchema, toPoolConfig, tlsChoice, DEFAULT_SCHEMA, PACKET_SIZE, type MssqlConfig, type TlsChoice } from './mssql-config';
export { classifyMssqlError, errorNumber } from './mssql-errors';
export { mssqlTypeMapper, toCanonical, toNative, nativeTypeName, parseNativeType, decodeValue, encodeValue, wireType, wireDeclaration, selectExpr, plainDecimal, toTediousDate, type MssqlColumn } from './mssql-types';
export { tablesQuery, columnsQuery, keysQuery, foreignKeysQuery, indexesQuery, groupIndexes, groupForeignKeys, toColumn } from './mssql-introspect';
export { keysetCondition, pageSql } from './mssql-read';
export { insertSql, insertSelectSql, mergeSql, stagingTableSql, valuesList, rowsPerStatement, withIdentityInsert, withRowCount, rowCountOf, bulkPlan } from './mssql-write';
export { createTableSql, addForeignKeySql, foreignKeyCheckSql, triggersSql, deleteWhere } from './mssql-ddl';
export { quoteIdent, quoteString, quoteTable, PROBE_SQL } from './mssql-session';
export { parseVersion } from './mssql-test';
export { STATE_TABLE, STAGING_PREFIX, isSluiceTable, stateTableSql, upsertStateSql } from './mssql-checkpoint';
export { bulkTable } from './mssql-driver';
export default mssqlConnector;
