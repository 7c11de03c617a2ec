/**
 * @sluice/connector-oracle — Oracle Database through node-oracledb in thin
 * mode (pure JavaScript: no Oracle client install; `initOracleClient` is
 * never called). Needs Oracle 12.2 or later (FETCH FIRST, identity columns,
 * 128-byte names, ALL_CONSTRAINTS.SEARCH_CONDITION_VC).
 *
 * Connecting: Syntho's CreateOracleConnector fields (port 1521, protocol
 * `oracle+oracledb`). `database` is a **service name**
 * (`oracle://user:pw@host:1521/FREEPDB1`). For an old-style **SID**, set the
 * config field `sid: true` (then `database` is the SID), or in a URL either
 * `oracle://user:pw@host:1521/?sid=XE` or `oracle://user:pw@host:1521/XE?sid=true`.
 * Schemes `oracle://` and `oracledb://`. SSL hook → TLS (`tcps`, the
 * listener's TLS port): node-oracledb thin always verifies the server's
 * certificate chain (against the hook's CA, else Node's root CAs);
 * `verify-full` also checks the host name; a client certificate and key
 * give mutual TLS. SSH tunnel hook: through the SDK's tunnel. Kerberos:
 * refused (thin mode has none).
 *
 * Schemas are users (owners); listSchemas lists those not Oracle-maintained.
 * Names are always quoted (Oracle upper-cases unquoted ones); a name with a
 * double quote, or longer than 128 bytes, cannot exist in Oracle and is refused.
 *
 * Oracle stores the empty string as NULL in VARCHAR2/CHAR columns: '' written
 * to text(n) reads back as NULL (and a NOT NULL column refuses it). Unbounded
 * text (CLOB) and bytes (BLOB) keep '' and NULL apart. Canonical bool is
 * NUMBER(1) with a CHECK (IN (0, 1)), date a DATE with a CHECK (= TRUNC),
 * json a CLOB with a CHECK (IS JSON): see oracle-types.ts for every mapping.
 * Sync state lives in `_sluice_state` of each destination schema.
 */
import { oracleConnector } from './oracle-connector';

export { oracleConnector } from './oracle-connector';
export { oracleConfigSchema, toConnectOptions, connectDescriptor, usesTls, type OracleConfig } from './oracle-config';
export { classifyOracleError, oraNumber } from './oracle-errors';
export { walletFor, ephemeralClientCertificate } from './oracle-tls';
export {
  oracleTypes, toCanonical, toNative, spellType, columnCheck, parseCheck, familyOf, selectExpr, decodeValue, bindPlan,
  normalizeNumber, formatTime, toUtcText, isEmptyLobValue, MAX_VARCHAR2, MAX_RAW, type CheckHint, type TypedColumn,
} from './oracle-types';
export { tablesSql, columnsSql, constraintsSql, indexesSql, indexExpressionsSql, tableFilter, groupIndexes, checkHints, toColumn } from './oracle-introspect';
export { keysetCondition, selectList, decodeRow } from './oracle-read';
export { insertSql, mergeSql, identityResetSql, valueExprs, bindDefsFor } from './oracle-write';
export { createTableSql, columnDdl, deleteSql, addForeignKeySql, derivedName } from './oracle-ddl';
export { quoteIdent, SESSION_INIT_SQL, MAX_IDENTIFIER_BYTES, OracleSession } from './oracle-session';
export { STATE_TABLE, STAGING_PREFIX, isSluiceTable, stateTableSql, putStateSql } from './oracle-checkpoint';
export default oracleConnector;
