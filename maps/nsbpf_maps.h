/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ABI between the BPF programs and the loader: map keys and values,
 * flags and limits. Wire-order fields are typed __be* and stay in wire order
 * in the maps; the CLI converts once. Any change of a struct here bumps
 * NSB_LAYOUT_VERSION, so a loader never silently reuses pinned maps of
 * another layout.
 *
 * The types are what `bpftool map dump` prints with (the maps carry BTF):
 * states, directions and flag bits are enums, so it prints their names (a
 * field holding several flags prints as the number, since no one name
 * matches it); a 1-byte field is a packed enum, which keeps the layout
 * (a change of types that keeps every byte where it was needs no new
 * NSB_LAYOUT_VERSION).
 * An array map's key must stay a plain __u32 (the kernel refuses any other
 * key type for arrays), so stats and networks print their index as a number;
 * addresses and ports print as the __be* numbers they are (README, "Maps").
 */
#ifndef NSBPF_MAPS_H
#define NSBPF_MAPS_H

#ifndef __bpf__
#include <linux/bpf.h> /* struct bpf_timer */
#include <linux/types.h>
#endif /* !__bpf__ */

#include "nsbpf_drop.h"

#define NSB_LAYOUT_VERSION 5

#define NSB_MAX_NETWORKS  64   /* reach is a 64-bit mask */
#define NSB_MAX_ENDPOINTS 4096 /* nodes per lab */

/* The key of the maps keyed by one IPv4 address (endpoints, host_addrs, fib_cache). */
struct nsb_addr_key {
	__be32 addr; /* wire order */
};
_Static_assert(sizeof(struct nsb_addr_key) == 4, "nsb_addr_key is ABI");

/* endpoints: node IPv4 (wire order) -> where and who the node is */
struct nsb_endpoint {
	__u32 ifindex;	  /* host end of the node's veth, in the host netns */
	__u32 net_id;	  /* index into networks */
	__u8 node_mac[6]; /* eth0 inside the node */
	__u8 host_mac[6]; /* host end: what ARP answers with */
};
_Static_assert(sizeof(struct nsb_endpoint) == 20, "nsb_endpoint is ABI");

enum nsb_net_flags {
	NSB_NET_F_USED = 1U << 0,	/* slot holds a network */
	NSB_NET_F_MASQUERADE = 1U << 1, /* SNAT to the uplink (masquerade issue) */
	/*
	 * No network, but more after it: a converge took this one away and the
	 * later ones keep their ids. The subnets' scan goes on past it; the
	 * first slot with neither flag ends the list.
	 */
	NSB_NET_F_HOLE = 1U << 2,
	/* With NSB_NET_F_HOLE: an IPv6-only network (networks6 has it), reach still here. */
	NSB_NET_F_V6_ONLY = 1U << 3,
};

/*
 * routes: LPM trie, a routed prefix (networks.N.routes in the file) -> its
 * router node's endpoint, copied (so one lookup finds where a packet for
 * the prefix goes), and the router's address. An address in a prefix is
 * the router's network's: packets for it go to the router exactly as to a
 * node, and the router may send from it. Asked only where endpoints has no
 * entry, and only when config.routes is not 0.
 */
#define NSB_MAX_ROUTES 1024

struct nsb_route_key {
	__u32 prefixlen; /* 1..32 */
	__be32 addr;	 /* wire order, host bits zero */
};
_Static_assert(sizeof(struct nsb_route_key) == 8, "nsb_route_key is ABI");

struct nsb_route {
	struct nsb_endpoint ep; /* the router's, as in endpoints */
	__be32 via;		/* the router's address, wire order */
};
_Static_assert(sizeof(struct nsb_route) == 24, "nsb_route is ABI");

/*
 * remotes: LPM trie, another machine's pod subnet (networks.N.remote in the
 * file, remoteSubnets in a CNI config) -> the next hop out of the uplink and
 * the network whose nodes reach it natively: no NAT, no tunnel, their own
 * addresses both ways (as flannel host-gw). The value starts with what
 * bpf_redirect_neigh() takes, so the datapath hands the helper the map's own
 * value. Asked only when config.flags has NSB_CFG_F_REMOTES.
 */
