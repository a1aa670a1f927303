"""The `print` workload: N log-like lines of about 100 bytes, one print() each, 1 in 10 on stderr, as a training
script prints. `--file PATH` writes the same lines, all of them, to PATH instead (the `ceiling` workload's input)."""
import sys

args = sys.argv[1:]
to_file = None
if args[:1] == ["--file"]:
    to_file, args = args[1], args[2:]
n = int(args[0]) if args else 1_000_000
templates = (
    "2024-05-01 12:00:00,123 INFO app.worker: processed item %d of the batch in 12 ms, queue depth 42",
    "WARNING:app.db:slow query on table events took 1532 ms (item %d), consider adding an index",
    "Processing shard %d: reading input files from the bucket and writing output parquet to disk",
    "[INFO] worker-3 step %d finished successfully, metrics written to the tracker, all good here",
    "epoch 3 batch %d loss=0.1234 acc=0.98765 lr=0.0001 grad_norm=1.234 throughput=1234.5 samples/s",
)
if to_file is not None:
    with open(to_file, "w") as f:
        for i in range(n):
            f.write(templates[i % 5] % i + "\n")
else:
    err = sys.stderr
    for i in range(n):
        if i % 10 == 9:
            print(templates[i % 5] % i, file=err)
        else:
            print(templates[i % 5] % i)
