# Loads the collector package into a kernel from the sources sent with the install request:
# a remote kernel (Kernel / Enterprise Gateway) cannot import from nbprov's directory.
#
# installExpression() in src/capture/collector.ts sends, as a user expression of a silent request,
#
#     exec(compile(<this file>, "<nbprov-bootstrap>", "exec", dont_inherit=True),
#          {"SOURCES": {"__init__": <source>, "values": <source>, ...}, "CONFIG": "<json>",
#           "CODE_CACHE": {"dir": <path>, "key": <hash of SOURCES>} or None})
#
# SOURCES holds every other .py file of this directory. Run in a globals dict of its own,
# this code binds no name in the user namespace: the modules go to sys.modules only.
#
# CODE_CACHE (private servers only: the kernel runs as the user, on the user's machine) names
# nbprov's cache directory, where the compiled modules are kept as Python keeps .pyc files:
# compiling the sources is ~15 ms of every kernel's start, loading them ~1 ms.
import json
import linecache
import marshal
import os
import sys
import types

PACKAGE = "_nbprov_collector"


def qualified(name):
    return PACKAGE if name == "__init__" else PACKAGE + "." + name


def compile_all():
    # dont_inherit: the future flags of the cell that runs this must not change the collector
    return {name: compile(source, "<%s>" % qualified(name), "exec", dont_inherit=True) for name, source in SOURCES.items()}


def cached_code(cache):
    """Each module's code object: from the cache when it holds these sources compiled by this interpreter, else
    compiled and written there (atomically, private to the user, replacing other versions' files)."""
    prefix = "collector-"
    path = os.path.join(cache["dir"], "%s%s-%s-%x.marshal" % (prefix, cache["key"], sys.implementation.cache_tag, sys.hexversion))
    try:
        with open(path, "rb") as f:
            code = marshal.load(f)
        if isinstance(code, dict) and code.keys() == SOURCES.keys() and all(isinstance(c, types.CodeType) for c in code.values()):
            return code
    except (OSError, ValueError, EOFError, TypeError):
        pass
    code = compile_all()
    try:
        os.makedirs(cache["dir"], mode=0o700, exist_ok=True)
        temp = "%s.%d" % (path, os.getpid())
        with open(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            marshal.dump(code, f)
        os.replace(temp, path)
        for old in os.listdir(cache["dir"]):
            if old.startswith(prefix) and os.path.join(cache["dir"], old) != path:
                os.unlink(os.path.join(cache["dir"], old))
    except OSError:
        pass    # an unwritable cache only means compiling again next time
    return code


def load(name, code, is_package=False):
    module = types.ModuleType(qualified(name))
    module.__package__ = PACKAGE              # lets `from .values import ...` resolve
    if is_package:
        module.__path__ = []
    source = SOURCES[name]
    filename = "<%s>" % module.__name__
    # tracebacks through the collector show its lines although no file exists
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    sys.modules[module.__name__] = module
    exec(code[name], module.__dict__)
    return module


# a reinstall (possibly of a newer nbprov) starts from fresh modules
for name in [k for k in sys.modules if k == PACKAGE or k.startswith(PACKAGE + ".")]:
    del sys.modules[name]
code = cached_code(CODE_CACHE) if globals().get("CODE_CACHE") else compile_all()
package = load("__init__", code, is_package=True)
for name in package.MODULES:
    setattr(package, name, load(name, code))
package.install.install(json.loads(CONFIG))
