// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IPv4 addresses as text. */
#include <stdio.h>

#include "util/addr.h"

const char *ipv4_str(uint32_t ip, char buf[IPV4_STRLEN])
{
	snprintf(buf, IPV4_STRLEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	return buf;
}
