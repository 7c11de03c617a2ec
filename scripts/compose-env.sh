#!/usr/bin/env bash
# The URLs the test suites read, for the servers of docker-compose.yml:
#   eval "$(bash scripts/compose-env.sh)" && npm test
# (with SLUICE_PG_URL and SLUICE_MARIADB_URL set, npm test starts no local
# servers; ORACLE_URL, MSSQL_URL and DB2_URL switch on the suites of those engines.)
cat <<'ENV'
export TEMPORAL_ADDRESS=127.0.0.1:7233
export SLUICE_PG_URL=postgresql://sluice:sluice-Pw-4f9d2c@127.0.0.1:55432/sluice_test
export SLUICE_MARIADB_URL=mariadb://sluice:sluice-Pw-4f9d2c@127.0.0.1:53306/sluice_test
export SLUICE_MYSQL_URL=mysql://sluice:sluice-Pw-4f9d2c@127.0.0.1:53307/sluice_test
export SLUICE_MONGODB_URL=mongodb://127.0.0.1:57017/
export ORACLE_URL=oracle://sluice:sluice-Pw-4f9d2c@127.0.0.1:51521/FREEPDB1
# A DBA account for the Oracle contract fixture (schemas are users: it creates them and grants the test user rights in them).
export ORACLE_ADMIN_URL=oracle://system:sys-Pw-4f9d2c@127.0.0.1:51521/FREEPDB1
export MSSQL_URL=mssql://sa:Sluice-Pw-4f9d2c@127.0.0.1:51433/master
export DB2_URL=db2://db2inst1:sluice-Pw-4f9d2c@127.0.0.1:50000/SLUICE
ENV
