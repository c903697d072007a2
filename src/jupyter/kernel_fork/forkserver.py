"""A fork server for IPython kernels: imports ipykernel once, then forks a fresh kernel per request.

A kernel started the usual way spends ~0.5 s of CPU importing ipykernel, IPython, zmq, tornado and debugpy before it
runs any cell; a sweep pays that for every trial. This process pays it once, when the private server starts (in
parallel with the server's own start-up), and forks a child per kernel. The child has run no user code and shares
nothing with other kernels: it sets up its argv, environment, working directory and session exactly as
`python -m ipykernel_launcher` would have them, then starts the kernel.

nbprov starts it beside the private server, so that both import at once: `python forkserver.py SOCKET SERVER_PID`.
It lives as long as that server, and kills whatever kernels remain once the server is gone.

Protocol, over the Unix socket SOCKET (one connection per kernel, JSON lines):
  request  {"argv": [...launcher arguments...], "env": {...}, "cwd": "..."}
  reply    {"pid": N}                          once forked
           {"exit": CODE}                      when the kernel has exited; then the connection closes
The connection is the kernel's handle: when the server closes it, the kernel is killed, so none is orphaned.
Standard library and IPython only; no thread may run here before a fork.

The cyclic garbage collector is off here and frozen before each fork, on in each kernel (gc.freeze's documented
use): the ~140,000 objects the imports make live as long as any kernel, and a kernel's collections walked them over
and over while its notebook made objects of its own. Measured on bench/ds.ipynb: 265 -> 235 ms to import ipykernel
here, and 520 -> 400 ms for a kernel to import numpy, pandas and sklearn. They are then invisible to gc.get_objects()
in the kernel, as any frozen object is.
"""
import gc
import json
import os
import selectors
import signal
import socket
import sys

LAUNCHER_ARGV0 = None  # what `python -m ipykernel_launcher` shows as sys.argv[0]
REQUEST_TIMEOUT_S = 5


def preload():
    """Imports what every kernel imports before its first cell, and returns the environment variables that did."""
    global LAUNCHER_ARGV0
    before = dict(os.environ)
    import ipykernel_launcher
    from ipykernel import kernelapp, ipkernel, zmqshell  # noqa: F401 (imported to be inherited)
    LAUNCHER_ARGV0 = ipykernel_launcher.__file__
    return {k: v for k, v in os.environ.items() if before.get(k) != v}


def run_kernel(request, set_by_imports):
    """In the forked child: become `python -m ipykernel_launcher ARGV` in its own session.

    It never returns: its SystemExit unwinds through the fork server's frames (which hold no cleanup of their own)
    and the interpreter exits as any kernel's does, joining threads, running atexit handlers, flushing files.
    """
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    gc.enable()
    os.setsid()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update({**request["env"], **set_by_imports})
    sys.argv = [LAUNCHER_ARGV0, *request["argv"]]
    # `python -m` puts the directory it starts in first on sys.path; ours is this file's.
    sys.path[0] = os.getcwd()
    from ipykernel import kernelapp
    kernelapp.launch_new_instance()
    sys.exit(0)


class ForkServer:
    def __init__(self, path, server_pid):
        self.set_by_imports = {}
        self.server_pid = server_pid
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(64)
        self.selector = selectors.DefaultSelector()
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(self.wake_read, selectors.EVENT_READ)
        self.kernels = {}  # pid -> the connection that asked for it

    def serve(self):
        while alive(self.server_pid):
            for key, _ in self.selector.select(timeout=0.5):
                if key.fileobj is self.listener:
                    self.accept()
                elif key.fileobj == self.wake_read:
                    os.read(self.wake_read, 512)
                    self.reap()
                else:
                    self.disconnected(key.fileobj)
        # The server is gone: so must its kernels be.
        for pid in list(self.kernels):
            kill(pid)

    def accept(self):
        conn, _ = self.listener.accept()
        conn.settimeout(REQUEST_TIMEOUT_S)   # a client that connects and says nothing must not stop the server
        try:
            request = json.loads(read_line(conn))
        except (OSError, ValueError):
            conn.close()
            return
        conn.settimeout(None)
        gc.freeze()  # what this process made since the last fork too: nothing is collected here
        pid = os.fork()
        if pid == 0:
            self.close_in_child(conn)
            run_kernel(request, self.set_by_imports)
        self.kernels[pid] = conn
        send(conn, {"pid": pid})
        self.selector.register(conn, selectors.EVENT_READ, pid)

    def close_in_child(self, conn):
        signal.set_wakeup_fd(-1)
        self.selector.close()
        for sock in (self.listener, conn, *self.kernels.values()):
            sock.close()
        os.close(self.wake_read)
        os.close(self.wake_write)

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.kernels.pop(pid, None)
            if conn is not None:
                self.selector.unregister(conn)
                send(conn, {"exit": os.waitstatus_to_exitcode(status)})
                conn.close()

    def disconnected(self, conn):
        """The server side closed a kernel's handle (it is done with it, or gone): the kernel must not outlive it."""
        try:
            if conn.recv(512):
                return  # nothing is expected from the server; ignore it rather than kill a kernel
        except OSError:
            pass
        pid = self.selector.get_key(conn).data
        self.selector.unregister(conn)
        conn.close()
        if self.kernels.pop(pid, None) is not None:
            kill(pid)


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("closed before a request")
        data += chunk
    return data


def send(conn, message):
    try:
        conn.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def kill(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


if __name__ == "__main__":
    gc.disable()
    # Listen first: a kernel asked for while ipykernel is still importing waits in the backlog.
    server = ForkServer(sys.argv[1], int(sys.argv[2]))
    server.set_by_imports = preload()
    server.serve()
