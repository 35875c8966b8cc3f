/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The topology file: parsed with libyaml and validated as a whole before
 * anything is created. Every error carries FILE:LINE:COL. Addresses are kept
 * in host byte order here; the loader converts when it fills the maps.
 */
#ifndef NSBPF_TOPO_H
#define NSBPF_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h> /* struct in6_addr */

#define TOPO_IFNAMSIZ 16 /* IFNAMSIZ, with the NUL */
#define TOPO_NAME_MAX 64
/* Bytes of a topology file: a 4096-node lab takes about 100 KiB, 60,000 nodes 2 MiB. */
#define TOPO_FILE_MAX (16u << 20)

struct topo_mark {
	int line; /* 1-based, 0 when unknown */
	int col;  /* 1-based */
};

/*
 * networks.N.routes[i]: a prefix behind a router node of the network. The
 * datapath sends its packets to the router as to a node, and the host
 * routes it via the router's address.
 */
struct topo_net_route {
	struct topo_mark mark;	  /* the entry */
	struct topo_mark to_mark; /* its prefix */
	uint32_t prefix;	  /* host order, host bits zero */
	uint8_t len;		  /* 1..32 */
	int via;		  /* index into topo.nodes: a node of this network, forwarding */
};

/*
 * networks.N.remote: another machine's pod subnet, reached natively (no
 * NAT, no tunnel) through a next hop on the uplink's link (bpf/lib/remote.h).
 */
struct topo_net_remote {
	struct topo_mark mark;	   /* the entry */
	struct topo_mark to_mark;  /* its prefix */
	struct topo_mark via_mark; /* its next hop */
	uint32_t prefix;	   /* host order, host bits zero */
	uint8_t len;		   /* 1..32; 0: the entry has a problem (reported) */
	uint32_t via;		   /* host order, 0: missing or wrong (reported) */
};

struct topo_network {
	char name[TOPO_NAME_MAX];
	struct topo_mark mark;
	struct topo_mark subnet_mark;  /* for checks against the host at up */
	struct topo_mark gateway_mark; /* the subnet's when the gateway is defaulted */
	uint32_t subnet;	       /* host order, host bits zero */
	uint8_t prefix;		       /* 1..30; 0: IPv6-only (no subnet, gateway 0) */
	uint32_t gateway;	       /* host order; defaults to subnet + 1 */
	bool masquerade;	       /* both families: NAT44 and, with subnet6, NAT66 */
	/* IPv6 (subnet6 in the file): prefix6 0 when the network has none */
	struct topo_mark subnet6_mark;
	struct in6_addr subnet6;  /* host bits zero */
	uint8_t prefix6;	  /* 48..126, 0: no IPv6 */
	struct in6_addr gateway6; /* defaults to subnet6 + 1 */
	uint64_t reach;		  /* bit n: may talk to networks[n]; symmetric, own bit set */
	/*
	 * The datapath's id (its networks map slot): the index, as loaded; a
	 * running lab's networks keep theirs across a converge (lab_net_ids_keep()).
	 */
	uint32_t id;
	struct topo_net_route *routes;
	size_t n_routes;
	struct topo_net_remote *remotes;
	size_t n_remotes;
};

/*
 * Impairments (netem, and tbf for rate) on the egress of an interface:
 * both ends of a link, or a node's host ends (traffic toward the node).
 */
struct topo_netem {
	bool set;	    /* the file has a netem: for it */
	uint32_t delay_us;  /* 0..TOPO_NETEM_DELAY_MAX */
	uint32_t jitter_us; /* <= delay_us */
	uint32_t loss_ppm;  /* parts per million: 1000000 is 100% */
	uint64_t rate_bps;  /* bits per second, 0: no limit */
	struct topo_mark mark;
};

#define TOPO_NETEM_DELAY_MAX (60u * 1000 * 1000)	  /* 60 s, in us */
#define TOPO_NETEM_RATE_MIN  8000ull			  /* 8kbit */
#define TOPO_NETEM_RATE_MAX  (10ull * 1000 * 1000 * 1000) /* 10gbit (tbf: 32-bit bytes/s) */

/*
 * A node's legs after its first: eth1, eth2, ... in `interfaces` order.
 * Each is an endpoint of its network, like the first (topo_node.network).
 */
