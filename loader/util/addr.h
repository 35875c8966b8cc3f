/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv4 addresses as text: the loader's one formatter. */
#ifndef NSBPF_UTIL_ADDR_H
#define NSBPF_UTIL_ADDR_H

#include <stdint.h>

#define IPV4_STRLEN	16	/* "255.255.255.255" */

/* Dotted quad of ip (host order) in buf; returns buf. */
const char *ipv4_str(uint32_t ip, char buf[IPV4_STRLEN]);

#endif /* NSBPF_UTIL_ADDR_H */
