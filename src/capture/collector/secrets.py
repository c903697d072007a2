"""Which recorded values are secrets, and how to keep them out of what nbprov stores.

A secret is a string (or bytes) held by a name or a container key whose words include a secret
word (`api_key`, `apiKey`, `DB_PASSWORD`, `key`; not `monkey_name` or `tokenizer`), the value of an
environment variable named so (`OPENAI_API_KEY`; not a number or true/false; secrets from the start),
or a value seen as a secret before (`tok = api_token`). Secrets seen are also masked inside the reprs of
whatever holds them later, and the password of a URL (`postgres://user:pw@host/db`) is masked wherever it
appears. Other environment values are not secrets: masked in every output, $HOME, $PWD or $USER would hide
paths and names that merely equal them.
`masked` lists the text forms output_mask.py masks in what the kernel publishes.
"""
import os
import re

REDACTED = "<redacted>"
SECRET_WORDS = frozenset(("token", "password", "passwd", "pwd", "secret", "key", "apikey", "credential",
                          "credentials", "passphrase", "privatekey"))
WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")       # snake_case, camelCase and UPPER_CASE words
URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*:)([^\s@/'\"]+)(@)")
SECRET_TYPES = (str, bytes, bytearray)
SCANNED_KEYS = 200          # keys of a big dict looked at for secret entries
MAX_MASKED = 64             # text forms masked in kernel output: each costs a search of every message
FLAG_VALUE = re.compile(r"\d+|true|false|none|null", re.IGNORECASE)
NOT_SECRET_ENV = frozenset(("PWD", "OLDPWD"))      # the shell's directories, not passwords


def secret_name(name):
    return any(w.lower() in SECRET_WORDS for w in WORDS.findall(name))


def env_secrets():
    """The values of environment variables named like secrets, but for numbers and true/false."""
    return [v for n, v in os.environ.items()
            if n not in NOT_SECRET_ENV and secret_name(n) and not FLAG_VALUE.fullmatch(v)]


def mask_urls(text):
    return URL_PASSWORD.sub(r"\1" + REDACTED + r"\3", text) if "://" in text else text


class Secrets:
    """What one kernel has seen as secret so far; empty and inert with --no-redact."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.env = frozenset(v for v in env_secrets() if len(v) >= 4) if enabled else frozenset()
        self.values = set()         # secret values seen: equal ones are secrets too
        self.shown = set()          # their reprs, masked inside later reprs
        self.fresh = []             # string secrets since the last drain: nbprov masks them in cell outputs
        self.masked = []            # append only (read from the IO thread): their forms in printed text
        for value in env_secrets() if enabled else ():
            self.remember(value)

    def is_secret(self, name, value):
        """Whether `value`, held by `name` (or a container key), is a secret; remembers it if so."""
        if not self.enabled or type(value) not in SECRET_TYPES:
            return False
        value = bytes(value) if type(value) is bytearray else value
        if secret_name(name) or value in self.env or value in self.values:
            self.remember(value)
            return True
        return False

    def remember(self, value):
        if len(value) >= 4 and value not in self.values:
            self.values.add(value)
            self.shown.add(repr(value))
            if type(value) is str:
                self.fresh.append(value)
            self.add_masked(value)

    def add_masked(self, value):
        # a string as printed and as escaped inside a repr; bytes as printed when they are plain ASCII
        if type(value) is not str:
            try:
                value = value.decode("ascii")
            except UnicodeDecodeError:
                return
            if not value.isprintable():
                return
        for form in (value, repr(value)[1:-1]):
            if len(form) >= 4 and len(self.masked) < MAX_MASKED and form not in self.masked:
                self.masked.append(form)

    def drain(self):
        fresh, self.fresh = self.fresh, []
        return fresh

    def secret_entries(self, x):
        """Remembers the secrets held under secret-looking keys of a dict (its first SCANNED_KEYS)."""
        if not self.enabled or not isinstance(x, dict):
            return
        for i, (k, v) in enumerate(x.items()):
            if i >= SCANNED_KEYS:
                break
            if type(k) is str and type(v) in SECRET_TYPES and secret_name(k):
                self.remember(bytes(v) if type(v) is bytearray else v)

    def scrub(self, text):
        """`text` (a repr) with URL passwords and every secret seen so far masked."""
        if not self.enabled:
            return text
        text = mask_urls(text)
        for shown in self.shown:
            if shown in text:
                text = text.replace(shown, repr(REDACTED))
        return text
