#!/usr/bin/env python3
"""A toy training job for trying dd-logstore: Python logging, a tqdm-like progress bar redrawn with \\r on stderr,
a warning, an optional traceback, and the exit code you choose.

    dd-logstore run --step train -- python3 examples/train.py --epochs 3 --exit-code 0
"""
import argparse
import logging
import random
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--steps", type=int, default=50, help="progress-bar steps per epoch")
parser.add_argument("--exit-code", type=int, default=0)
parser.add_argument("--fail", action="store_true", help="raise an exception at the end (a traceback on stderr)")
parser.add_argument("--delay", type=float, default=0.002, help="seconds per step")
args = parser.parse_args()

logging.basicConfig(level=logging.INFO)  # the default format: LEVEL:name:message, on stderr
log = logging.getLogger("train")
random.seed(42)

log.info("starting training: %d epochs", args.epochs)
print("config: lr=0.001 batch_size=32")  # plain stdout
loss = 1.0
for epoch in range(1, args.epochs + 1):
    for step in range(1, args.steps + 1):
        loss *= 0.995 + random.random() * 0.004
        filled = step * 30 // args.steps
        sys.stderr.write(f"\repoch {epoch}: {step * 100 // args.steps:3d}%|{'#' * filled}{' ' * (30 - filled)}| {step}/{args.steps} loss={loss:.4f}")
        sys.stderr.flush()
        time.sleep(args.delay)
    sys.stderr.write("\n")
    log.info("epoch %d done: loss=%.4f", epoch, loss)
    if loss > 0.9:
        log.warning("loss is still high after epoch %d", epoch)

print(f"final loss: {loss:.4f}")
if args.fail:
    raise RuntimeError("training diverged")
sys.exit(args.exit_code)