#define NSB_MAX_REMOTES 256

struct nsb_remote {
	struct bpf_redir_neigh nh; /* nh_family AF_INET (2), ipv4_nh: the next hop, wire order */
	__u32 net_id;		   /* the network whose nodes it is for */
};
_Static_assert(sizeof(struct nsb_remote) == 24, "nsb_remote is ABI");

/* networks: array, net_id -> subnet and policy; used slots are dense from 0 */
struct nsb_network {
	__be32 subnet;	/* wire order, host bits zero */
	__be32 mask;	/* wire order */
	__be32 gateway; /* wire order, lives on the host */
	enum nsb_net_flags flags;
	__u64 reach; /* bit n set: may exchange packets with network n */
};
_Static_assert(sizeof(struct nsb_network) == 24, "nsb_network is ABI");

#define NSB_CT_DEFAULT_SIZE 65536 /* ct and nat_ports entries, per lab */

/*
 * ct and nat_ports never evict: a full table refuses new flows (ct_full),
 * and a garbage collector (bpf/lib/ct_gc.h) removes what expired every
 * NSB_GC_INTERVAL_NS. Past NSB_GC_PRESSURE_PCT percent full it also drops
 * flows nobody answered that are older than NSB_GC_EARLY_NS (early drop,
 * as nf_conntrack does when full): a flood of new flows, from a node or
 * from outside, can neither evict an established flow nor keep the table
 * full for long.
 */
#define NSB_GC_INTERVAL_NS  (2 * NSB_NSEC_PER_SEC)
#define NSB_GC_PRESSURE_PCT 75
#define NSB_GC_EARLY_NS	    (5 * NSB_NSEC_PER_SEC)
#define NSB_SNAT_PORT_MIN   61000 /* above the host's ip_local_port_range */
#define NSB_SNAT_PORT_MAX   65535

/*
 * config: array of one; the layout version is always the first field. A
 * zero limit or timeout means its default: nsbpf_ct.h says which, for both
 * sides.
 */
enum nsb_cfg_flags {
	NSB_CFG_F_REMOTES = 1U << 0, /* remotes has entries: the datapath asks it */
};

/*
 * config.lab6_outside: networks6 summed up for the uplink's IPv6, which is
 * mostly the host's own (IPv4's twin is addr_filter). Every subnet6 is a
 * /48 or longer, so an address of one shares its subnet's first 48 bits:
 * bit NSB_LAB6_SLOT() of those bits (host order: the address's first word,
 * and the second's upper half) is set when no subnet6 hashes to it, and an
 * address there is surely in no lab subnet (from_uplink skips the scan of
 * networks6). A clear bit asks the scan; all clear (a config
 * written without the summary) always does. The loader writes it with the
 * config, from networks6 (lab_lab6_outside()).
 */
#define NSB_LAB6_OUTSIDE_WORDS 4 /* 256 slots */
#define NSB_LAB6_SLOT(w0, w1) \
	(((((__u32)(w0)) * 2654435761U) ^ ((((__u32)(w1)) >> 16) * 2246822519U)) >> 24)
/*
 * config.host6_outside: host_addrs6 summed up likewise, by the whole
 * address (host order words): bit NSB_HOST6_SLOT() set when no host
 * address hashes to it, and the host_addrs6 lookup would miss (a world
 * source, the host's usual peer, skips it). All clear: always the lookup.
 * The loader writes it with the config, from host_addrs6
 * (lab_host6_outside()).
 */
#define NSB_HOST6_SLOT(w0, w1, w2, w3)                                     \
	(((((__u32)(w0)) * 2654435761U) ^ (((__u32)(w1)) * 2246822519U) ^  \
	  (((__u32)(w2)) * 3266489917U) ^ (((__u32)(w3)) * 668265263U)) >> \
	 24)

