"""nbprov's kernel-side provenance collector (Python 3.11, standard library + IPython only).

It is never imported from disk: the kernel may be remote, so bootstrap.py receives these
modules' sources with the install request and executes them as the package
`_nbprov_collector`, in the order of MODULES, then calls install.install(config). The
kernel's user namespace gets no name; `__nbprov__` in builtins is the one object the
rewritten cells call and the runner drains after each cell.
"""
# Dependency order: each module imports only from the ones before it.
MODULES = ("costs", "frames", "content", "entries", "secrets", "output_mask", "values", "rng", "scan", "flow", "sites",
           "rewriter", "filelinks", "files", "environment", "loops", "functions", "aliases", "recorder", "install")
