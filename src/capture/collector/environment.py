"""What the notebook runs on: the interpreter, IPython, and the modules its cells load."""
import os
import sys


class ModuleLog:
    """Top-level third-party modules, each reported once with its version and path.

    A module counts when a cell imports it (even if something loaded it earlier) or when it
    appears in sys.modules during a cell; the standard library, private modules and
    modules without a file (namespace packages, the collector itself) are left out.
    """

    def __init__(self):
        self.imported = set()          # named by the cells' import statements since the last drain
        self.reported = set()
        self.known = {k for k in sys.modules if "." not in k}
        self.count = len(sys.modules)

    def drain(self):
        names = set(self.imported)
        self.imported = set()
        mods = sys.modules
        if len(mods) != self.count:     # a cell that imports nothing costs one len()
            self.count = len(mods)
            std = sys.stdlib_module_names
            for k in list(mods):
                if "." in k or k in self.known:
                    continue
                self.known.add(k)
                if not k.startswith("_") and k not in std and \
                        isinstance(getattr(mods[k], "__file__", None), str):
                    names.add(k)
        out = []
        for n in sorted(names):
            m = mods.get(n)
            if n in self.reported or m is None:
                continue
            self.reported.add(n)
            path = getattr(m, "__file__", None)
            out.append({"name": n, "version": version_of(n, m),
                        "path": path if isinstance(path, str) else None})
        return out


def version_of(n, m):
    v = getattr(m, "__version__", None)
    if isinstance(v, str):
        return v
    if v is not None:
        return str(v)
    if n in sys.stdlib_module_names:
        return None
    try:
        from importlib import metadata
        return metadata.version(n)
    except Exception:
        return None


def kernel_environment():
    """The interpreter and kernel the trial runs in (the recorder adds its capture settings)."""
    import platform
    try:
        import ipykernel
        ipk = ipykernel.__version__
    except Exception:
        ipk = None
    import IPython
    return {
        "python": sys.version, "implementation": sys.implementation.name,
        "executable": sys.executable, "platform": platform.platform(),
        "ipython": IPython.__version__, "ipykernel": ipk, "cwd": os.getcwd(),
        "pid": os.getpid(),
        # where the installation lives (a virtualenv's own, and the Python it was made from):
        # diff leaves the notebook's reads under it out of its Files and Why
        "prefix": sys.prefix, "base_prefix": sys.base_prefix}
