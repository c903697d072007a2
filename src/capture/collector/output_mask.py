"""Secrets masked in what the kernel publishes, where the text is made.

ipykernel sends every stream write (OutStream flushes its buffer on the IO thread), display,
result and error through its Session's send. Wrapping that one method masks all of them, and the
evalue and traceback of the execute reply, with the secrets the collector knows at that moment:
a secret printed by the cell that assigns it is masked on the way out, so the live lines, the
stored summaries and an executed notebook (-o) all see `<redacted>`. sys.stdout and the display
objects stay the ones the notebook may hold.

Masking never raises into the kernel: a failure sends the message as it was. With no secret
known, an output message costs a search of its text for "://" (URL passwords are always masked),
any other message a dict lookup; known secrets cost a search each, at most MAX_MASKED
(secrets.py) of them over at most MAX_NODES values of a message.
"""
import sys

from .secrets import REDACTED, mask_urls

MAX_NODES = 10000            # values of one message looked at (a JSON display's nodes, traceback lines)
MAX_DEPTH = 20
OUTPUT_FIELDS = {
    "stream": ("text",),
    "display_data": ("data",),
    "update_display_data": ("data",),
    "execute_result": ("data",),
    "error": ("evalue", "traceback"),
    "execute_reply": ("evalue", "traceback"),     # never user_expressions: the drain's payload
}
TEXT_SUFFIXES = ("json", "+xml", "javascript")     # besides text/*; base64 images are left alone


def text_mimetype(mimetype):
    return mimetype.startswith("text/") or mimetype.endswith(TEXT_SUFFIXES)


class OutputMask:
    """Masks the text a kernel message carries with the secrets of one collector (secrets.Secrets)."""

    def __init__(self, secrets):
        self.secrets = secrets
        self.known = (0, ())        # (how many of secrets.masked, them longest first): one tuple, swapped whole

    def forms(self):
        # Secrets appends to `masked` on the main thread while streams flush on the IO thread: a
        # slice copy is atomic, and the sorted tuple is rebuilt only when a secret was added.
        masked = self.secrets.masked
        n, forms = self.known
        if len(masked) != n:
            snapshot = masked[:]
            forms = tuple(sorted(set(snapshot), key=len, reverse=True))    # a secret inside a longer one
            self.known = (len(snapshot), forms)
        return forms

    def text(self, s, forms):
        if "://" in s:
            s = mask_urls(s)
        for form in forms:
            if form in s:
                s = s.replace(form, REDACTED)
        return s

    def message(self, msg_type, content):
        """`content` with its output text masked: the same object when nothing changed, else a copy."""
        fields = OUTPUT_FIELDS.get(msg_type)
        if fields is None or not isinstance(content, dict):
            return content
        forms = self.forms()
        budget = [MAX_NODES]
        changed = {}
        for field in fields:
            value = content.get(field)
            if value is None:
                continue
            masked = self.bundle(value, forms, budget) if field == "data" else self.walk(value, forms, budget, 0)
            if masked is not value:
                changed[field] = masked
        return with_changes(content, changed)

    def bundle(self, data, forms, budget):
        if not isinstance(data, dict):
            return data
        changed = {}
        for mimetype, value in data.items():
            if type(mimetype) is str and text_mimetype(mimetype):
                masked = self.walk(value, forms, budget, 0)
                if masked is not value:
                    changed[mimetype] = masked
        return with_changes(data, changed)

    def walk(self, x, forms, budget, depth):
        # the strings of a JSON value, copying only the containers where one changed; a big value is
        # looked at up to its MAX_NODES-th node
        budget[0] -= 1
        if budget[0] < 0:
            return x
        if type(x) is str:
            return self.text(x, forms)
        if depth >= MAX_DEPTH or not isinstance(x, (list, dict)):
            return x
        out = None
        for k, v in (x.items() if isinstance(x, dict) else enumerate(x)):
            if budget[0] <= 0:
                break
            masked = self.walk(v, forms, budget, depth + 1)
            if masked is not v:
                if out is None:
                    out = dict(x) if isinstance(x, dict) else list(x)
                out[k] = masked
        return x if out is None else out


def with_changes(mapping, changed):
    """`mapping` with the `changed` values: the same object when there are none, else a copy (its key order kept)."""
    return {**mapping, **changed} if changed else mapping


def message_type(msg_or_type):
    if type(msg_or_type) is str:
        return msg_or_type
    if isinstance(msg_or_type, dict):
        header = msg_or_type.get("header")
        return header.get("msg_type") if isinstance(header, dict) else msg_or_type.get("msg_type")
    return None


def masking_send(send):
    """A Session.send that masks through box[0] (an OutputMask, or None: sends as is)."""
    box = [None]

    def masked_send(stream, msg_or_type, content=None, *args, **kwargs):
        mask = box[0]
        if mask is not None:
            try:
                msg_or_type, content = masked_args(mask, msg_or_type, content)
            except Exception:
                pass        # never break output
        return send(stream, msg_or_type, content, *args, **kwargs)

    masked_send.nbprov_mask = box
    masked_send.__wrapped__ = send
    return masked_send


def masked_args(mask, msg_or_type, content):
    msg_type = message_type(msg_or_type)
    if msg_type not in OUTPUT_FIELDS:
        return msg_or_type, content
    if type(msg_or_type) is str:
        return msg_or_type, mask.message(msg_type, content)
    inner = msg_or_type.get("content")
    masked = mask.message(msg_type, inner)      # a message built beforehand: its content is what is sent
    if masked is inner:
        return msg_or_type, content
    return dict(msg_or_type, content=masked), content


def kernel_sessions(shell):
    """The Session objects the kernel publishes through (one in ipykernel; each looked for, none outside a kernel)."""
    holders = (getattr(shell, "kernel", None), sys.stdout, sys.stderr,
               getattr(shell, "displayhook", None), getattr(shell, "display_pub", None))
    sessions = {}
    for holder in holders:
        session = getattr(holder, "session", None)
        if session is not None and callable(getattr(session, "send", None)):
            sessions[id(session)] = session
    return list(sessions.values())


def mask_outputs(shell, secrets):
    """Masks what the kernel of `shell` publishes with `secrets` (None: stops masking). A reinstall
    swaps the mask of the wrapper already in place instead of wrapping it again."""
    mask = OutputMask(secrets) if secrets is not None and secrets.enabled else None
    for session in kernel_sessions(shell):
        try:
            box = getattr(getattr(session, "__dict__", {}).get("send"), "nbprov_mask", None)
            if box is None:
                if mask is None:
                    continue
                wrapper = masking_send(session.send)
                box = wrapper.nbprov_mask
                session.send = wrapper
            box[0] = mask
        except Exception:
            pass        # a session that cannot be wrapped: nbprov still masks what it stores and shows
