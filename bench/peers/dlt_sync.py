"""dlt contender: one table PostgreSQL -> PostgreSQL with dlt's sql_database source on its fastest
backend (connectorx or pyarrow), loaded through dlt's postgres destination as CSV (COPY).
URLs come from the environment (BENCH_SRC_URL, BENCH_DST_URL) so no password is on the command line."""
import argparse
import os
import sys
import time

import dlt
from dlt.sources.sql_database import sql_table

ap = argparse.ArgumentParser()
ap.add_argument("--schema", required=True)
ap.add_argument("--table", required=True)
ap.add_argument("--dataset", required=True)
ap.add_argument("--backend", default="connectorx", choices=["connectorx", "pyarrow"])
ap.add_argument("--format", default="csv", choices=["csv", "insert_values"])
args = ap.parse_args()

src = os.environ["BENCH_SRC_URL"]
dst = os.environ["BENCH_DST_URL"]
sa_url = src.replace("postgresql://", "postgresql+psycopg2://", 1)

kwargs = {}
if args.backend == "connectorx":
    kwargs["backend_kwargs"] = {"conn": src, "return_type": "arrow"}
resource = sql_table(
    credentials=sa_url,
    schema=args.schema,
    table=args.table,
    backend=args.backend,
    chunk_size=100_000,
    reflection_level="full_with_precision",
    **kwargs,
)
pipeline = dlt.pipeline(
    pipeline_name=f"bench_{args.table}",
    destination=dlt.destinations.postgres(credentials=dst),
    dataset_name=args.dataset,
    progress=None,
)
t0 = time.time()
info = pipeline.run(resource, write_disposition="replace", loader_file_format=args.format)
print(f"dlt {args.backend}: {time.time() - t0:.2f}s", file=sys.stderr)
info.raise_on_failed_jobs()
