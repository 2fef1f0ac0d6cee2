"""HdrHistogram V2 compressed histograms in Python (stdlib only), to check barrage's results
from outside: decode what `--hlog` lines and the result JSON's `latency.histogram` carry, add
histograms, and read percentiles the way barrage and HdrHistogram_c do.

The encoding (stats/hlog.h): base64 of an 8-byte big-endian header (cookie 0x1c849314, deflated
length) and a zlib stream of a 40-byte big-endian header (cookie 0x1c849313, payload length,
normalizing index offset, significant figures, lowest discernible value, highest trackable
value, conversion ratio as a double) followed by the counts as ZigZag LEB128 varints (at most
9 bytes, the ninth carrying 8 bits); a negative value -N is a run of N zero counts.
"""

import base64
import struct
import zlib

COMPRESSED_COOKIE = 0x1c849314
ENCODING_COOKIE = 0x1c849313


class Histogram:
    """Counts by index, with HdrHistogram's bucket layout for its three parameters."""

    def __init__(self, lowest, highest, significant_figures):
        self.lowest, self.highest, self.significant_figures = lowest, highest, significant_figures
        single_unit_max = 2 * 10 ** significant_figures
        count_magnitude = (single_unit_max - 1).bit_length()  # ceil(log2)
        self.half_magnitude = max(count_magnitude, 1) - 1
        self.unit_magnitude = lowest.bit_length() - 1  # floor(log2)
        self.sub_bucket_count = 1 << (self.half_magnitude + 1)
        self.half_count = self.sub_bucket_count // 2
        self.mask = (self.sub_bucket_count - 1) << self.unit_magnitude
        self.counts = {}  # index -> count, only the non-zero ones

    def same_layout(self, other):
        return ((self.lowest, self.highest, self.significant_figures) ==
                (other.lowest, other.highest, other.significant_figures))

    def add(self, other):
        assert self.same_layout(other), "histograms of different layouts do not add"
        for index, count in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + count

    @property
    def total(self):
        return sum(self.counts.values())

    def value_at_index(self, index):
        bucket = (index >> self.half_magnitude) - 1
        sub = (index & (self.half_count - 1)) + self.half_count
        if bucket < 0:
            sub -= self.half_count
            bucket = 0
        return sub << (bucket + self.unit_magnitude)

    def range_size(self, value):
        bucket = (value | self.mask).bit_length() - self.unit_magnitude - (self.half_magnitude + 1)
        sub = value >> (bucket + self.unit_magnitude)
        if sub >= self.sub_bucket_count:
            bucket += 1
        return 1 << (self.unit_magnitude + bucket)

    def highest_equivalent(self, value):
        return value + self.range_size(value) - 1

    def value_at_percentile(self, percentile):
        """hdr_value_at_percentile: the highest equivalent value of the bucket holding rank
        floor(P/100 * total + 0.5) (at least 1); percentile 0 gives that bucket's lowest."""
        total = self.total
        if total == 0:
            return 0
        rank = max(int(percentile / 100.0 * total + 0.5), 1)
        cumulative = 0
        for index in sorted(self.counts):
            cumulative += self.counts[index]
            if cumulative >= rank:
                value = self.value_at_index(index)
                return value if percentile == 0 else self.highest_equivalent(value)
        raise AssertionError("unreachable: rank above total")

    def min(self):
        return self.value_at_index(min(self.counts)) if self.counts else 0

    def max(self):
        return self.highest_equivalent(self.value_at_index(max(self.counts))) if self.counts else 0


def read_varint(data, pos):
    """One ZigZag LEB128 value of at most 9 bytes; returns (value, next position)."""
    value = 0
    for i in range(9):
        byte = data[pos]
        pos += 1
        if i == 8:
            value |= byte << 56  # the ninth byte carries all 8 bits
            break
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            break
    return (value >> 1) ^ -(value & 1), pos


def decode(text):
    """A Histogram from the base64 of a V2 compressed histogram; ValueError when malformed."""
    raw = base64.b64decode(text, validate=True)
    cookie, length = struct.unpack(">ii", raw[:8])
    if cookie != COMPRESSED_COOKIE:
        raise ValueError(f"bad compressed cookie {cookie:#x}")
    body = zlib.decompress(raw[8:8 + length])
    cookie, payload, offset, figures, lowest, highest, _ratio = struct.unpack(">iiiiqqd",
                                                                              body[:40])
    if cookie != ENCODING_COOKIE or offset != 0:
        raise ValueError(f"bad encoding cookie {cookie:#x} or index offset {offset}")
    histogram = Histogram(lowest, highest, figures)
    data, pos, index = body[40:40 + payload], 0, 0
    while pos < len(data):
        value, pos = read_varint(data, pos)
        if value < 0:
            index += -value
        else:
            if value:
                histogram.counts[index] = value
            index += 1
    return histogram


def hlog_histograms(text):
    """(tag or None, Histogram) for every interval line of an .hlog file's text."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith('"StartTimestamp"'):
            continue
        fields = line.split(",")
        tag = None
        if fields[0].startswith("Tag="):
            tag = fields.pop(0)[len("Tag="):]
        out.append((tag, decode(fields[3])))
    return out


def percentiles(histogram, points=(50, 90, 99, 99.9)):
    """{"p50": v, ...} with barrage's key names, plus min, max and count."""
    out = {"count": histogram.total, "min": histogram.min(), "max": histogram.max()}
    for p in points:
        out["p" + f"{p:g}".replace(".", "")] = histogram.value_at_percentile(p)
    return out
