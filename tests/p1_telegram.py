"""tests/p1_telegram.py - P1 telegrams for the end-to-end tests, made from
their lines: the CRC-16/ARC of DSMR 4/5, and meter times in the form P1
sends them.  Imported by the generators in tests/e2e_plugin.sh."""
import time


def crc(data):
    """CRC-16/ARC over the telegram from '/' to '!', as DSMR 4 and 5 send it."""
    c = 0
    for x in data:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
    return c


def stamp_local(t):
    """YYMMDDhhmmss and S or W: the host's local time, as the meter's."""
    lt = time.localtime(t)
    return time.strftime("%y%m%d%H%M%S", lt) + ("S" if lt.tm_isdst else "W")


def stamp_cet(t):
    """The same in Central European (winter) time, UTC+1, whatever the host's zone."""
    return time.strftime("%y%m%d%H%M%S", time.gmtime(t + 3600)) + "W"


def telegram_hex(ident, lines):
    """A whole telegram, '/ident' to '!CRC', as one line of hex."""
    body = ("/%s\r\n\r\n%s\r\n!" % (ident, "\r\n".join(lines))).encode()
    return (body + ("%04X\r\n" % crc(body)).encode()).hex()
