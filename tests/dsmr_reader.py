"""tests/dsmr_reader.py - an independent reader of DSMR 5.0 P1 telegrams,
written from the DSMR 5.0.2 P1 Companion Standard (chapter 6: the telegram,
its CRC and the objects' formats), sharing nothing with the project's C
code.  It accepts a telegram only when every rule holds and returns its
objects; anything else raises DsmrError naming the rule and the line.

    telegram   = "/" XXX Z ident CR LF CR LF *(line CR LF) "!" CRC CR LF
    XXX        = three letters (the manufacturer), Z a digit (the baud rate)
    ident      = letters, digits, "_", "-", "\\" (at most 96)
    line       = OBIS *("(" value ")")
    CRC        = CRC-16 (polynomial x^16+x^15+x^2+1, LSB first, init 0)
                 over "/" .. "!", four upper-case hexadecimal digits

Objects (the standard's table 6-1 onwards; F9(3) is a number with at
least three decimals and up to nine digits, read here as "at least DSMR's
digits", as Belgian meters send more decimals):
"""
import re
from decimal import Decimal


class DsmrError(Exception):
    pass


# code -> (format, unit, integer digits, decimals); formats: num, tst, hex,
# str (digits), mbus (TST then num)
OBJECTS = {
    "1-3:0.2.8": ("str", None, 2, 0),
    "0-0:1.0.0": ("tst", None, 0, 0),
    "0-0:96.1.1": ("hex", None, 96, 0),
    "1-0:1.8.0": ("num", "kWh", 6, 3),
    "1-0:1.8.1": ("num", "kWh", 6, 3),
    "1-0:1.8.2": ("num", "kWh", 6, 3),
    "1-0:2.8.0": ("num", "kWh", 6, 3),
    "1-0:2.8.1": ("num", "kWh", 6, 3),
    "1-0:2.8.2": ("num", "kWh", 6, 3),
    "0-0:96.14.0": ("str", None, 4, 0),
    "1-0:1.7.0": ("num", "kW", 2, 3),
    "1-0:2.7.0": ("num", "kW", 2, 3),
    "0-0:96.7.21": ("num", None, 5, 0),
    "0-0:96.7.9": ("num", None, 5, 0),
    "0-0:96.13.0": ("hex", None, 2048, 0),
}
for _l in (32, 52, 72):
    OBJECTS["1-0:%d.32.0" % _l] = ("num", None, 5, 0)
    OBJECTS["1-0:%d.36.0" % _l] = ("num", None, 5, 0)
    OBJECTS["1-0:%d.7.0" % _l] = ("num", "V", 3, 1)
for _l in (31, 51, 71):
    OBJECTS["1-0:%d.7.0" % _l] = ("num", "A", 3, 0)
for _l in (21, 41, 61, 22, 42, 62):
    OBJECTS["1-0:%d.7.0" % _l] = ("num", "kW", 2, 3)
for _b in range(1, 5):
    OBJECTS["0-%d:24.1.0" % _b] = ("num", None, 3, 0)
    OBJECTS["0-%d:96.1.0" % _b] = ("hex", None, 96, 0)
    OBJECTS["0-%d:24.2.1" % _b] = ("mbus", "m3", 5, 3)
    OBJECTS["0-%d:24.2.3" % _b] = ("mbus", "m3", 5, 3)

HEADER = re.compile(r"/[A-Za-z]{3}[0-9][A-Za-z0-9_\\-]{1,96}\r\n\r\n")
LINE = re.compile(r"(\d+-\d+:\d+\.\d+\.\d+)((?:\([^()\r\n]*\))+)")
TST = re.compile(r"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([SW])")


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def number(text, unit, intd, dec, where):
    """A number of at least intd integer digits and dec decimals, with its unit."""
    value, _, got_unit = text.partition("*")
    if (got_unit or None) != unit:
        raise DsmrError("%s: unit %r, the standard's is %r" % (where, got_unit, unit))
    pat = r"\d{%d,}" % intd + (r"\.\d{%d,}" % dec if dec else r"(\.\d+)?")
    if not re.fullmatch(pat, value):
        raise DsmrError("%s: %r is not F%d(%d)" % (where, value, intd + dec, dec))
    return Decimal(value)


