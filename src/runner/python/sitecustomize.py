"""dd-logstore's sitecustomize: keeps a Python child's output live without unbuffered writes.

`dd-logstore run` puts this file's directory first on PYTHONPATH. Piped to us, Python block-buffers stdout, so a
line could sit in the buffer for minutes; PYTHONUNBUFFERED=1 fixes that but makes every print() two write(2)
calls, several times slower. Instead a daemon thread flushes stdout and stderr every 50 ms: output reaches the
terminal and the log store within ~100 ms, order within a stream is kept (one buffer per stream, flushed whole),
an explicit flush() still goes out at once, and the child prints at its own speed.

Then the next sitecustomize on sys.path (the user's, a venv's or the distribution's) runs as if this one were not
there, as ddtrace-run does. Opt out with DD_LOGSTORE_PYTHON_FLUSH=0 (dd-logstore then leaves PYTHONPATH alone).
"""
import os
import sys

_FLUSH_SECONDS = 0.05


_flusher = {}


def _flush_forever(stop):
    while not stop.wait(_FLUSH_SECONDS):
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except Exception:
                # A closed or replaced stream: nothing to flush now, try again next time.
                pass


def _start_flusher():
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=_flush_forever, args=(stop,), name="dd-logstore-flush")
    thread.daemon = True
    _flusher.update(stop=stop, thread=thread)
    thread.start()


def _stop_flusher():
    # Before the interpreter's final flush: a daemon thread still inside flush() at shutdown holds the stream's
    # lock, and CPython then aborts ("could not acquire lock ... at interpreter shutdown").
    stop, thread = _flusher.get("stop"), _flusher.get("thread")
    if stop is not None and thread is not None:
        stop.set()
        thread.join(1.0)


def _chain_next_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    # Our directory leaves sys.path (it stays in PYTHONPATH, so Python grandchildren are live too).
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    ours = sys.modules.pop("sitecustomize", None)
    try:
        import importlib

        importlib.import_module("sitecustomize")
    except ImportError as err:
        if getattr(err, "name", None) != "sitecustomize":
            raise
        # No other sitecustomize: keep ours registered, as if it were the only one.
        if ours is not None:
            sys.modules["sitecustomize"] = ours


if not os.environ.get("PYTHONUNBUFFERED"):
    import atexit

    _start_flusher()
    atexit.register(_stop_flusher)
    if hasattr(os, "register_at_fork"):
        # Threads do not survive fork(): a forked worker (multiprocessing) starts its own flusher.
        os.register_at_fork(after_in_child=_start_flusher)
_chain_next_sitecustomize()