struct nsb_config {
	__u32 layout; /* NSB_LAYOUT_VERSION of the loader that created the maps */
	enum nsb_cfg_flags flags;
	__u32 uplink_ifindex; /* 0: none (no masquerade possible) */
	__be32 uplink_addr;   /* wire order, 0: none */
	__u16 snat_port_min;  /* host order: SNAT source ports, inclusive; 0: NSB_SNAT_PORT_* */
	__u16 snat_port_max;
	__u32 ct_max; /* entries of ct and nat_ports; 0: NSB_CT_DEFAULT_SIZE */
	/* conntrack timeouts, nanoseconds (bpf_ktime_get_ns clock); 0: the default */
	__u64 tmo_tcp_syn;     /* opened, not yet answered */
	__u64 tmo_tcp_est;     /* established */
	__u64 tmo_tcp_closing; /* FIN one way: half-closed */
	__u64 tmo_tcp_closed;  /* FIN both ways, or RST: TIME_WAIT */
	__u64 tmo_udp_new;     /* one way so far */
	__u64 tmo_udp;	       /* answered */
	__u64 tmo_icmp;
	__u64 host_netns_cookie; /* the lab's host netns: sock hooks act there only */
	__u32 fib_ifindex;	 /* the lab's FIB probe device (NSB_FIB_SUFFIX), 0: none */
	__u32 routes;		 /* entries in routes; 0: the datapath never asks it */
	__be32 uplink_addr6[4];	 /* wire order, NAT66's source; all 0: none */
	__u64 lab6_outside[NSB_LAB6_OUTSIDE_WORDS];  /* a set bit: in no subnet6 (above) */
	__u64 host6_outside[NSB_LAB6_OUTSIDE_WORDS]; /* a set bit: no host address (above) */
};
_Static_assert(sizeof(struct nsb_config) == 176, "nsb_config is ABI");

/* gc: array of one, the collector's timer (bpf/lib/ct_gc.h) and what its last pass saw. */
struct nsb_gc {
	struct bpf_timer timer;
	__u64 last_ns;	/* when the last pass ran (bpf_ktime_get_ns) */
	__u32 ct_count; /* ct entries the last pass left */
	__u32 passes;
};
_Static_assert(sizeof(struct nsb_gc) == 32, "nsb_gc is ABI");

/*
 * Is an address the host's? Addresses come and go after `up`, so a new
 * flow asks the host's FIB (bpf_fib_lookup: "not forwarded" for a local,
 * broadcast or multicast destination). The helper answers only for a
 * device that forwards, and the host's do not (ip_forward stays 0): each
 * lab has a probe device, LAB + NSB_FIB_SUFFIX, with forwarding on and
 * nothing ever arriving on it, to ask as: one end of a veth pair whose
 * other end (LAB + NSB_FIB_PEER_SUFFIX) stays down (every kernel that runs
 * labs has veth; not every one has dummy). host_addrs stays as the answer
 * without it (selftests, labs from before).
 */
#define NSB_FIB_SUFFIX ".f"

/*
 * fib_cache: LRU hash, a destination (wire order) -> what the FIB said of
 * it lately: a new flow to the same place skips the ~250 ns lookup for
 * NSB_FIB_CACHE_NS. An address the host gains is the host's within that.
 */
#define NSB_FIB_CACHE_MAX 4096
#define NSB_FIB_CACHE_NS  NSB_NSEC_PER_SEC

struct nsb_fib_seen {
	__u64 checked_ns; /* bpf_ktime_get_ns() of the lookup */
	__u32 local;	  /* 1: the host's */
	__u32 pad;
};
_Static_assert(sizeof(struct nsb_fib_seen) == 16, "nsb_fib_seen is ABI");
#define NSB_FIB_PEER_SUFFIX ".g"

/*
 * host_addrs: hash, IPv4 address (wire order) of the host netns -> 1. The
 * loader fills it at up (and re-up): packets from nodes to these addresses
 * go to the host stack, never out of the uplink.
 */
#define NSB_HOST_ADDRS_MAX 256

