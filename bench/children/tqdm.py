"""The `tqdm` workload: a progress bar redrawn with \\r N times on stderr (as tqdm does), a log line on stdout every
N/10 redraws. Expected records: the 10 log lines + the bar's final state (+ one per 10 s of redrawing)."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
every = max(1, n // 10)
err = sys.stderr.write
for i in range(1, n + 1):
    pct = i * 100 // n
    filled = pct // 5
    err("\rtraining: %3d%%|%s%s| %d/%d [00:01<00:00, 91234.56it/s]" % (pct, "#" * filled, " " * (20 - filled), i, n))
    if i % every == 0:
        sys.stdout.write("INFO checkpoint saved at step %d\n" % i)
err("\n")
