# Secrets masked in what the kernel publishes (src/capture/collector/output_mask.py): the message
# contents it masks, and a real ipykernel kernel (jupyter_client) with the collector installed as
# nbprov installs it, its iopub messages and execute replies read as they leave the kernel.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_*.py'

import os
import sys
import time
import unittest

from jupyter_client.manager import start_new_kernel

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "capture")))

from collector.output_mask import MAX_NODES, OutputMask, masked_args  # noqa: E402
from collector.secrets import MAX_MASKED, Secrets  # noqa: E402
from test_collector import install_code  # noqa: E402


def secrets_of(*values):
    s = Secrets(True)
    for v in values:
        s.remember(v)
    return s


class TestMessages(unittest.TestCase):
    def setUp(self):
        self.mask = OutputMask(secrets_of("s3cr3t-value", "s3cr3t", "abc", 'q"uo\nte', b"byte-secret"))

    def test_stream_text_longest_first_short_ones_kept(self):
        content = {"name": "stdout", "text": "s3cr3t-value s3cr3t abc postgres://u:pw-x@h/db\n"}
        self.assertEqual(self.mask.message("stream", content),
                         {"name": "stdout", "text": "<redacted> <redacted> abc postgres://u:<redacted>@h/db\n"})
        self.assertEqual(content["text"], "s3cr3t-value s3cr3t abc postgres://u:pw-x@h/db\n", "the caller's dict is left alone")

    def test_escaped_in_reprs_and_ascii_bytes(self):
        text = repr('q"uo\nte') + " " + repr(b"byte-secret") + " " + 'q"uo\nte'
        self.assertEqual(self.mask.message("stream", {"text": text})["text"], "'<redacted>' b'<redacted>' <redacted>")

    def test_display_bundles_mask_text_mimetypes_only(self):
        data = {"text/plain": "'s3cr3t-value'", "text/html": "<b>s3cr3t-value</b>",
                "application/json": {"a": ["s3cr3t-value", 1, None], "b": {"c": "x s3cr3t-value"}},
                "application/vnd.custom+json": {"k": "s3cr3t-value"}, "image/svg+xml": "<text>s3cr3t-value</text>",
                "image/png": "s3cr3t-value"}
        for msg_type in ("display_data", "update_display_data", "execute_result"):
            out = self.mask.message(msg_type, {"data": data, "metadata": {"m": "s3cr3t-value"}, "execution_count": 3})
            self.assertEqual(out, {"data": {
                "text/plain": "'<redacted>'", "text/html": "<b><redacted></b>",
                "application/json": {"a": ["<redacted>", 1, None], "b": {"c": "x <redacted>"}},
                "application/vnd.custom+json": {"k": "<redacted>"}, "image/svg+xml": "<text><redacted></text>",
                "image/png": "s3cr3t-value"}, "metadata": {"m": "s3cr3t-value"}, "execution_count": 3})
        self.assertEqual(data["text/plain"], "'s3cr3t-value'")

    def test_errors_and_execute_reply_but_not_its_user_expressions(self):
        error = {"ename": "ValueError", "evalue": "bad s3cr3t-value", "traceback": ["line", "ValueError: bad s3cr3t-value"]}
        self.assertEqual(self.mask.message("error", error),
                         {"ename": "ValueError", "evalue": "bad <redacted>", "traceback": ["line", "ValueError: bad <redacted>"]})
        reply = {"status": "ok", "user_expressions": {"d": {"data": {"application/json": {"secrets": ["s3cr3t-value"]}}}}}
        self.assertIs(self.mask.message("execute_reply", reply), reply)
        self.assertEqual(self.mask.message("execute_reply", dict(reply, status="error", **error))["evalue"], "bad <redacted>")

    def test_other_messages_and_clean_text_are_not_copied(self):
        clean = {"name": "stdout", "text": "nothing to hide"}
        self.assertIs(self.mask.message("stream", clean), clean)
        comm = {"data": {"text": "s3cr3t-value"}}
        self.assertIs(self.mask.message("comm_msg", comm), comm)
        self.assertIs(self.mask.message("status", None), None)

    def test_a_message_built_beforehand(self):
        msg = {"header": {"msg_type": "execute_result"}, "content": {"data": {"text/plain": "'s3cr3t-value'"}}}
        sent, content = masked_args(self.mask, msg, None)
        self.assertEqual(sent["content"], {"data": {"text/plain": "'<redacted>'"}})
        self.assertEqual((sent["header"], content), (msg["header"], None))
        self.assertEqual(msg["content"]["data"]["text/plain"], "'s3cr3t-value'")

    def test_new_secrets_are_seen_and_no_secret_costs_nothing(self):
        s = Secrets(True)
        s.masked.clear()        # this process's own secret-named environment variables, if any
        mask = OutputMask(s)
        self.assertEqual(mask.forms(), ())
        s.remember("later-secret")
        self.assertEqual(mask.message("stream", {"text": "later-secret"})["text"], "<redacted>")
        self.assertEqual(Secrets(False).masked, [])

    def test_bounds(self):
        many = secrets_of(*("secret-%04d" % i for i in range(MAX_MASKED + 50)))
        self.assertEqual(len(many.masked), MAX_MASKED)
        lines = ["s3cr3t-value"] * (MAX_NODES + 5)
        out = self.mask.message("error", {"evalue": "", "traceback": lines})["traceback"]
        # the evalue and the list are two of the nodes looked at
        self.assertEqual(out, ["<redacted>"] * (MAX_NODES - 2) + ["s3cr3t-value"] * 7)
        big = {"application/json": {"rows": list(range(3 * MAX_NODES)) + ["s3cr3t-value"]}}
        self.assertIs(self.mask.message("display_data", {"data": big})["data"], big, "looked at up to MAX_NODES")


