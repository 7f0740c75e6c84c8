"""Test helper: the start of a child script that dies by SIGKILL at a chosen call of a chosen site.

``KILL_AT="site:n"`` in the child's environment: ``hit()`` is true on the n-th call at the armed site, ``die()``
kills the process the way a power cut or the OOM killer would (no cleanup, no exit handlers).
"""

ARM = r"""
import os, re, signal, sys
site, n = os.environ["KILL_AT"].split(":")
n = int(n)
calls = {"k": 0}

def hit():
    calls["k"] += 1
    return calls["k"] == n

def die():
    os.kill(os.getpid(), signal.SIGKILL)
"""
