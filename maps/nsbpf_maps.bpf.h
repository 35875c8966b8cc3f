/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SEC(".maps") definitions, BPF side only. Keys and values come from
 * nsbpf_maps.h, so bpftool and the loader see named fields through BTF.
 * No `pinning` attribute: the loader sets each map's pin path itself
 * (bpf_map__set_pin_path) and the selftests get private, unpinned maps.
 */
#ifndef NSBPF_MAPS_BPF_H
#define NSBPF_MAPS_BPF_H

/*
 * vmlinux.h has `typedef struct config_s config;` (lib/zlib_deflate), which
 * would clash with the map named config. Include it here, with that name
 * hidden, so this header must come before any other vmlinux.h include.
 * Fields named config (perf_event_attr...) are renamed as well: harmless
 * unless a program reads them with CO-RE.
 */
#ifdef __VMLINUX_H__
#error "include nsbpf_maps.bpf.h before vmlinux.h: vmlinux.h's typedef config hides the map"
#endif /* __VMLINUX_H__ */
#define config __vmlinux_config
#include "vmlinux.h"
#undef config

#include <bpf/bpf_helpers.h>

#include "nsbpf_maps.h"

/* node IPv4 (wire order) -> host end, MACs, network */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_MAX_ENDPOINTS);
	__type(key, struct nsb_addr_key);
	__type(value, struct nsb_endpoint);
} endpoints SEC(".maps");

/* routed prefix -> its router's endpoint (nsbpf_maps.h); lib/endpoint.h asks it */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NSB_MAX_ROUTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsb_route_key);
	__type(value, struct nsb_route);
} routes SEC(".maps");

/* remote subnet -> next hop and network (nsbpf_maps.h); lib/remote.h asks it */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NSB_MAX_REMOTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsb_route_key);
	__type(value, struct nsb_remote);
} remotes SEC(".maps");

/*
 * The key of a routes (or remotes) lookup, per CPU: the call chains that ask have no
 * stack left for it (the verifier sums a chain's frames into 512 bytes).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsb_route_key);
} route_key SEC(".maps");

/* net_id -> subnet, gateway, reach; a slot without NSB_NET_F_USED is empty */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSB_MAX_NETWORKS);
	__type(key, __u32);
	__type(value, struct nsb_network);
} networks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsb_config);
} config SEC(".maps");

/* enum nsb_path, or NSB_STAT_DROP_BASE + enum nsb_drop -> packets, bytes */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NSB_STAT_MAX);
	__type(key, __u32);
	__type(value, struct nsb_counter);
} stats SEC(".maps");

/*
 * Masquerade. ct: the flow as the node sent it -> its translation, state,
 * counters. nat_ports: what a reply on the uplink carries -> the node's
 * side. Plain hashes: a full table refuses new flows rather than evicting
 * established ones, and the collector empties them (NSB_GC_* in
 * nsbpf_maps.h). The loader may resize both with
 * bpf_map__set_max_entries() before load, and says the size in config.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_CT_DEFAULT_SIZE);
	__type(key, struct nsb_ct_key);
	__type(value, struct nsb_ct_entry);
} ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_CT_DEFAULT_SIZE);
	__type(key, struct nsb_nat_key);
	__type(value, struct nsb_nat_val);
} nat_ports SEC(".maps");

/* the /24s of lab and host addresses, hashed to a bit (nsbpf_maps.h) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSB_ADDR_FILTER_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} addr_filter SEC(".maps");

/* the host netns' own IPv4 addresses (wire order) -> 1, filled by the loader */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_HOST_ADDRS_MAX);
	__type(key, struct nsb_addr_key);
	__type(value, __u8);
} host_addrs SEC(".maps");

/* later fragments of translated datagrams, recorded from their first */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NSB_FRAG_MAX);
	__type(key, struct nsb_frag_key);
	__type(value, struct nsb_frag_val);
} frags SEC(".maps");

/*
 * Port forwards, one entry per host port, written by the loader and the CLI;
 * BPF only reads them and counts hits. Not preallocated: a lab has a handful
 * of forwards, not NSB_MAX_FORWARDS.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_MAX_FORWARDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsb_fwd_key);
	__type(value, struct nsb_fwd_val);
} forwards SEC(".maps");

/* which host ports some forward uses (nsbpf_maps.h): written by the loader only */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSB_FWD_PORT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} fwd_ports SEC(".maps");