/*
 * addr_filter: array, a filter of the /24s that hold a lab address (every
 * /24 of every lab subnet and routed prefix) or a host address
 * (host_addrs): two bits per slot NSB_ADDR_FILTER_SLOT(the address, host
 * order), 65536 slots, 32 to a word: NSB_ADDR_FILTER_LAB and
 * NSB_ADDR_FILTER_HOST at NSB_ADDR_FILTER_SHIFT(slot) of word
 * NSB_ADDR_FILTER_WORD(slot). Both clear: the address is surely outside, so
 * a packet to the world skips the endpoints and host_addrs lookups that
 * would miss and the scan of the lab's subnets; the lab bit clear: surely
 * in no lab subnet (a host address, say: to_uplink passes the host's
 * traffic from any of its addresses without the scan). A set bit (a lab's
 * /24, or another /24 sharing its slot) means ask them. The loader writes
 * it whole from networks, routes and host_addrs (lab_fill_addr_filter())
 * whenever it fills those.
 */
#define NSB_ADDR_FILTER_WORDS	    2048
#define NSB_ADDR_FILTER_LAB	    1ULL
#define NSB_ADDR_FILTER_HOST	    2ULL
#define NSB_ADDR_FILTER_WORD(slot)  ((__u32)(slot) / 32)
#define NSB_ADDR_FILTER_SHIFT(slot) ((__u32)(slot) % 32 * 2)
#define NSB_ADDR_FILTER_SLOT(host)  ((((__u32)(host) >> 8) * 2654435761U) >> 16)

/*
 * Conntrack timeouts when the config holds 0 (the loader writes its own,
 * from the file's nat.timeouts). RFC 5382 asks for >= 2 h 4 min established
 * and >= 4 min transitory TCP, RFC 4787 for >= 2 min UDP; where those leave
 * room, Linux's conntrack defaults. A flow idle for longer than the timeout
 * of its protocol and state is treated as gone: its port may be claimed
 * again. The rule that picks one is nsb_ct_timeout() (nsbpf_ct.h).
 */
#define NSB_NSEC_PER_SEC    1000000000ULL
#define NSB_TMO_TCP_SYN	    (240 * NSB_NSEC_PER_SEC)
#define NSB_TMO_TCP_EST	    (7440 * NSB_NSEC_PER_SEC)
#define NSB_TMO_TCP_CLOSING (240 * NSB_NSEC_PER_SEC)
#define NSB_TMO_TCP_CLOSED  (120 * NSB_NSEC_PER_SEC)
#define NSB_TMO_UDP_NEW	    (30 * NSB_NSEC_PER_SEC)
#define NSB_TMO_UDP	    (120 * NSB_NSEC_PER_SEC)
#define NSB_TMO_ICMP	    (30 * NSB_NSEC_PER_SEC)

/*
 * Conntrack for masqueraded and forwarded flows.
 *
 * ct: hash (never evicting; emptied by the collector), keyed by the flow as the node sent it. ICMP echo uses the
 * echo id as sport and 0 as dport.
 */
struct nsb_ct_key {
	__be32 saddr; /* node */
	__be32 daddr; /* remote */
	__be16 sport;
	__be16 dport;
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	__u8 pad[3]; /* zero */
};
_Static_assert(sizeof(struct nsb_ct_key) == 16, "nsb_ct_key is ABI");

enum nsb_ct_state {
	NSB_CT_NEW = 0,	    /* UDP/ICMP: first packet; TCP: SYN seen */
	NSB_CT_ESTABLISHED, /* TCP: SYN-ACK seen; UDP/ICMP: the other side answered */
	NSB_CT_CLOSING,	    /* TCP: an in-window FIN one way (half-closed) */
	NSB_CT_CLOSED,	    /* TCP: in-window FINs both ways, or an exact RST */
} __attribute__((packed));
_Static_assert(sizeof(enum nsb_ct_state) == 1, "nsb_ct_state is a byte of nsb_ct_entry");

