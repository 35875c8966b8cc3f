#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""connect.py ADDR PORT: a TCP connection to ADDR:PORT within 2 s (exit 0)."""
import socket
import sys

socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
