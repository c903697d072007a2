"""install(config): puts a Recorder in builtins as `__nbprov__` and hooks it into IPython."""
import atexit
import builtins
import gc

from IPython.core.getipython import get_ipython

from .content import FP_BUDGET
from .output_mask import mask_outputs
from .recorder import Recorder
from .rewriter import ME

# Sent by installExpression() (src/capture/collector.ts) from src/limits.ts, their one home: no defaults here.
REQUIRED = ("capture", "capture_modes", "loop_budget", "repr_limit", "redact")


def install(config):
    """Installs the collector in the running IPython; replaces an earlier one (whose ids
    the new one continues). Raises KeyError for a missing option, ValueError for a capture
    mode the config does not offer."""
    opts = {"fp_budget": FP_BUDGET}
    opts.update(config)
    for key in REQUIRED:
        if key not in opts:
            raise KeyError("the install config lacks %r" % (key,))
    if opts["capture"] not in opts["capture_modes"]:
        raise ValueError("capture must be one of %s, not %r" % (", ".join(opts["capture_modes"]), opts["capture"]))
    shell = get_ipython()
    prev = getattr(builtins, ME, None)
    if callable(getattr(type(prev), "uninstall", None)):     # an earlier Recorder
        prev.uninstall()                                     # leaves an Inert in builtins
        prev = getattr(builtins, ME, None)
    carried = vars(prev).get("carried") if hasattr(prev, "__dict__") else None
    rec = Recorder(shell, opts, carried)
    setattr(builtins, ME, rec)
    rec.activate()
    # with --no-redact, None: a kernel masked by an earlier install publishes as is again
    mask_outputs(shell, rec.summaries.secrets if opts["redact"] else None)
    skip_last_collection()


def skip_last_collection():
    """A kernel's exit spent ~0.4 s of CPU (pandas and sklearn loaded) in the interpreter's last garbage
    collection, which a sweep pays per trial and nothing needs: the objects still alive at exit are kept from it
    (their memory goes with the process; files are still flushed as their modules are cleared)."""
    atexit.unregister(gc.freeze)        # once, however many installs
    atexit.register(gc.freeze)