enum nsb_tcp_flags {
	NSB_TCP_F_WSCALE = 1U << 0, /* the SYN carried a window scale option */
	NSB_TCP_F_MAXACK = 1U << 1, /* maxack is set */
} __attribute__((packed));

/*
 * TCP window tracking, one side of a flow (Linux's nf_conntrack_proto_tcp,
 * after Rooij): sequence numbers in host order, as both ends see them (the
 * NAT never changes them). maxwin 0: this side has not been seen yet.
 */
struct nsb_tcp_side {
	__u32 end;    /* highest seq + len this side sent */
	__u32 maxend; /* highest ack + window the other side offered it */
	__u32 maxwin; /* largest window this side advertised (scaled) */
	__u32 maxack; /* highest ack this side sent (NSB_TCP_F_MAXACK) */
	__u8 wscale;  /* window scale this side announced in its SYN */
	enum nsb_tcp_flags flags;
	__u16 pad;
};
_Static_assert(sizeof(struct nsb_tcp_side) == 20, "nsb_tcp_side is ABI");

enum nsb_ct_flags {
	NSB_CT_F_FIN_ORIG = 1U << 0,  /* node sent FIN */
	NSB_CT_F_FIN_REPLY = 1U << 1, /* remote sent FIN */
	NSB_CT_F_DNAT = 1U << 2,      /* a port forward's flow: the remote opened it */
	NSB_CT_F_HAIRPIN = 1U << 3,   /* node to node through a forward: dnat_* set */
	NSB_CT_F_RST = 1U << 4,	      /* an accepted RST closed it, either way */
	/*
	 * A forward's flow whose client port clashed with another flow of the
	 * node on the same tuple (the same client port through two forwards
	 * to one node port, as nf_nat remaps it): the node sees the client at
	 * the key's dport, dnat_port is the client's real one.
	 */
	NSB_CT_F_CPORT = 1U << 5,
	/* A forward's flow made by a forward for any host address (host_addr 0). */
	NSB_CT_F_FWD_ANY = 1U << 6,
} __attribute__((packed));

/*
 * What the key's packets become: source nat_addr:nat_port; with
 * NSB_CT_F_HAIRPIN also destination dnat_addr:dnat_port (0 otherwise: the
 * destination is left alone).
 *   masquerade     node:p -> remote:rp    as uplink:P -> remote:rp
 *   port forward   node:8080 -> client:cp as uplink:6000 -> client:cp (F_DNAT:
 *                  the reply side of a flow the client opened; the client's
 *                  packets find it through nat_ports)
 *   hairpin        client:cp -> uplink:6000 as gw:P -> backend:8080 (F_HAIRPIN)
 *                  backend:8080 -> gw:P as uplink:6000 -> client:cp
 *                  (F_HAIRPIN | F_DNAT); each is the other's twin: key
 *                  {dnat_addr, nat_addr, dnat_port, nat_port}
 */
struct nsb_ct_entry {
	__be32 nat_addr; /* new source: uplink address, forwarded-to address, gateway */
	__be16 nat_port; /* new source port (echo id for ICMP) */
	enum nsb_ct_state state;
	enum nsb_ct_flags flags;
	__u32 ifindex;	  /* host end of the veth of the key's node (saddr) */
	__be32 dnat_addr; /* NSB_CT_F_HAIRPIN: new destination, else 0 */
	__be16 dnat_port; /* NSB_CT_F_HAIRPIN: new destination port, else 0 */
	__u16 pad;
	__u32 pad2;
	__u64 created_ns; /* bpf_ktime_get_ns() */
	__u64 last_seen_ns;
	__u64 pkts_orig; /* as the key goes: node -> remote */
	__u64 bytes_orig;
	__u64 pkts_reply; /* remote -> node */
	__u64 bytes_reply;
	struct nsb_tcp_side tcp[2]; /* TCP: [0] as the key goes (node), [1] the remote */
};
_Static_assert(sizeof(struct nsb_ct_entry) == 112, "nsb_ct_entry is ABI");

