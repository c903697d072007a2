"""A statement quoted on one line, for the messages of the -p check (see flow.py)."""


QUOTED_CHARS = 120
OPENING, CLOSING = {"(", "[", "{"}, {")", "]", "}", ","}


def quoted(lines, stmt):
    """A statement as one line for messages: a compound statement's header only, continuation
    lines joined, comments dropped; about QUOTED_CHARS characters at most."""
    first = lines[stmt.lineno - 1].encode()[stmt.col_offset:].decode(errors="replace")
    compound = isinstance(getattr(stmt, "body", None), list) or hasattr(stmt, "cases")
    if "#" not in first and (compound or stmt.end_lineno == stmt.lineno):
        # the common case, without tokenize's import time
        if not compound:
            return lines[stmt.lineno - 1].encode()[stmt.col_offset:stmt.end_col_offset].decode(errors="replace")
        if first.rstrip().endswith(":"):
            return first.strip()
    return tokens_joined(first, lines[stmt.lineno:], compound) or first.strip()


def tokens_joined(first, rest, compound):
    import tokenize
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    source = iter([first + "\n"] + [line + "\n" for line in rest])
    text, prev, depth, lambdas = "", None, 0, 0
    try:
        for tok in tokenize.generate_tokens(lambda: next(source, "")):
            if tok.type == tokenize.NEWLINE or (depth == 0 and tok.string == ";"):
                break
            if tok.type in skipped:
                continue
            if prev is not None:
                same_line = tok.start[0] == prev.end[0]
                if (tok.start[1] > prev.end[1]) if same_line else (prev.string not in OPENING and tok.string not in CLOSING):
                    text += " "
            text += tok.string
            prev = tok
            depth += (tok.string in OPENING) - (tok.string in CLOSING - {","})
            if depth == 0 and tok.string == "lambda":
                lambdas += 1
            elif compound and depth == 0 and tok.string == ":":
                if not lambdas:
                    break
                lambdas -= 1
            if len(text) > QUOTED_CHARS:
                break
    except (tokenize.TokenError, SyntaxError):
        pass
    return text

