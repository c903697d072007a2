"""nbprov's static analysis of notebook cells, with Python's own parser: a hand-written one would get
continuation lines, strings and decorators wrong.

Run by src/notebook/analyser.ts as `python -I -S src/notebook/analyser COMMAND`, a JSON request on
stdin and the JSON answer on stdout:
- `flow` (flow.py): where the `-p` names are read and rebound, checked before a run;
- `statements` (effects.py): each cell's top-level statements and their unseen effects, for `slice`.
Python puts a directory it runs first on sys.path, even under -I, so the modules here import one
another by name.
"""
import json
import sys


def main():
    # each command imports only its own modules: the check before a run is on the run's start-up path
    if sys.argv[1:] == ["flow"]:
        from flow import answer
    elif sys.argv[1:] == ["statements"]:
        from effects import answer
    else:
        sys.exit("usage: python -I -S analyser flow|statements < request.json")
    json.dump(answer(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
