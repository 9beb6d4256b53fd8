"""Shared pytest set-up.

The Ctrl-C tests send SIGINT to `mwk reduce` children and expect them to stop
cleanly. A process started in the background by a non-interactive shell (CI
runners, `cmd &`, nohup) inherits SIGINT *ignored* (and a launcher may leave
it blocked), and so would every child, which then runs to completion: the
tests would fail for the launcher's reason (seen once: every Ctrl-C test
exited 0). Giving this process Python's own handler again, and unblocking the
signal, means exec'd children start with the default disposition, as they
would from a terminal. `mwk reduce` itself keeps an inherited ignore (nohup's
contract).
"""
import signal

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
