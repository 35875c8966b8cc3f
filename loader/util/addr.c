// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Addresses as text. */
#include <arpa/inet.h>
#include <stdio.h>

#include "util/addr.h"

const char *ipv4_str(uint32_t ip, char buf[IPV4_STRLEN])
{
	snprintf(buf, IPV4_STRLEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	return buf;
}

const char *ipv6_str(const void *ip6, char buf[IPV6_STRLEN])
{
	if (!inet_ntop(AF_INET6, ip6, buf, IPV6_STRLEN))
		snprintf(buf, IPV6_STRLEN, "?");
	return buf;
}

const char *mac_str(const uint8_t mac[6], char buf[MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}
