/** Debian's interpreter, which has the Jupyter side (apt): the `python3` first on PATH may be another one. */
export const DEFAULT_SYSTEM_PYTHON = '/usr/bin/python3';
