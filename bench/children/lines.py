"""The `lines` workload: N log-like lines of about 100 bytes, as fast as Python can write them, 1 in 4 on stderr."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
out = sys.stdout.write
err = sys.stderr.write
templates = (
    "2024-05-01 12:00:00,123 INFO app.worker: processed item %d of the batch in 12 ms, queue depth 42\n",
    "WARNING:app.db:slow query on table events took 1532 ms (item %d), consider adding an index\n",
    "Processing shard %d: reading input files from the bucket and writing output parquet to disk\n",
    "[INFO] worker-3 step %d finished successfully, metrics written to the tracker, all good here\n",
    "epoch 3 batch %d loss=0.1234 acc=0.98765 lr=0.0001 grad_norm=1.234 throughput=1234.5 samples/s\n",
)
for i in range(n):
    line = templates[i % 5] % i
    if i % 4 == 3:
        err(line)
    else:
        out(line)
