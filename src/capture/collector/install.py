"""install(config): puts a Recorder in builtins as `__nbprov__` and hooks it into IPython."""
import builtins

from IPython.core.getipython import get_ipython

from .content import FP_BUDGET
from .recorder import Recorder
from .rewriter import ME

DEFAULT_OPTIONS = {"capture": "vars", "loop_budget": 3, "repr_limit": 256, "redact": True,
                   "fp_budget": FP_BUDGET}


def install(config=None):
    """Installs the collector in the running IPython; replaces an earlier one (whose ids
    the new one continues). Raises ValueError for an unknown capture mode."""
    opts = dict(DEFAULT_OPTIONS)
    opts.update(config or {})
    if opts["capture"] not in ("cells", "vars", "full"):
        raise ValueError("capture must be cells, vars or full, not %r" % (opts["capture"],))
    shell = get_ipython()
    prev = getattr(builtins, ME, None)
    if callable(getattr(type(prev), "uninstall", None)):     # an earlier Recorder
        prev.uninstall()                                     # leaves an Inert in builtins
        prev = getattr(builtins, ME, None)
    carried = vars(prev).get("carried") if hasattr(prev, "__dict__") else None
    rec = Recorder(shell, opts, carried)
    setattr(builtins, ME, rec)
    rec.activate()
