"""SQLAlchemy per-table reflection of a PostgreSQL schema: inspect(engine).get_columns(table, schema)
for every table, one after the other (the figure Sluice's one-query-per-object-kind introspection
is compared with). Prints JSON {tables, columns, seconds}. URL from BENCH_PG_URL."""
import json
import os
import sys
import time

import sqlalchemy

schema = sys.argv[1]
url = os.environ["BENCH_PG_URL"].replace("postgresql://", "postgresql+psycopg2://", 1)
engine = sqlalchemy.create_engine(url)
t0 = time.perf_counter()
insp = sqlalchemy.inspect(engine)
tables = insp.get_table_names(schema=schema)
columns = 0
for t in tables:
    columns += len(insp.get_columns(t, schema=schema))
seconds = time.perf_counter() - t0
print(json.dumps({"tables": len(tables), "columns": columns, "seconds": seconds, "sqlalchemy": sqlalchemy.__version__}))
