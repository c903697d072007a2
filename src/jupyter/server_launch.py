"""Starts Jupyter Server as its `jupyter-server` script does, with Python's cyclic garbage collector paused while the
server imports and initializes.

`python server_launch.py SCRIPT ARGS...`, where SCRIPT is the `jupyter-server` script whose interpreter this is.
Its imports make ~90,000 objects that live as long as the server, and the collector walked them over and over
while they were made: ~14% of the server's start-up (measured alone: 238 -> 205 ms until it answers). They are
frozen once the server is initialized, so its later collections skip them too.
"""
import gc
import os
import sys

gc.disable()

# As the script itself would run: its directory first on sys.path (not this file's), its name as argv[0].
script, *args = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(script))
sys.argv = [script, *args]

from jupyter_server.serverapp import ServerApp  # noqa: E402 (after the collector is paused)

_start = ServerApp.start


def _start_collecting(self):
    gc.freeze()
    gc.enable()
    return _start(self)


ServerApp.start = _start_collecting
sys.exit(ServerApp.launch_instance())
