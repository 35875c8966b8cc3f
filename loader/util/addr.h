/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Addresses as text: the loader's one formatter for IPv4, IPv6 and MACs. */
#ifndef NSBPF_UTIL_ADDR_H
#define NSBPF_UTIL_ADDR_H

#include <stdint.h>

#define IPV4_STRLEN 16 /* "255.255.255.255" */

/* Dotted quad of ip (host order) in buf; returns buf. */
const char *ipv4_str(uint32_t ip, char buf[IPV4_STRLEN]);

#define IPV6_STRLEN 46 /* INET6_ADDRSTRLEN */

/* An IPv6 address (16 bytes, wire order) as inet_ntop() writes it, in buf; returns buf. */
const char *ipv6_str(const void *ip6, char buf[IPV6_STRLEN]);

#define MAC_STRLEN 18 /* "aa:bb:cc:dd:ee:ff" */

/* A MAC address as text in buf; returns buf. */
const char *mac_str(const uint8_t mac[6], char buf[MAC_STRLEN]);

#endif /* NSBPF_UTIL_ADDR_H */