/*
 * nat_ports: hash like ct, the reverse of ct: what a reply on the uplink
 * carries -> the node's side of the flow. A port is claimed by inserting
 * here with BPF_NOEXIST before the ct entry is written. Port forwards add
 * their flows here too ({uplink, client, 6000, client port} -> node:8080);
 * a hairpin flow claims its gateway port here ({gw, backend, P, 8080} ->
 * client:cp, NSB_NAT_F_HAIRPIN), but its packets never look it up.
 */
struct nsb_nat_key {
	__be32 nat_addr; /* uplink address (a gateway for hairpin claims) */
	__be32 remote_addr;
	__be16 nat_port;    /* allocated port / echo id / forwarded host port */
	__be16 remote_port; /* 0 for ICMP */
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct nsb_nat_key) == 16, "nsb_nat_key is ABI");

enum nsb_nat_flags {
	/*
	 * A hairpin claim: its flow is the ct entry keyed {remote_addr,
	 * nat_addr, remote_port, nat_port} (the backend's side), whose
	 * dnat_addr:dnat_port is node_addr:node_port (the client).
	 */
	NSB_NAT_F_HAIRPIN = 1U << 0,
} __attribute__((packed));

struct nsb_nat_val {
	__be32 node_addr;
	__be16 node_port; /* echo id for ICMP */
	enum nsb_nat_flags flags;
	__u8 pad;
	__u32 ifindex;	    /* host end of the node's veth */
	__be16 remote_port; /* the remote's port as the node sees it (NSB_CT_F_CPORT), 0: as is */
	__u16 pad2;
	__u64 claimed_ns; /* when the claim was made (bpf_ktime_get_ns) */
};
_Static_assert(sizeof(struct nsb_nat_val) == 24, "nsb_nat_val is ABI");

/*
 * A claim whose flow is not (yet) in ct is another CPU's claim in progress
 * for this long: it writes the ct entry right after. Only then is it stale
 * (its flow evicted, or its ct write failed and the rollback was lost).
 */
#define NSB_CLAIM_GRACE_NS NSB_NSEC_PER_SEC

/*
 * frags: LRU hash, IPv4 fragments after the first. Only the first fragment
 * carries the ports; when it is translated it records here what the later
 * fragments of the same datagram (same addresses, IP id and protocol) need.
 * An entry older than NSB_FRAG_TIMEOUT_NS is ignored (the IP id wraps).
 */
#define NSB_FRAG_MAX	    4096
#define NSB_FRAG_TIMEOUT_NS (30 * NSB_NSEC_PER_SEC) /* Linux's ipfrag_time */

enum nsb_frag_dir {
	NSB_FRAG_OUT = 0, /* from a node, leaving by the uplink */
	NSB_FRAG_IN = 1,  /* from the uplink, to a node */
} __attribute__((packed));

struct nsb_frag_key {
	__be32 saddr; /* as the fragment arrives */
	__be32 daddr;
	__be16 id; /* IPv4 identification */
	__u8 proto;
	enum nsb_frag_dir dir;
};
_Static_assert(sizeof(struct nsb_frag_key) == 12, "nsb_frag_key is ABI");

struct nsb_frag_val {
	struct nsb_ct_key ct; /* the flow, to count the fragment */
	__be32 to_addr;	      /* out: the new source; in: the new destination (node) */
	__u32 pad;
	__u64 first_ns; /* when the first fragment went through */
};
_Static_assert(sizeof(struct nsb_frag_val) == 32, "nsb_frag_val is ABI");

/* stats: per-CPU array indexed by enum nsb_path or NSB_STAT_DROP_BASE + reason */
struct nsb_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * trace: array of one, written only when the program was loaded with
 * nsb_trace_enabled set (the selftests do). It makes the redirect target and
 * the decision observable to BPF_PROG_TEST_RUN, which only returns a verdict.
 */
