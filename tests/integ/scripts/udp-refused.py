#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""udp-refused.py ADDR PORT: a datagram to ADDR:PORT is refused (ICMP port
unreachable makes the connected socket's recv fail with ECONNREFUSED).
Exit 0 when refused, 3 on a timeout (3 s), 4 when an answer came."""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"x")
try:
    s.recv(16)
except ConnectionRefusedError:
    sys.exit(0)
except socket.timeout:
    sys.exit(3)
sys.exit(4)