class Kernel:
    """A real ipykernel kernel under this Python with the collector installed as nbprov installs it."""

    def __init__(self, redact=True, env=None):
        self.km, self.kc = start_new_kernel(kernel_name="python3", env=dict(os.environ, **(env or {})))
        self.install(redact)

    def install(self, redact):
        config = {"capture": "vars", "loop_budget": 100, "redact": redact}
        reply, _ = self.execute(install_code(config), silent=True)
        assert reply["content"]["status"] == "ok", reply["content"]

    def execute(self, code, silent=False):
        """(execute reply, iopub outputs) of one cell, the drain's user expression included."""
        msg_id = self.kc.execute(code, silent=silent, store_history=not silent,
                                 user_expressions={} if silent else {"d": "__nbprov__.drain()"})
        outputs = []
        deadline = time.monotonic() + 30
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            if msg["msg_type"] in ("stream", "display_data", "execute_result", "error", "update_display_data"):
                outputs.append((msg["msg_type"], msg["content"]))
        reply = self.kc.get_shell_msg(timeout=30)
        return reply, outputs

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def texts(outputs):
    out = []
    for msg_type, content in outputs:
        if msg_type == "stream":
            out.append(content["text"])
        elif msg_type == "error":
            out.append("%s: %s | %s" % (content["ename"], content["evalue"], content["traceback"][-1]))
        else:
            out.append(content["data"])
    return out


class TestKernel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k = Kernel(env={"SERVICE_API_TOKEN": "env-tok-9876", "RETRIES_SECRET": "3600"})

    @classmethod
    def tearDownClass(cls):
        cls.k.close()

    def test_same_cell_streams_results_displays_and_errors(self):
        code = ("import sys\ntoken = 's3cr3t-value'\nprint(token)\n"
                "sys.stdout.write(token[:4]); sys.stdout.write(token[4:] + '\\n')\n"     # one flush: one text
                "print('err', token, file=sys.stderr)\nfrom IPython.display import display, HTML, JSON\n"
                "h = display(HTML('<i>' + token + '</i>'), display_id=True)\nh.update(JSON({'t': token}))\ntoken")
        reply, outputs = self.k.execute(code)
        self.assertEqual(texts(outputs), [
            "<redacted>\n<redacted>\n", "err <redacted>\n",
            {"text/html": "<i><redacted></i>", "text/plain": "<IPython.core.display.HTML object>"},
            {"application/json": {"t": "<redacted>"}, "text/plain": "<IPython.core.display.JSON object>"},
            {"text/plain": "'<redacted>'"}])
        payload = reply["content"]["user_expressions"]["d"]["data"]["application/json"]
        self.assertEqual(payload["secrets"][-1], "s3cr3t-value", "the drain still tells nbprov the secret")

    def test_errors_subprocesses_env_secrets_and_urls(self):
        code = "import os\nprint(os.environ['SERVICE_API_TOKEN'], os.environ['RETRIES_SECRET'], 'https://me:pw-1234@host/x')"
        self.assertEqual(texts(self.k.execute(code)[1]), ["<redacted> 3600 https://me:<redacted>@host/x\n"])
        self.k.execute("password = 'pw-err-4321'")
        self.assertEqual(texts(self.k.execute("!echo sub-$password")[1]), ["sub-<redacted>\r\n"])
        reply, outputs = self.k.execute("raise ValueError('bad ' + password)")
        self.assertEqual(texts(outputs), ["ValueError: bad <redacted> | \x1b[0;31mValueError\x1b[0m: bad <redacted>"])
        self.assertEqual((reply["content"]["evalue"], reply["content"]["traceback"][-1]),
                         ("bad <redacted>", "\x1b[0;31mValueError\x1b[0m: bad <redacted>"))

    def test_reinstall_without_redaction_publishes_as_is(self):
        k = Kernel()
        try:
            k.execute("api_key = 'k-5678-raw'")
            k.install(redact=False)
            self.assertEqual(texts(k.execute("print('k-5678-raw')")[1]), ["k-5678-raw\n"])
            k.install(redact=True)
            self.assertEqual(texts(k.execute("api_key = 'k-5678-raw'\nprint(api_key)")[1]), ["<redacted>\n"])
            send = "s = get_ipython().kernel.session.send\nprint(s.__name__, s.__wrapped__.__name__)"
            self.assertEqual(texts(k.execute(send)[1]), ["masked_send send\n"], "wrapped once, whatever the installs")
        finally:
            k.close()


if __name__ == "__main__":
    unittest.main()
