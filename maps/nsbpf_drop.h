/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Named drop reasons and datapath paths: the one list both sides expand.
 * The BPF side turns them into enums and stats indexes, the CLI into the
 * names `nsbpf stats` prints. Append only: the numbers are ABI of the
 * pinned stats map.
 */
#ifndef NSBPF_DROP_H
#define NSBPF_DROP_H

/* Paths a packet can take that are not drops. */
#define NSB_PATH_LIST(X)						\
	X(ARP_REPLY,	"arp_reply",	"ARP request answered in BPF")		\
	X(NODE_TO_NODE,	"node_to_node",	"redirected into another node")	\
	X(TO_HOST,	"to_host",	"passed to the host stack")		\
	X(HOST_TO_NODE,	"host_to_node",	"host stack sent to a node")		\
	X(IPV6_PASS,	"ipv6_pass",	"IPv6 passed to the host stack")

/* Why a packet was dropped. */
#define NSB_DROP_LIST(X)						\
	X(INTERNAL,	"internal",	"helper error leaked")			\
	X(SHORT,	"short",	"truncated header")			\
	X(MALFORMED_IP,	"malformed_ip",	"bad IPv4 header (IHL, length)")	\
	X(MALFORMED_ARP, "malformed_arp", "bad ARP header")			\
	X(SPOOF_IP,	"spoof_ip",	"source IP is not the node's")		\
	X(SPOOF_MAC,	"spoof_mac",	"source MAC is not the node's")		\
	X(ISOLATED,	"isolated",	"destination network not reachable")	\
	X(NO_ENDPOINT,	"no_endpoint",	"no node at that lab address")		\
	X(ETHERTYPE,	"ethertype",	"EtherType not routed (VLAN, other)")	\
	X(TTL,		"ttl",		"TTL expired between networks")		\
	X(REDIRECT,	"redirect",	"redirect helper failed")		\
	X(CSUM,		"csum",		"checksum update failed")

#define __NSB_ENUM_PATH(n, s, d) NSB_PATH_##n,
#define __NSB_ENUM_DROP(n, s, d) NSB_DROP_##n,

enum nsb_path { NSB_PATH_LIST(__NSB_ENUM_PATH) NSB_PATH_MAX };
enum nsb_drop { NSB_DROP_NONE = 0, NSB_DROP_LIST(__NSB_ENUM_DROP) NSB_DROP_MAX };

/*
 * stats map layout: paths first, then one slot per drop reason (slot 0 of
 * the drop block is unused so that reason N sits at NSB_STAT_DROP_BASE + N).
 */
#define NSB_STAT_DROP_BASE	32
#define NSB_STAT_MAX		(NSB_STAT_DROP_BASE + 64)

#endif /* NSBPF_DROP_H */
