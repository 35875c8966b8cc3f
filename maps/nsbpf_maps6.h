/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6's half of the ABI: a family split. Every map that holds an address
 * has an IPv6 twin of its own, keyed by the whole 16-byte address
 * (endpoints6 beside endpoints, ct6 beside ct, ...): IPv4's keys stay 4 and
 * 16 bytes, so the hash and compare on IPv4's hot paths (NAT, node to node)
 * cost no more for a family a lab may not use, and a lab without IPv6
 * leaves the IPv6 maps empty. What holds no address is shared: an IPv6
 * endpoint's value is struct nsb_endpoint, and a conntrack entry wraps the
 * IPv4 one, so state, TCP window tracking, timeouts and counters are one
 * code for both families (nsbpf_ct.h: ICMPv6 times out as ICMP).
 * Addresses are wire order, as four __be32 words.
 */
#ifndef NSBPF_MAPS6_H
#define NSBPF_MAPS6_H

/* The key of the maps keyed by one IPv6 address (endpoints6, host_addrs6). */
struct nsb_addr6_key {
	__be32 addr[4];
};
_Static_assert(sizeof(struct nsb_addr6_key) == 16, "nsb_addr6_key is ABI");

/*
 * networks6: array, net_id (the same ids as networks) -> the network's IPv6
 * side. A network without IPv6 has prefixlen 0 and no NSB_NET_F_USED here.
 * An IPv6-only network's networks slot has NSB_NET_F_HOLE | NSB_NET_F_V6_ONLY:
 * IPv4 walks past it, and its reach is still there (reach is one policy for
 * both families).
 */
struct nsb_network6 {
	__be32 subnet[4];	  /* host bits zero */
	__be32 gateway[4];	  /* lives on the host ends of the network's nodes */
	__u32 prefixlen;	  /* 48..126; 0: no IPv6 */
	enum nsb_net_flags flags; /* NSB_NET_F_USED; NSB_NET_F_MASQUERADE: NAT66 to uplink_addr6 */
};
_Static_assert(sizeof(struct nsb_network6) == 40, "nsb_network6 is ABI");

/*
 * ct6: hash like ct, keyed by the flow as the node sent it. ICMPv6 echo:
 * the echo id as sport, 0 as dport, proto IPPROTO_ICMPV6 (58).
 */
struct nsb_ct6_key {
	__be32 saddr[4]; /* node */
	__be32 daddr[4]; /* remote */
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3]; /* zero */
};
_Static_assert(sizeof(struct nsb_ct6_key) == 40, "nsb_ct6_key is ABI");

/*
 * The IPv4 entry, whose nat_addr and dnat_addr stay 0, with the IPv6
 * addresses after it: the translation reads as in nsb_ct_entry.
 */
struct nsb_ct6_entry {
	struct nsb_ct_entry e;
	__be32 nat_addr[4];  /* new source */
	__be32 dnat_addr[4]; /* NSB_CT_F_HAIRPIN: new destination, else 0 */
};
_Static_assert(sizeof(struct nsb_ct6_entry) == 144, "nsb_ct6_entry is ABI");

/* nat_ports6: hash like nat_ports, the reverse of ct6. */
struct nsb_nat6_key {
	__be32 nat_addr[4]; /* uplink's IPv6 address */
	__be32 remote_addr[4];
	__be16 nat_port;    /* allocated port / echo id / forwarded host port */
	__be16 remote_port; /* 0 for ICMPv6 */
	__u8 proto;
	__u8 pad[3]; /* zero */
};
_Static_assert(sizeof(struct nsb_nat6_key) == 40, "nsb_nat6_key is ABI");

/* The IPv4 value, whose node_addr stays 0, with the node's IPv6 address. */
struct nsb_nat6_val {
	struct nsb_nat_val v;
	__be32 node_addr[4];
};
_Static_assert(sizeof(struct nsb_nat6_val) == 40, "nsb_nat6_val is ABI");

#define NSB_HOST_ADDRS6_MAX 256

/*
 * ifaces6: hash, a node's host end ifindex -> its endpoint and IPv6 address
 * (added by nd6). A node's link-local source (fe80::/64, derived from its
 * MAC) names no key of endpoints6, yet its neighbour solicitations need the
 * node's MAC, host end MAC and network, and anti-spoofing needs to know
 * whether the veth's node has IPv6 at all (one without keeps the IPv4-only
 * lab's guard): one lookup by the ingress interface answers all of it,
 * the source check of every IPv6 packet a compare against addr.
 */
struct nsb_iface6 {
	struct nsb_endpoint ep; /* as endpoints6 has it for addr */
	__be32 addr[4];		/* the node's IPv6 address on this veth */
};
_Static_assert(sizeof(struct nsb_iface6) == 36, "nsb_iface6 is ABI");

/*
 * forwards6: hash like forwards, the IPv6 side of the port forwards (added
 * by fwd6): keyed by the whole host address (all zero: "any", the uplink's
 * IPv6 address and ::1), port and protocol -> IPv4's value, whose node_addr
 * stays 0, with the node's IPv6 address after it. A forward for any host
 * address to a node with an ip6 has an entry in both maps (it answers on
 * the uplink's IPv4 and IPv6 addresses); one to a node without ip6 only in
 * forwards; one for an IPv6 host address only here. Its own map, not a
 * wider forwards key: IPv4's lookups keep their 8-byte key. fwd_ports
 * (nsbpf_maps.h) stays one bitmap for both maps: a port's bit is set while
 * a forward of either family uses it (specific: any non-zero host address),
 * so IPv6's lookups may trust a clear bit as IPv4's do, and a bit only
 * IPv6 set costs IPv4 at most one lookup that misses (the bitmap is a hint,
 * the maps the truth).
 */
