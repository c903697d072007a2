"""The private server's kernel provisioner: python3 kernels come from the fork server, anything else as usual.

Loaded into the Jupyter server by server_config.py. A kernel whose command is `<the fork server's python> -m
ipykernel_launcher` is forked by forkserver.py; every other command (another interpreter, another kernel language),
and any kernel asked for while the fork server is unavailable, is launched by jupyter_client's LocalProvisioner as
before. The forked kernel is then managed exactly as a launched one: LocalProvisioner's poll/wait/signal/kill act
on `process`, here a Popen-like handle whose exit status arrives over the fork server's connection.
"""
import asyncio
import json
import os
import signal

from jupyter_client.provisioning import LocalProvisioner

FORK_SERVER_REPLY_TIMEOUT_S = 30


class ForkProvisioner(LocalProvisioner):
    fork_socket = None  # set by server_config.py: the fork server's socket,
    fork_python = None  # and the interpreter it runs

    async def launch_kernel(self, cmd, **kwargs):
        if self.fork_socket and forkable(cmd, self.fork_python):
            try:
                self.process = await ForkedKernel.start(self.fork_socket, cmd[3:], kwargs)
            except (OSError, ValueError, KeyError, asyncio.TimeoutError) as err:
                self.log.warning("nbprov: kernel fork server unavailable (%s); launching the kernel as usual", err)
            else:
                self.pid = self.pgid = self.process.pid
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)

    async def cleanup(self, restart=False):
        if isinstance(self.process, ForkedKernel):
            self.process.close()
        await super().cleanup(restart=restart)


def forkable(cmd, python):
    """`PYTHON -m ipykernel_launcher -f FILE ...`, PYTHON the fork server's: what the fork server can become.

    The interpreter's path is compared as written, not resolved: a virtualenv's python is a symlink to the system's,
    and yet another environment (its sys.prefix comes from the path it was started by).
    """
    return len(cmd) >= 5 and cmd[1:4] == ["-m", "ipykernel_launcher", "-f"] and os.path.abspath(cmd[0]) == os.path.abspath(python)


class ForkedKernel:
    """The subprocess.Popen interface LocalProvisioner uses, for a kernel forked by the fork server."""

    stdin = stdout = stderr = None

    def __init__(self, pid, reader, writer):
        self.pid = pid
        self.returncode = None
        self._writer = writer
        self._watch = asyncio.ensure_future(self._watch_exit(reader))

    @classmethod
    async def start(cls, socket_path, argv, kwargs):
        reader, writer = await asyncio.open_unix_connection(socket_path)
        try:
            # As jupyter_client's launch_kernel does: the kernel exits when orphaned.
            env = {**(kwargs.get("env") or os.environ), "JPY_PARENT_PID": str(os.getpid())}
            request = {"argv": argv, "env": env, "cwd": kwargs.get("cwd") or os.getcwd()}
            writer.write(json.dumps(request).encode() + b"\n")
            reply = json.loads(await asyncio.wait_for(reader.readline(), FORK_SERVER_REPLY_TIMEOUT_S))
            return cls(int(reply["pid"]), reader, writer)
        except BaseException:
            writer.close()
            raise

    async def _watch_exit(self, reader):
        line = await reader.readline()
        try:
            self.returncode = int(json.loads(line)["exit"])
        except (ValueError, KeyError, TypeError):
            # The fork server went away without a word: the kernel cannot be managed any more, so it goes too.
            self.kill_quietly()
            self.returncode = -signal.SIGKILL

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        return self.returncode

    def send_signal(self, signum):
        os.kill(self.pid, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill_quietly(self):
        try:
            self.kill()
        except OSError:
            pass

    def close(self):
        """Lets go of the kernel: the fork server kills it if it is still running."""
        self._writer.close()