/* the host's sockets a forward rewrote -> the address they asked for (sock.bpf.c) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NSB_SOCK_ORIG_MAX);
	__type(key, struct nsb_sock_key);
	__type(value, struct nsb_sock_orig);
} sock_orig SEC(".maps");

/*
 * Room for what would not fit the stack: the verifier counts the frames of
 * a whole call chain into 512 bytes. A new ct entry is built here, and an
 * ICMP error's quote is summed here. Per CPU, and a tc program runs to its
 * end on its CPU before the next one starts.
 */
union nsb_scratch {
	struct nsb_ct_entry ct;
	struct nsb_ct6_entry ct6;
	__be32 words[40];	   /* ICMP header + IPv4 header + quote (lib/icmp.h) */
	struct bpf_fib_lookup fib; /* is a destination the host's (lib/masq.h) */
	/*
	 * from_uplink_v6()'s state (lib/from_uplink6.h) in up6, then a new
	 * forwarded flow's entries beside it (lib/dnat6.h): they are built
	 * while the state is still read, and from_uplink's chain leaves the
	 * builder's frame no room for them.
	 */
	struct {
		__be32 up6[40];
		struct nsb_ct6_entry ct6;
		struct nsb_ct6_key ck;
		struct nsb_nat6_val nv;
	} dnat6;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union nsb_scratch);
} scratch SEC(".maps");

/*
 * NAT66's room (lib/nat6.h, lib/from_uplink6.h; added by nat66): its flow,
 * port claim, verdict and a reply's state, per CPU. IPv6 keys are 40
 * bytes, and NAT66 runs under from_node_v6()'s frame on from_node (under
 * from_uplink's on the uplink): on the stack, its chains would pass the
 * 512 bytes the verifier sums them into. Its own map rather than a member
 * of nsb_scratch: masquerade's new ct6 entry is built in scratch while the
 * claim is still here.
 */
struct nsb_scratch6 {
	__u64 words[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsb_scratch6);
} scratch6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NSB_FIB_CACHE_MAX);
	__type(key, struct nsb_addr_key);
	__type(value, struct nsb_fib_seen);
} fib_cache SEC(".maps");

/*
 * IPv6 (nsbpf_maps6.h): the twins of endpoints, networks, host_addrs, ct and
 * nat_ports, keyed by whole IPv6 addresses; empty in a lab without IPv6.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_MAX_ENDPOINTS);
	__type(key, struct nsb_addr6_key);
	__type(value, struct nsb_endpoint);
} endpoints6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSB_MAX_NETWORKS);
	__type(key, __u32);
	__type(value, struct nsb_network6);
} networks6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_HOST_ADDRS6_MAX);
	__type(key, struct nsb_addr6_key);
	__type(value, __u8);
} host_addrs6 SEC(".maps");

/* host end ifindex -> the node's endpoint and IPv6 address (nsbpf_maps6.h) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_MAX_ENDPOINTS);
	__type(key, __u32);
	__type(value, struct nsb_iface6);
} ifaces6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_CT_DEFAULT_SIZE);
	__type(key, struct nsb_ct6_key);
	__type(value, struct nsb_ct6_entry);
} ct6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_CT_DEFAULT_SIZE);
	__type(key, struct nsb_nat6_key);
	__type(value, struct nsb_nat6_val);
} nat_ports6 SEC(".maps");

/* the host's IPv6 sockets a forwards6 entry rewrote (nsbpf_maps6.h), as sock_orig */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NSB_SOCK_ORIG_MAX);
	__type(key, struct nsb_sock6_key);
	__type(value, struct nsb_sock6_orig);
} sock_orig6 SEC(".maps");

/* the IPv6 side of the port forwards (nsbpf_maps6.h), as forwards */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSB_MAX_FORWARDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsb_fwd6_key);
	__type(value, struct nsb_fwd6_val);
} forwards6 SEC(".maps");

/* later IPv6 fragments of translated datagrams, recorded from their first (nsbpf_maps6.h) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NSB_FRAG_MAX);
	__type(key, struct nsb_frag6_key);
	__type(value, struct nsb_frag6_val);
} frags6 SEC(".maps");

/* The collector's timer (struct nsb_gc, nsbpf_maps.h) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsb_gc);
} gc SEC(".maps");

/* the last decision, written only when nsb_trace_enabled (selftests) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsb_trace);
} trace SEC(".maps");

/* The monitor (bpf/lib/events.h): its switch, its rate limit, its ring. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsb_monitor);
} monitor SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsb_ev_rate);
} ev_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NSB_EV_RING_BYTES);
} events SEC(".maps");

#endif /* NSBPF_MAPS_BPF_H */