struct nsb_fwd6_key {
	__be32 host_addr[4]; /* wire order; all zero: any */
	__be16 port;	     /* host port, wire order */
	__u8 proto;	     /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;	     /* zero */
};
_Static_assert(sizeof(struct nsb_fwd6_key) == 20, "nsb_fwd6_key is ABI");

struct nsb_fwd6_val {
	struct nsb_fwd_val v; /* node_addr 0; node_port, first_port, count, ifindex, hits */
	__be32 node_addr[4];
};
_Static_assert(sizeof(struct nsb_fwd6_val) == 40, "nsb_fwd6_val is ABI");

/*
 * sock_orig6: LRU hash like sock_orig (nsbpf_maps.h), for the host's IPv6
 * sockets a forwards6 entry rewrote at connect6 or sendmsg6 (bpf/
 * sock.bpf.c; added by fwd6): socket cookie and the node's IPv6 address
 * and port -> the address and port the socket asked for ([::1]:6000, the
 * uplink's IPv6 address), given back at recvmsg6 and getpeername6. Its own
 * map: sock_orig keeps its 16-byte key for IPv4 and IPv4-mapped sockets.
 */
struct nsb_sock6_key {
	__u64 cookie;	     /* bpf_get_socket_cookie() */
	__be32 node_addr[4]; /* what the socket talks to now */
	__be16 node_port;
	__u16 pad;  /* zero */
	__u32 pad2; /* zero */
};
_Static_assert(sizeof(struct nsb_sock6_key) == 32, "nsb_sock6_key is ABI");

struct nsb_sock6_orig {
	__be32 addr[4]; /* what the client asked for */
	__be16 port;
	__u16 pad;
};
_Static_assert(sizeof(struct nsb_sock6_orig) == 20, "nsb_sock6_orig is ABI");

/*
 * frags6: LRU hash like frags (nsbpf_maps.h), IPv6 fragments after the
 * first. Only the first fragment carries the ports; when it is translated
 * it records here what the later ones of its datagram need. RFC 8200 4.5
 * makes a datagram's fragments one by source, destination and the fragment
 * header's 32-bit identification; the next header (the upper-layer
 * protocol: the first fragment's transport, a later one's fragment header
 * says the same when no extension header follows it) and the direction
 * keep a node's datagram and the world's apart, as in frags. Its own map:
 * IPv4's key keeps its 16-bit id and 4-byte addresses (12 bytes, hashed on
 * every IPv4 fragment), and an IPv6 id does not fit it.
 */
#define NSB_FRAG6_TIMEOUT_NS (60 * NSB_NSEC_PER_SEC) /* Linux's ip6frag_time */

struct nsb_frag6_key {
	__be32 saddr[4]; /* as the fragment arrives */
	__be32 daddr[4];
	__be32 id;	       /* the fragment header's identification */
	__u8 proto;	       /* the upper-layer protocol */
	enum nsb_frag_dir dir; /* NSB_FRAG_OUT, NSB_FRAG_IN */
	__u8 pad[2];	       /* zero */
};
_Static_assert(sizeof(struct nsb_frag6_key) == 40, "nsb_frag6_key is ABI");

struct nsb_frag6_val {
	struct nsb_ct6_key ct; /* the flow, to count the fragment */
	__be32 to_addr[4];     /* out: the new source; in: the new destination (the node) */
	__u64 first_ns;	       /* when the first fragment went through */
};
_Static_assert(sizeof(struct nsb_frag6_val) == 64, "nsb_frag6_val is ABI");

/*
 * An IPv6 packet's or flow's event in the events ring (bpf/lib/events.h):
 * the IPv4 record, flags NSB_EV_F_IPV6, its tuples' ports as for IPv4 and
 * their addresses 0, with the IPv6 addresses after it (as nsb_ct6_entry
 * wraps nsb_ct_entry). A record of its own size, not one wider record for
 * both families: IPv4's events stay 48 bytes to reserve, clear and copy,
 * and a ring's record carries its length, so the reader tells the two
 * apart by flags and length. Nothing pinned changes shape (the ring has no
 * value type), so NSB_LAYOUT_VERSION stays: an older `nsbpf monitor` reads
 * the first 48 bytes of an IPv6 record as an event without addresses.
 */
struct nsb_ev6_addrs {
	__be32 saddr[4];
	__be32 daddr[4];
};

struct nsb_event6 {
	struct nsb_event e;	   /* flags has NSB_EV_F_IPV6; e.orig, e.xlat: the ports */
	struct nsb_ev6_addrs orig; /* the packet as it came; a flow as its opener sent it */
	struct nsb_ev6_addrs xlat; /* NSB_EV_F_XLAT: what the flow's packets become */
};
_Static_assert(sizeof(struct nsb_event6) == 112, "nsb_event6 is ABI");

#endif /* NSBPF_MAPS6_H */
