# Loads the collector package into a kernel from the sources sent with the install request:
# a remote kernel (Kernel / Enterprise Gateway) cannot import from nbprov's directory.
#
# installCode() in src/capture/collector.ts sends, as one silent cell,
#
#     exec(compile(<this file>, "<nbprov-bootstrap>", "exec", dont_inherit=True),
#          {"SOURCES": {"__init__": <source>, "values": <source>, ...}, "CONFIG": "<json>"})
#
# SOURCES holds every other .py file of this directory. Run in a globals dict of its own,
# this code binds no name in the user namespace: the modules go to sys.modules only.
import json
import linecache
import sys
import types

PACKAGE = "_nbprov_collector"


def load(name, source, is_package=False):
    module = types.ModuleType(name)
    module.__package__ = PACKAGE              # lets `from .values import ...` resolve
    if is_package:
        module.__path__ = []
    filename = "<%s>" % name
    # tracebacks through the collector show its lines although no file exists
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    sys.modules[name] = module
    # dont_inherit: the future flags of the cell that runs this must not change the collector
    exec(compile(source, filename, "exec", dont_inherit=True), module.__dict__)
    return module


# a reinstall (possibly of a newer nbprov) starts from fresh modules
for name in [k for k in sys.modules if k == PACKAGE or k.startswith(PACKAGE + ".")]:
    del sys.modules[name]
package = load(PACKAGE, SOURCES["__init__"], is_package=True)
for name in package.MODULES:
    setattr(package, name, load(PACKAGE + "." + name, SOURCES[name]))
package.install.install(json.loads(CONFIG))