struct topo_leg {
	int network;	     /* index into topo.networks */
	uint32_t ip;	     /* host order; defaulted like the first leg's */
	struct in6_addr ip6; /* its network has subnet6: defaulted like the first leg's; else :: */
	/* "<lab>-<node>.<k>" for eth<k>: '.' is in no lab or node name, so no clash */
	char hostif[TOPO_IFNAMSIZ];
	struct topo_mark mark;
};

/* A static route inside a node (nodes.N.routes). */
struct topo_route {
	uint32_t dst; /* host order, host bits zero; 0/0 for "default" */
	uint8_t prefix;
	uint32_t via; /* host order, on one of the node's subnets */
	/* IPv6 (via is an IPv6 address): dst6/prefix, via6 on a subnet6 of the node */
	bool v6;
	struct in6_addr dst6, via6;
	bool to6, to_default; /* what to was, for the family check */
	struct topo_mark mark;
};

struct topo_node {
	char name[TOPO_NAME_MAX];
	struct topo_mark mark;
	/* The first leg (eth0): network -1 when the node has none (links only). */
	int network;	     /* index into topo.networks */
	uint32_t ip;	     /* host order; defaulted to the next free address */
	struct in6_addr ip6; /* its network has subnet6: defaulted to the next free; else :: */
	char **exec;	     /* commands run in the node after up, in order */
	size_t n_exec;
	bool forwarding;	    /* a router: ip_forward=1 inside the node */
	char netns[TOPO_NAME_MAX];  /* "<lab>-<node>", under /run/netns */
	char hostif[TOPO_IFNAMSIZ]; /* "<lab>-<node>", host end of the veth */
	struct topo_leg *legs;	    /* eth1.. (interfaces: after the first) */
	size_t n_legs;
	struct topo_route *routes;
	size_t n_routes;
	struct topo_netem netem; /* on its host ends */
};

/* A veth pair straight between two nodes: no host end, no BPF. */
struct topo_link {
	struct topo_mark mark;
	int node[2];		       /* indices into topo.nodes */
	uint32_t subnet;	       /* host order; node[0] gets subnet+1, node[1] subnet+2 */
	uint8_t prefix;		       /* 1..30 */
	char ifname[2][TOPO_IFNAMSIZ]; /* inside each node: ethN, or the file's ifnames */
	struct topo_netem netem;       /* both ends */
	struct in6_addr subnet6;       /* optional: node[0] gets subnet6+1, node[1] subnet6+2 */
	uint8_t prefix6;	       /* 48..126; 0: the link has no IPv6 */
	struct topo_mark subnet6_mark;
};

struct topo_forward {
	struct topo_mark mark;
	struct topo_mark host_mark; /* line 0 when host is not given */
	struct topo_mark port_mark;
	uint8_t proto;	  /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_ip; /* host order; 0: uplink address and loopback */
	/*
	 * host: an IPv6 address (host_ip 0): the forward answers there only,
	 * over IPv6 (forwards6), and is IPv4's nowhere; :: otherwise
	 */
	struct in6_addr host_ip6;
	uint16_t port;	   /* first host port */
	uint16_t port_end; /* last host port, == port for one port */
	int node;	   /* index into topo.nodes */
	uint16_t to_port;  /* first node port */
	uint16_t to_port_end;
};

/*
 * nat: timeouts:, in seconds, 1 s to TOPO_TIMEOUT_MAX; 0: not in the file,
 * the datapath's default (NSB_TMO_* in nsbpf_maps.h).
 */
struct topo_timeouts {
	uint32_t tcp_syn;
	uint32_t tcp_est;
	uint32_t tcp_closing;
	uint32_t tcp_closed;
	uint32_t udp_new;
	uint32_t udp;
	uint32_t icmp;
};

#define TOPO_TIMEOUT_MAX (30u * 24 * 3600) /* 30 days */

/*
 * The optional nat: block, with the defaults (nsbpf_maps.h) filled in by
 * topo_load() where the file has none; only the timeouts keep 0 for theirs.
 */
struct topo_nat {
	uint16_t port_min; /* SNAT source ports: NSB_SNAT_PORT_MIN.. by default */
	uint16_t port_max;
	uint32_t conntrack; /* entries of the ct and nat_ports maps: NSB_CT_DEFAULT_SIZE */
	struct topo_timeouts timeouts;
	struct topo_mark mark;
	struct topo_mark ports_mark; /* line 0: no nat: ports: (up takes a free share) */
};