struct nsb_trace {
	__u32 redirect_ifindex; /* 0: no redirect */
	__u32 redirect_flags;	/* NSB_TRACE_F_* */
	__u32 path;		/* enum nsb_path + 1, or 0 */
	enum nsb_drop drop;	/* or NSB_DROP_NONE */
};
_Static_assert(sizeof(struct nsb_trace) == 16, "nsb_trace is ABI");

#define NSB_TRACE_F_PEER   (1U << 0) /* bpf_redirect_peer() */
#define NSB_TRACE_F_EGRESS (1U << 1) /* bpf_redirect() out of ifindex */
#define NSB_TRACE_F_NEIGH  (1U << 2) /* bpf_redirect_neigh() out of ifindex */

/*
 * forwards: hash, one entry per host port (a range is one entry per port,
 * each pointing at its own node port). Looked up first with the packet's
 * destination address, then with host_addr 0 ("any": the uplink address,
 * the host's loopback, and the gateways for hairpin).
 */
#define NSB_MAX_FORWARDS 65536

struct nsb_fwd_key {
	__be32 host_addr; /* wire order; 0: any */
	__be16 port;	  /* host port, wire order */
	__u8 proto;	  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;	  /* zero */
};
_Static_assert(sizeof(struct nsb_fwd_key) == 8, "nsb_fwd_key is ABI");

struct nsb_fwd_val {
	__be32 node_addr;
	__be16 node_port;
	__be16 first_port; /* first host port of the forward this port belongs to */
	__u16 count;	   /* ports in that forward (1 for a single port) */
	__u16 pad;
	__u32 ifindex; /* host end of the node's veth */
	__u64 hits;    /* new flows through this port, counted atomically */
};
_Static_assert(sizeof(struct nsb_fwd_val) == 24, "nsb_fwd_val is ABI");

/*
 * fwd_ports: array, two bitmaps of the host ports forwards use, per
 * protocol: forwards for any host address (host_addr 0) and forwards for
 * one address (word NSB_FWD_PORT_WORD(proto, port, specific) of the
 * host-order port, bit port % 64). Only a hint that lets the host's own
 * traffic, a forwarded flow's packets and a new flow skip forwards lookups
 * that would miss: the loader sets a port's bit before its forward goes in
 * and clears it after the last one left, so a forward's bit is always set
 * (a stale bit costs a lookup). The forwards map stays the truth. A
 * forwarded flow lives as long as the forward that made it: the loader
 * deletes the flows of a forward that is gone or leads elsewhere
 * (lab/fwd_flows.c), so the datapath does not ask per packet.
 */
#define NSB_FWD_PORT_WORDS 4096 /* any / one address x 2 protocols x 65536 ports / 64 */
#define NSB_FWD_PORT_WORD(proto, port, specific) \
	(((specific) ? 2048U : 0U) + ((proto) == IPPROTO_UDP ? 1024U : 0U) + (__u32)(port) / 64)

/*
 * sock_orig: LRU hash, for the cgroup sock_addr hooks (bpf/sock.bpf.c).
 * A socket of the host whose destination a forward rewrote at connect() or
 * sendmsg() -> the address it asked for, so getpeername() and recvmsg()
 * give that back. Keyed by socket cookie and the node's address and port,
 * so an unconnected UDP socket may talk to several forwards.
 */
#define NSB_SOCK_ORIG_MAX 16384

struct nsb_sock_key {
	__u64 cookie;	  /* bpf_get_socket_cookie() */
	__be32 node_addr; /* what the socket talks to now */
	__be16 node_port;
	__u16 pad; /* zero */
};
_Static_assert(sizeof(struct nsb_sock_key) == 16, "nsb_sock_key is ABI");

struct nsb_sock_orig {
	__be32 addr; /* what the client asked for */
	__be16 port;
	__u16 pad;
};
_Static_assert(sizeof(struct nsb_sock_orig) == 8, "nsb_sock_orig is ABI");