def timestamp(text, where):
    """(YYMMDDhhmmssX): seconds since the epoch, Dutch time (S: UTC+2, W: UTC+1)."""
    m = TST.fullmatch(text)
    if not m:
        raise DsmrError("%s: %r is no TST (YYMMDDhhmmssX)" % (where, text))
    import calendar
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 60):
        raise DsmrError("%s: %r is no date and time" % (where, text))
    local = calendar.timegm((2000 + y, mo, d, h, mi, s, 0, 0, 0))
    return local - (7200 if m.group(7) == "S" else 3600)


def read(telegram):
    """The objects of one telegram (bytes): {code: value}; a value is a
    Decimal, a str (hex decoded to its text), an int (a timestamp), or a
    pair (timestamp, Decimal) for a sub-meter."""
    try:
        text = telegram.decode("ascii")
    except UnicodeDecodeError as e:
        raise DsmrError("not ASCII: %s" % e)
    if not HEADER.match(text):
        raise DsmrError("header: %r is not /XXXZident CR LF CR LF" % text[:40])
    bang = text.find("!")
    tail = text[bang + 1:]
    if bang < 0 or not re.fullmatch(r"[0-9A-F]{4}\r\n", tail):
        raise DsmrError("end: %r is not !CRC CR LF with four upper-case hex digits" % tail)
    want = crc16(text[:bang + 1].encode())
    if int(tail[:4], 16) != want:
        raise DsmrError("CRC %s, computed %04X" % (tail[:4], want))
    objects = {}
    lines = text[text.index("\r\n\r\n") + 4:bang].split("\r\n")
    if lines[-1] != "":
        raise DsmrError("the last data line does not end in CR LF")
    for n, line in enumerate(lines[:-1], 1):
        where = "line %d %r" % (n, line)
        m = LINE.fullmatch(line)
        if not m:
            raise DsmrError("%s: not OBIS(value)..." % where)
        code = m.group(1)
        values = re.findall(r"\(([^()]*)\)", m.group(2))
        if code in objects:
            raise DsmrError("%s: %s a second time" % (where, code))
        if code not in OBJECTS:
            raise DsmrError("%s: %s is no DSMR 5 object" % (where, code))
        form, unit, intd, dec = OBJECTS[code]
        want_values = 2 if form == "mbus" else 1
        if len(values) != want_values:
            raise DsmrError("%s: %d values, the object has %d" % (where, len(values), want_values))
        v = values[0]
        if form == "num":
            objects[code] = number(v, unit, intd, dec, where)
        elif form == "str":
            if not re.fullmatch(r"\d{%d}" % intd, v):
                raise DsmrError("%s: %r is not %d digits" % (where, v, intd))
            objects[code] = v
        elif form == "tst":
            objects[code] = timestamp(v, where)
        elif form == "hex":
            if not re.fullmatch(r"([0-9A-F]{2})*", v) or len(v) > intd:
                raise DsmrError("%s: %r is not hexadecimal octets (at most %d digits)"
                                % (where, v, intd))
            objects[code] = bytes.fromhex(v)
        else:
            objects[code] = (timestamp(v, where), number(values[1], unit, intd, dec, where))
    return objects


def split(stream):
    """The telegrams of a stream of bytes, each from "/" through CR LF after the CRC."""
    out = []
    for m in re.finditer(rb"/[^/]*?![0-9A-Fa-f]{4}\r\n", stream):
        out.append(m.group(0))
    rest = re.sub(rb"/[^/]*?![0-9A-Fa-f]{4}\r\n", b"", stream)
    if rest.strip():
        raise DsmrError("bytes outside any telegram: %r" % rest[:60])
    return out
