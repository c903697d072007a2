"""Content fingerprints of pandas values (frames, series, indexes): a mixin of content.Fingerprint.

A frame is read column by column through its blocks' buffers, charged like an array; object
columns and extension arrays are read through their own buffers when they have them.
"""
import struct
import zlib

from .costs import CHUNK, ITEM_COST, PACKED_COST, TooLarge


class FrameFeeds:
    """The pandas part of Fingerprint, whose np / pd modules, budget and feed methods it uses."""

    def feed_pandas(self, x, h, depth):
        """Feeds x if it is a pandas frame, series or index; whether it was one."""
        pd_ = self.pd
        if isinstance(x, pd_.DataFrame):
            self.feed_frame(x, h, depth)
        elif isinstance(x, pd_.Series):
            h.update(b"sr")
            self.feed(x.name, h, depth + 1)
            self.feed_index(x.index, h, depth)
            self.feed_values(x._values, h, depth)
        elif isinstance(x, pd_.Index):
            self.feed_index(x, h, depth)
        else:
            return False
        return True

    def feed_frame(self, x, h, depth):
        if self.frame_cost(x) > self.left:     # a 1 GiB frame is refused before any column is read
            raise TooLarge()
        h.update(b"df%d,%d:" % x.shape)
        self.feed_index(x.columns, h, depth)
        self.feed_index(x.index, h, depth)
        get = getattr(x, "_get_column_array", None)
        crcs = self.transposed_block_crcs(x)
        for j in range(x.shape[1]):
            col = get(j) if get is not None else x.iloc[:, j]._values
            if j in crcs:       # the same bytes feed_array would hash, read (and charged) row-wise
                h.update(b"nd" + str(col.dtype).encode() + repr(col.shape).encode())
                h.update(struct.pack("<I", crcs[j]))
            else:
                self.feed_values(col, h, depth)

    def frame_cost(self, df):
        """The least the frame's columns will be charged (their buffers, PACKED_COST per object)."""
        cost = 0
        for blk in getattr(getattr(df, "_mgr", None), "blocks", ()):
            v = blk.values
            cost += v.size * PACKED_COST if getattr(v.dtype, "hasobject", False) else getattr(v, "nbytes", 0)
        return cost

    def transposed_block_crcs(self, df):
        """Column index -> crc32 of the column, for the blocks stored row-major (a frame made from a 2-D array):
        their columns are strided, and gathering each one alone reads the whole block once per column (55 ms
        for 100 MB instead of 15). Here each 1 MiB run of rows is transposed once and every column's crc
        continued from it; crc32 chains, so the result is the crc of each column's bytes."""
        np_ = self.np
        out = {}
        mgr = getattr(df, "_mgr", None)
        for blk in getattr(mgr, "blocks", ()):
            v = blk.values
            if not isinstance(v, np_.ndarray) or v.ndim != 2 or v.dtype.hasobject or v.flags.c_contiguous \
                    or not v.flags.f_contiguous or v.shape[0] < 2:
                continue
            self.charge(v.nbytes)
            rows = v.T                  # (n, k), C-contiguous
            k = v.shape[0]
            crcs = [0] * k
            step = max(1, CHUNK // max(1, rows.strides[0]))
            for i in range(0, rows.shape[0], step):
                part = np_.ascontiguousarray(rows[i:i + step].T)
                for c in range(k):
                    crcs[c] = zlib.crc32(part[c].view(np_.uint8), crcs[c])
            for c, j in enumerate(blk.mgr_locs.as_array):
                out[int(j)] = crcs[c]
        return out

    def feed_index(self, idx, h, depth):
        pd_ = self.pd
        h.update(b"ix" + type(idx).__name__.encode())
        self.feed(tuple(idx.names), h, depth + 1)
        if isinstance(idx, pd_.RangeIndex):
            h.update(b"%d,%d,%d;" % (idx.start, idx.stop, idx.step))
        elif isinstance(idx, pd_.MultiIndex):
            for level in idx.levels:
                self.feed_index(level, h, depth + 1)
            for codes in idx.codes:
                self.feed_array(codes, h, depth + 1)
        else:
            self.feed_values(idx._values, h, depth)

    def feed_values(self, v, h, depth):
        """A column's values: a numpy array, or one of pandas' extension arrays read through its buffers."""
        np_, pd_ = self.np, self.pd
        if isinstance(v, np_.ndarray):
            return self.feed_array(v, h, depth + 1)
        h.update(b"ea" + type(v).__name__.encode() + str(v.dtype).encode() + b":")
        if isinstance(v, pd_.Categorical):
            self.feed_index(v.categories, h, depth + 1)
            return self.feed_array(v.codes, h, depth + 1)
        data, mask = getattr(v, "_data", None), getattr(v, "_mask", None)
        if isinstance(data, np_.ndarray) and isinstance(mask, np_.ndarray):
            self.feed_array(mask, h, depth + 1)
            if mask.any():      # what lies under the mask is arbitrary: equal columns may differ there
                self.charge(data.nbytes)
                data = np_.where(mask, np_.zeros(1, dtype=data.dtype), data)
            return self.feed_array(data, h, depth + 1)
        backing = getattr(v, "_ndarray", None)
        if isinstance(backing, np_.ndarray):
            return self.feed_array(backing, h, depth + 1)
        self.charge(len(v) * ITEM_COST)
        self.feed_sequence(list(v), h, depth + 1)
