#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""hold-ports.py ADDR PORT READY: two connections to an echo server at
ADDR:PORT, then create the file READY, wait 4 s, and check that both still
echo. Exit 0 when they do."""
import socket
import sys
import time

addr, port = sys.argv[1], int(sys.argv[2])
a = socket.create_connection((addr, port), timeout=3)
b = socket.create_connection((addr, port), timeout=3)
open(sys.argv[3], "w").close()
time.sleep(4)
for s in (a, b):
    s.sendall(b"still-here")
    assert s.recv(32) == b"still-here"
