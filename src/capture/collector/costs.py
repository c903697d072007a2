"""What reading a value costs against the content fingerprint's budget (content.FP_BUDGET).

Each part of a value is charged the bytes zlib.crc32 would read in the time the part takes, so
one budget in bytes bounds the time spent on any value, whatever it is made of.
"""
ITEM_COST = 4096            # a container item walked in Python costs what crc32 reads in the same time
REPR_COST = 1024            # an element hashed through the C repr of a list of scalars (~300 ns for a float)
PACKED_COST = 96            # an element packed by array() or joined (ints, floats, strs: 20-50 ns)
CHUNK = 1 << 20             # bytes copied at a time from a strided array
MAX_DEPTH = 32              # deeper nesting is treated as too large


class TooLarge(Exception):
    pass


class Opaque(Exception):
    """A part of the value nbprov cannot fingerprint by content (an arbitrary object)."""
