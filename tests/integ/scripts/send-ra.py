#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""send-ra.py IFNAME PREFIX: send COUNT router advertisements out of IFNAME
to all nodes (ff02::1): a default router for 1800 s, PREFIX/64 on-link and
autonomous (SLAAC), a route information option for ::/0. What a rogue
router in a node would send; the host must learn nothing from it. Raw
ICMPv6 socket: the kernel fills the checksum; hop limit 255 as RFC 4861
requires, so only the host's sysctls and the datapath stand in the way."""
import socket
import struct
import sys
import time

ifname, prefix = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 3
ifindex = socket.if_nametoindex(ifname)

# RA: type 134, code 0, checksum 0 (kernel), cur hop limit 64, flags 0,
# router lifetime 1800, reachable 0, retrans 0
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
# prefix information: type 3, len 4, /64, L|A, valid and preferred 86400
ra += struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 86400, 86400, 0)
ra += socket.inet_pton(socket.AF_INET6, prefix)
# route information (RFC 4191): type 24, len 1, ::/0, lifetime 1800
ra += struct.pack("!BBBBI", 24, 1, 0, 0, 1800)

s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
for _ in range(count):
    s.sendto(ra, ("ff02::1", 0, 0, ifindex))
    time.sleep(0.1)
