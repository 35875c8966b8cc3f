#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""short-conns.py ADDR PORT COUNT: COUNT connections one after the other,
each reads to the end and must get "ok\\n". Prints how many did; exit 0 when all."""
import socket
import sys

addr, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok = 0
for i in range(count):
    s = socket.create_connection((addr, port), timeout=5)
    data = b""
    while True:
        c = s.recv(16)
        if not c:
            break
        data += c
    s.close()
    ok += data == b"ok\n"
print(ok)
sys.exit(0 if ok == count else 1)