/*
 * The monitor (`nsbpf monitor`, bpf/lib/events.h): drops, new flows and
 * early drops as events in the events ring buffer, only while a monitor
 * runs. monitor: array of one; the datapath reads `on` on its drop and
 * new-flow paths only, and emits nothing when it is 0. One monitor per lab
 * (a ring buffer has one reader): the CLI sets on while it runs, with its
 * pid, and a watcher process clears it whenever the CLI ends, kill -9
 * included.
 */
#define NSB_EV_RING_BYTES (256 * 1024) /* about 4,600 events */
#define NSB_EV_RATE	  5000	       /* events per second and CPU, when monitor.rate is 0 */
#define NSB_EV_BURST	  1000	       /* events a CPU may send at once, when monitor.burst is 0 */

struct nsb_monitor {
	__u32 on;    /* 1: a monitor runs, emit events */
	__u32 pid;   /* its pid (for the message that refuses a second one) */
	__u32 rate;  /* events per second and CPU; 0: NSB_EV_RATE */
	__u32 burst; /* 0: NSB_EV_BURST */
};
_Static_assert(sizeof(struct nsb_monitor) == 16, "nsb_monitor is ABI");

/*
 * ev_rate: per-CPU array of one, the rate limit's token bucket (credit in
 * nanoseconds: an event costs 1 s / rate) and what it held back.
 */
struct nsb_ev_rate {
	__u64 credit_ns;
	__u64 last_ns;	  /* when the credit was last topped up */
	__u64 suppressed; /* events the rate limit held back */
	__u64 lost;	  /* events the ring had no room for (no reader, or too slow) */
	__u32 drop;	  /* the drop this CPU's program is finishing (enum nsb_drop), 0: none */
	__u32 pad;
};
_Static_assert(sizeof(struct nsb_ev_rate) == 40, "nsb_ev_rate is ABI");

enum nsb_ev_type {
	NSB_EV_DROP = 1, /* reason: enum nsb_drop (NSB_DROP_CT_EARLY_DROP: a flow, xlat set) */
	NSB_EV_FLOW = 2, /* a new conntrack flow, kind says which */
};

enum nsb_ev_kind {
	NSB_EV_KIND_NONE = 0,
	NSB_EV_KIND_MASQUERADE, /* a node's flow to the outside */
	NSB_EV_KIND_FORWARD,	/* a client through a port forward */
	NSB_EV_KIND_HAIRPIN,	/* a node through a port forward of the lab */
};

/* addresses and ports, wire order; ICMP echo: the id as sport */
struct nsb_ev_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
};

#define NSB_EV_F_L4   (1U << 0) /* orig has ports (TCP, UDP, ICMP echo) */
#define NSB_EV_F_XLAT (1U << 1) /* xlat holds the flow's translation */
#define NSB_EV_F_IPV4 (1U << 2) /* orig has addresses (IPv4, or ARP's sender and target) */
#define NSB_EV_F_IPV6 (1U << 3) /* a struct nsb_event6 (nsbpf_maps6.h): its addresses are IPv6 */

/* One record of the events ring. */
struct nsb_event {
	__u64 time_ns;	  /* bpf_ktime_get_ns() */
	__u32 ifindex;	  /* where: a node's host end, or the uplink */
	__u8 type;	  /* enum nsb_ev_type */
	__u8 reason;	  /* NSB_EV_DROP: enum nsb_drop */
	__u8 kind;	  /* enum nsb_ev_kind: the flow's (flows, early drops) */
	__u8 proto;	  /* IPPROTO_* of an IPv4 or IPv6 packet or flow */
	__be16 ethertype; /* of a dropped frame; 0 for flows */
	__u8 icmp_type;	  /* ICMP: type and code */
	__u8 icmp_code;
	__u8 flags; /* NSB_EV_F_* */
	__u8 pad[3];
	struct nsb_ev_tuple orig; /* the packet as it came; a flow as its opener sent it */
	struct nsb_ev_tuple xlat; /* NSB_EV_F_XLAT: what the flow's packets become */
};
_Static_assert(sizeof(struct nsb_event) == 48, "nsb_event is ABI");

#include "nsbpf_maps6.h"

#endif /* NSBPF_MAPS_H */
