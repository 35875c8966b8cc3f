#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""udp-refused6.py ADDR PORT: a datagram to [ADDR]:PORT is refused (ICMPv6
port unreachable makes the connected socket's recv fail with ECONNREFUSED).
Prints the address the error came from (IPV6_RECVERR's offender). Exit 0
when refused, 3 on a timeout (3 s), 4 when an answer came, 5 when the error
queue said nothing of it."""
import socket
import struct
import sys

IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)
MSG_ERRQUEUE = getattr(socket, "MSG_ERRQUEUE", 0x2000)

s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"x")
try:
    s.recv(16)
except ConnectionRefusedError:
    pass
except socket.timeout:
    sys.exit(3)
else:
    sys.exit(4)
# the error itself: struct sock_extended_err, then the offender's sockaddr_in6
try:
    _, anc, _, _ = s.recvmsg(16, 512, MSG_ERRQUEUE | socket.MSG_DONTWAIT)
except BlockingIOError:
    sys.exit(5)
for level, kind, data in anc:
    if level == socket.IPPROTO_IPV6 and kind == IPV6_RECVERR and len(data) >= 16 + 24:
        errno_, origin, etype, ecode = struct.unpack_from("=IBBB", data)
        print(socket.inet_ntop(socket.AF_INET6, data[16 + 8:16 + 24]), etype, ecode)
        sys.exit(0)
sys.exit(5)
