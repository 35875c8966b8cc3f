#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# udp-flood.py SRC DST SECONDS: UDP datagrams from SRC to DST:9 as fast as
# one socket sends them, for SECONDS; prints how many were sent.
import socket
import sys
import time

src, dst, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
end = time.monotonic() + secs
n = 0
while time.monotonic() < end:
    for _ in range(100):
        try:
            s.sendto(b"x" * 32, (dst, 9))
            n += 1
        except OSError:
            pass
print(n)