struct topo {
	char *path; /* as given, used in messages */
	char *src;  /* the text it was parsed from (up keeps it: a converge diffs against it) */
	size_t src_len;
	char name[TOPO_NAME_MAX];
	char uplink[TOPO_IFNAMSIZ];   /* "" when not given: the default route's device */
	struct topo_mark uplink_mark; /* line 0 when not given */
	/*
	 * uplink6: the uplink's IPv6 address NAT66 uses as source; :: when not
	 * given (up takes the uplink's first global address).
	 */
	struct in6_addr uplink6;
	struct topo_mark uplink6_mark; /* line 0 when not given */
	struct topo_network *networks;
	size_t n_networks;
	struct topo_node *nodes;
	size_t n_nodes;
	struct topo_forward *forwards;
	size_t n_forwards;
	struct topo_link *links;
	size_t n_links;
	struct topo_nat nat;
};

/* Legs of a node: its first (when it has a network) and its further legs. */
size_t topo_node_n_legs(const struct topo_node *n);
/*
 * Leg k (0: eth0) of n as one view: network, ip, host end. The first leg
 * is node->network/ip/hostif when the node has a network.
 */
struct topo_leg topo_node_leg(const struct topo_node *n, size_t k);
/* The address of a link's end e (0 or 1). */
static inline uint32_t topo_link_ip(const struct topo_link *l, int e)
{
	return l->subnet + 1 + (uint32_t)e;
}

/*
 * Where a forward to n goes: its first leg's address, or, for a node with
 * links only, its first link address inside a routed prefix
 * (networks.N.routes: the node lies behind that prefix's router); 0: none.
 */
/* reach (bits by network index) as the datapath has it: bits by network id. */
uint64_t topo_reach_ids(const struct topo *t, uint64_t reach);
uint32_t topo_node_fwd_ip(const struct topo *t, const struct topo_node *n);

/* One validation message, already formatted as "FILE:LINE:COL: text". */
struct topo_errors {
	char **msgs;
	size_t n;
};

/*
 * Parse and validate. Returns 0 and sets *out, or -EINVAL with every problem
 * found appended to errs (and *out NULL), or another -errno when the file
 * cannot be read (also described in errs).
 */
int topo_load(const char *path, struct topo **out, struct topo_errors *errs);
int topo_load_buf(const char *name, const char *buf, size_t len, struct topo **out,
		  struct topo_errors *errs);
void topo_free(struct topo *t);
void topo_errors_free(struct topo_errors *errs);

/*
 * What the lab's host netns has, for the checks only `up` can make, before
 * it creates anything: the loader fills it, topo_check_host() compares.
 */
struct topo_host_addr {
	uint32_t ip; /* host order */
	uint8_t prefix;
};

struct topo_host_addr6 {
	struct in6_addr ip;
	uint8_t prefix;
};

struct topo_host {
	const char *uplink;	  /* its name; "" when the lab has none */
	bool uplink_missing;	  /* named in the file, and no such device */
	unsigned int uplink_type; /* ARPHRD_* */
	const char *uplink_kind;  /* "veth", "wireguard", "" */
	const struct topo_host_addr *uplink_addrs;
	size_t n_uplink_addrs;
	/* the uplink's global IPv6 addresses (no link-local, no tentative/dadfailed) */
	const struct topo_host_addr6 *uplink_addrs6;
	size_t n_uplink_addrs6;
	const uint32_t *gateways; /* of the host's IPv4 default routes */
	size_t n_gateways;
	/*
	 * Can the host take forward i? 0, or -EADDRNOTAVAIL (its host address:
	 * reported there) or another -errno (its ports), and why in err.
	 */
	int (*fwd_check)(const struct topo *t, size_t i, void *arg, char *err, size_t len);
	void *fwd_arg;
};

/*
 * The file against the host: the uplink is an Ethernet device, no lab
 * subnet overlaps the uplink's or holds a default gateway, no gateway is
 * the uplink's address, every forward passes fwd_check. 0, or -EINVAL with
 * each problem appended to errs as "FILE:LINE:COL: message", in file order.
 */
