# Jupyter Server config for nbprov's private servers (copied into their temp config dir).
import os
import signal
import threading

# Nagle's algorithm on the server's kernel websocket delays every small message by ~40 ms
# (measured: >=44 ms per cell on jupyter_server 1.23, 3-7 ms with this).
from jupyter_server.services.kernels.handlers import ZMQChannelsHandler

_orig_open = ZMQChannelsHandler.open


def _open(self, *args, **kwargs):
    self.set_nodelay(True)
    return _orig_open(self, *args, **kwargs)


ZMQChannelsHandler.open = _open

# A kernel started by nbclient (what nbconvert --execute and papermill use) streams output without limit, while
# the server's default drops iopub output above 1 MB/s ("IOPub data rate exceeded"): a cell printing 4 MB would
# lose its output.
c.ServerApp.iopub_data_rate_limit = 0  # noqa: F821 (c: the config Jupyter provides)
c.ServerApp.iopub_msg_rate_limit = 0  # noqa: F821

# nbprov does not wait for its private server to finish shutting down, and may die without cleaning up
# (kill -9): once the parent is gone, SIGTERM ourselves (the server then stops its kernels and exits), and
# exit hard if that has not happened within a few seconds. The server writes into its temp dir (config, runtime
# files, kernel sockets) until it exits, so the way out removes it, whichever way that is: nbprov removing it
# meanwhile raced with those writes (ENOTEMPTY).
import atexit

_parent = int(os.environ.get("NBPROV_PARENT_PID", "0"))
_temp_dir = os.environ.get("NBPROV_SERVER_DIR", "")


def _remove_temp_dir():
    import shutil
    if os.path.basename(_temp_dir).startswith("nbprov-jupyter-"):
        shutil.rmtree(_temp_dir, ignore_errors=True)


atexit.register(_remove_temp_dir)


def _watch_parent():
    import time
    while True:
        time.sleep(0.5)
        try:
            os.kill(_parent, 0)
        except ProcessLookupError:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
            _remove_temp_dir()
            os._exit(1)
        except PermissionError:
            pass


if _parent:
    threading.Thread(target=_watch_parent, name="nbprov-parent-watch", daemon=True).start()

# Describing the "python3" kernelspec makes jupyter_client import ipykernel, IPython and debugpy into the server
# (~0.4 s per start) even when the spec is an installed kernel.json (Debian's is). Read installed specs directly;
# only the built-in native spec, which has no kernel.json, takes the upstream path.
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.provisioning import KernelProvisionerFactory
from jupyter_core.paths import jupyter_path
from traitlets import default


class NbprovKernelSpecManager(KernelSpecManager):
    @default("kernel_dirs")
    def _kernel_dirs_default(self):
        # Upstream imports IPython into the server (~0.1 s, on the first request of every run) only to find the
        # legacy ~/.ipython/kernels directory: name it as IPython does, without the import.
        env = os.environ
        ipython_dir = env.get("IPYTHONDIR") or env.get("IPYTHON_DIR") or os.path.join(os.path.expanduser("~"), ".ipython")
        return [*jupyter_path("kernels"), os.path.join(ipython_dir, "kernels")]

    def _get_kernel_spec_by_name(self, kernel_name, resource_dir):
        if not os.path.exists(os.path.join(resource_dir, "kernel.json")):
            return super()._get_kernel_spec_by_name(kernel_name, resource_dir)
        spec = self.kernel_spec_class.from_resource_dir(resource_dir)
        if not KernelProvisionerFactory.instance(parent=self.parent).is_provisioner_available(spec):
            raise NoSuchKernel(kernel_name)
        return spec


c.ServerApp.kernel_spec_manager_class = NbprovKernelSpecManager  # noqa: F821 (c: the config Jupyter provides)
if any(os.path.exists(os.path.join(p, "python3", "kernel.json")) for p in jupyter_path("kernels")):
    c.KernelSpecManager.ensure_native_kernel = False  # noqa: F821

# Kernels talk to the server over Unix sockets in the server's private runtime dir instead of five TCP ports each.
# jupyter_client picks TCP ports by binding and releasing them, so a kernel started while other servers and
# kernels start (8 concurrent runs) can lose a port to them: it dies binding, the server restarts it on new
# ports, and the first websocket to it can then wait out the server's 60 s kernel_info_timeout (reproduced by
# taking a starting kernel's iopub port). Sockets in a 0700 temp dir are also closed to other local users.
# Unix socket paths are limited to 107 bytes: a long $TMPDIR keeps TCP.
from jupyter_core.paths import jupyter_runtime_dir

if len(os.path.join(jupyter_runtime_dir(), "kernel-00000000-0000-0000-0000-000000000000-ipc-99")) <= 107:
    c.KernelManager.transport = "ipc"  # noqa: F821

# The token reaches the server through its environment only, and the server's environment is what its kernels
# inherit: take it out, so notebook code (os.environ) cannot read it.
c.ServerApp.token = os.environ.pop("JUPYTER_TOKEN", "")  # noqa: F821

# Kernels keep their input history in memory, as nbclient starts them: cell sources (and any secret pasted into
# one) must not land in the user's ~/.ipython/profile_default/history.sqlite.
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class NbprovKernelManager(AsyncMappingKernelManager):
    async def start_kernel(self, kernel_id=None, path=None, **kwargs):
        kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []), "--HistoryManager.hist_file=:memory:"]
        return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)


c.ServerApp.kernel_manager_class = NbprovKernelManager  # noqa: F821

# python3 kernels are forked from a fork server that nbprov starts beside this server, importing ipykernel while
# the server starts (kernel_fork/): a kernel then starts without ~0.3 s of imports, which a sweep pays per trial.
# Without NBPROV_KERNEL_FORK_SOCKET (NBPROV_KERNEL_FORK=0) every kernel is a fresh `python -m ipykernel_launcher`.
import importlib.util

from jupyter_client.provisioning.factory import KernelProvisionerFactory


def _use_kernel_fork(socket, python):
    path = os.path.join(os.environ.get("JUPYTER_CONFIG_DIR", ""), "kernel_fork", "provisioner.py")
    spec = importlib.util.spec_from_file_location("nbprov_kernel_fork", path)
    provisioner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(provisioner)
    provisioner.ForkProvisioner.fork_socket = socket
    provisioner.ForkProvisioner.fork_python = python

    class Registered:
        """What KernelProvisionerFactory expects of an entry point."""
        name = "nbprov-fork-provisioner"
        module_name, object_name = "nbprov_kernel_fork", "ForkProvisioner"

        def load(self):
            return provisioner.ForkProvisioner

    KernelProvisionerFactory.provisioners[Registered.name] = Registered()
    c.KernelProvisionerFactory.default_provisioner_name = Registered.name  # noqa: F821


_fork_socket = os.environ.pop("NBPROV_KERNEL_FORK_SOCKET", "")
_fork_python = os.environ.pop("NBPROV_KERNEL_FORK_PYTHON", "")
if _fork_socket and _fork_python:
    _use_kernel_fork(_fork_socket, _fork_python)
