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
#define NSB_PATH_LIST(X)                                                                           \
	X(ARP_REPLY, "arp_reply", "ARP request answered in BPF")                                   \
	X(NODE_TO_NODE, "node_to_node", "redirected into another node")                            \
	X(TO_HOST, "to_host", "passed to the host stack")                                          \
	X(HOST_TO_NODE, "host_to_node", "host stack sent to a node")                               \
	X(IPV6_PASS, "ipv6_pass", "IPv6 passed to the host stack")                                 \
	X(SNAT, "snat", "masqueraded out of the uplink")                                           \
	X(REV_SNAT, "rev_snat", "masqueraded flow's reply, into its node")                         \
	X(ICMP_ERR_REV, "icmp_err_rev", "ICMP error about a masqueraded flow, in")                 \
	X(FRAG_NEEDED, "frag_needed", "ICMP frag needed / ICMPv6 packet too big sent to the node") \
	X(TIME_EXCEEDED, "time_exceeded", "ICMP time exceeded sent to the node")                   \
	X(SNAT_FRAG, "snat_frag", "later fragment, masqueraded out")                               \
	X(REV_SNAT_FRAG, "rev_snat_frag", "later fragment of a reply, in")                         \
	X(DNAT, "dnat", "to a forwarded port, into its node")                                      \
	X(REV_DNAT, "rev_dnat", "forwarded flow's reply, out of the uplink")                       \
	X(HAIRPIN, "hairpin", "node to a forward of the lab, either way")                          \
	X(ICMP_ERR_OUT, "icmp_err_out", "a node's ICMP error about a NATed flow, out")             \
	X(REMOTE_OUT, "remote_out", "to a remote subnet, out of the uplink, not NATed")            \
	X(REMOTE_IN, "remote_in", "from a remote subnet, into its node")                           \
	X(NDP_REPLY, "ndp_reply", "neighbour solicitation answered in BPF")

/* Why a packet was dropped. */
#define NSB_DROP_LIST(X)                                                                         \
	X(INTERNAL, "internal", "helper error leaked")                                           \
	X(SHORT, "short", "truncated header")                                                    \
	X(MALFORMED_IP, "malformed_ip", "bad IPv4 header (IHL, length)")                         \
	X(MALFORMED_ARP, "malformed_arp", "bad ARP header")                                      \
	X(SPOOF_IP, "spoof_ip", "source IP is not the node's")                                   \
	X(SPOOF_MAC, "spoof_mac", "source MAC is not the node's")                                \
	X(ISOLATED, "isolated", "destination network not reachable")                             \
	X(NO_ENDPOINT, "no_endpoint", "no node at that lab address")                             \
	X(ETHERTYPE, "ethertype", "EtherType not routed (VLAN, other)")                          \
	X(TTL, "ttl", "TTL expired, no ICMP error sent")                                         \
	X(REDIRECT, "redirect", "redirect helper failed")                                        \
	X(CSUM, "csum", "checksum update failed")                                                \
	X(NO_MASQUERADE, "no_masquerade", "outside, network does not masquerade")                \
	X(NO_UPLINK, "no_uplink", "outside, the lab has no uplink")                              \
	X(NAT_EXHAUSTED, "nat_exhausted", "no free SNAT port to that destination")               \
	X(NAT_PROTO, "nat_proto", "protocol or ICMP type not masqueraded")                       \
	X(CT_INSERT, "ct_insert", "conntrack entry could not be written")                        \
	X(MTU, "mtu", "too big for the uplink, no DF")                                           \
	X(FRAG, "frag", "later fragment of no known datagram")                                   \
	X(ICMP_GEN, "icmp_gen", "ICMP error to the node not built")                              \
	X(INBOUND, "inbound", "from the uplink to a lab address, no flow")                       \
	X(UPLINK_SPOOF, "uplink_spoof", "from the uplink with a lab, host or special source")    \
	X(TCP_WINDOW, "tcp_window", "TCP segment out of window or out of state")                 \
	X(IPV6, "ipv6", "IPv6 router advertisement, redirect or foreign source")                 \
	X(MARTIAN, "martian", "to a reserved address or another network's broadcast")            \
	X(LAB_SOURCE, "lab_source", "leaving the uplink with a lab source")                      \
	X(CT_FULL, "ct_full", "conntrack full: new flow refused")                                \
	X(CT_EARLY_DROP, "ct_early_drop", "unanswered flows dropped early (flows, not packets)") \
	X(NDP, "ndp", "neighbour discovery message refused (hop limit, target, options)")

#define __NSB_ENUM_PATH(n, s, d) NSB_PATH_##n,
#define __NSB_ENUM_DROP(n, s, d) NSB_DROP_##n,

enum nsb_path { NSB_PATH_LIST(__NSB_ENUM_PATH) NSB_PATH_MAX };
enum nsb_drop { NSB_DROP_NONE = 0, NSB_DROP_LIST(__NSB_ENUM_DROP) NSB_DROP_MAX };

/*
 * stats map layout: paths first, then one slot per drop reason (slot 0 of
 * the drop block is unused so that reason N sits at NSB_STAT_DROP_BASE + N).
 */
#define NSB_STAT_DROP_BASE 32
#define NSB_STAT_MAX	   (NSB_STAT_DROP_BASE + 64)

_Static_assert(NSB_PATH_MAX <= NSB_STAT_DROP_BASE, "paths overflow into the drop slots");
_Static_assert(NSB_DROP_MAX <= NSB_STAT_MAX - NSB_STAT_DROP_BASE, "drop reasons overflow stats");

#endif /* NSBPF_DROP_H */