int topo_check_host(const struct topo *t, const struct topo_host *h, struct topo_errors *errs);

/* Shared by the topology and the CLI (forward add). 0 or -EINVAL. */
int topo_parse_name(const char *s);		  /* [a-z0-9-], starts and ends alnum */
int topo_parse_ipv4(const char *s, uint32_t *ip); /* strict dotted quad */
int topo_parse_cidr(const char *s, uint32_t *net, uint8_t *prefix);
int topo_parse_prefix(const char *s, uint32_t *net, uint8_t *prefix); /* a route's: 1..32 */
int topo_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi); /* N or N-M, 1..65535 */

/*
 * A duration: groups of digits and a unit, d h m s, largest first, each unit
 * once ("30s", "2h4m", "1d12h"). 0, -EINVAL (syntax) or -ERANGE (0, or more
 * than TOPO_TIMEOUT_MAX).
 */
int topo_parse_duration(const char *s, uint32_t *secs);
/* The same spelling back, shortest form: 7440 -> "2h4m", 0 -> "0s". */
const char *topo_duration_str(uint64_t secs, char *buf, size_t len);

/*
 * Address blocks no lab subnet may touch: 0.0.0.0/8, 127.0.0.0/8,
 * 224.0.0.0/4, 240.0.0.0/4. The first that overlaps net/prefix (prefix 32
 * for one address): its name ("loopback", ...), and the block in *block and
 * *block_prefix; NULL when none does.
 */
const char *topo_special_block(uint32_t net, int prefix, uint32_t *block, int *block_prefix);

/*
 * Why ip cannot be a forward's host address: 0 when it can (loopback can: a
 * loopback-only forward), or -EINVAL and why, a sentence starting with the
 * address ("255.255.255.255 is the limited broadcast address: ...").
 */
int topo_fwd_host_problem(uint32_t ip, char *why, size_t len);
/* The same for an IPv6 host address (::1 can; ::, multicast, link-local, IPv4-mapped cannot). */
int topo_fwd_host6_problem(const struct in6_addr *ip6, char *why, size_t len);

/* Derived names: "<lab>-<node>" for both. -ENAMETOOLONG when it does not fit. */
int topo_hostif_name(const char *lab, const char *node, char *buf, size_t len);
int topo_netns_name(const char *lab, const char *node, char *buf, size_t len);

/* Routes of all networks: what config.routes says to the datapath. */
size_t topo_route_count(const struct topo *t);
size_t topo_remote_count(const struct topo *t); /* networks' remote subnets, all of them */

/* A network has IPv6 (subnet6); IPv4 (subnet: none for an IPv6-only network). */
static inline bool topo_net_has_v6(const struct topo_network *n)
{
	return n->prefix6 != 0;
}

static inline bool topo_net_has_v4(const struct topo_network *n)
{
	return n->prefix != 0;
}

/* a with its host bits (past prefix) zero. */
struct in6_addr topo_mask6(const struct in6_addr *a, int prefix);
/* a lies in net/prefix. */
bool topo_in_prefix6(const struct in6_addr *a, const struct in6_addr *net, int prefix);
/* The IPv6 address of a link's end e (0 or 1); the link has prefix6. */
struct in6_addr topo_link_ip6(const struct topo_link *l, int e);

/* Leg k of n has IPv6: its network has a subnet6 (and so the leg an ip6). */
bool topo_leg_has_v6(const struct topo *t, const struct topo_node *n, size_t k);
/* n has IPv6: a leg with IPv6 or an end of a link with a subnet6. */
bool topo_node_has_v6(const struct topo *t, const struct topo_node *n);
/* The first leg of n with IPv6 (its IPv6 default route's), or -1. */
int topo_node_first_v6_leg(const struct topo *t, const struct topo_node *n);

/*
 * The uplink address NAT66 uses: uplink6 when the file gives it, else the
 * first of the host's global ones; false when there is none.
 */
bool topo_uplink6_pick(const struct topo *t, const struct topo_host_addr6 *addrs, size_t n,
		       struct in6_addr *out);

/* Index of a network or node by name, -1 when absent. */
int topo_network_index(const struct topo *t, const char *name);
int topo_node_index(const struct topo *t, const char *name);

#endif /* NSBPF_TOPO_H */
