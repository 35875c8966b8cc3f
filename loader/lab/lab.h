/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A lab: bringing it up from a topology, down from its state, reading it
 * back. Like all of lab/, it never prints nor exits: 0/-errno and a result
 * (util/err.h for the words) that cli/ prints.
 */
#ifndef NSBPF_LAB_H
#define NSBPF_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo/topo.h"
#include "topo/topo_diff.h"
#include "util/err.h"

enum attach_mode { ATTACH_AUTO, ATTACH_TCX, ATTACH_CLSACT };

/* "auto", "tcx", "clsact" (datapath.c). */
const char *attach_mode_name(enum attach_mode m);
int attach_mode_parse(const char *s, enum attach_mode *m);

/*
 * How far a long up or down is: the phase ("creating nodes"), done of total
 * (total 0: no count). lab/ reports, cli/ shows it (or not).
 */
struct lab_progress {
	void (*fn)(void *arg, const char *phase, size_t done, size_t total);
	void *arg;
};

static inline void lab_progress(const struct lab_progress *p, const char *phase, size_t done,
				size_t total)
{
	if (p && p->fn)
		p->fn(p->arg, phase, done, total);
}

struct up_opts {
	const struct lab_progress *progress; /* NULL: none */
	bool dry_run;
	bool force; /* forwards on ports the host's sockets have */
	enum attach_mode attach;
	int exec_timeout_s; /* per node exec command */
};

/* A leg's host end and MACs. */
struct leg_rt {
	int ifindex; /* host end, host netns */
	uint8_t node_mac[6];
	uint8_t host_mac[6];
};

/* What up learned about each node while creating it. */
struct node_rt {
	int ifindex; /* host end of the first leg, host netns; 0: the node has none */
	uint8_t node_mac[6];
	uint8_t host_mac[6];
	ino_t netns_ino;
	struct leg_rt *legs; /* the further legs: topo_node.n_legs of them */
};

/* rt[i].legs for every node of t: 0 or -ENOMEM; node_rts_free() frees them and rt. */
int node_rts_alloc(const struct topo *t, struct node_rt **rt);
void node_rts_free(const struct topo *t, struct node_rt *rt);
/* Leg k of node i's runtime facts as one view (k 0: the first leg). */
struct leg_rt node_rt_leg(const struct node_rt *rt, size_t k);

/* The lab file read back: what status, down and the runtime commands use. */
struct lab_net {
	char name[TOPO_NAME_MAX];
	int id;
	uint32_t subnet;
	int prefix;
	uint32_t gateway;
	bool masquerade;
	uint64_t reach;
	/* IPv6 ("network6" lines): prefix6 0 when the network has none */
	struct in6_addr subnet6;
	int prefix6;
	struct in6_addr gateway6;
};

/* A node's further leg (eth1, ...), as the state file has it. */
struct lab_leg {
	char network[TOPO_NAME_MAX];
	uint32_t ip;
	int prefix;
	char hostif[TOPO_IFNAMSIZ];
	uint8_t node_mac[6];
	uint8_t host_mac[6];
	struct in6_addr ip6; /* "leg6" lines: prefix6 0 when none */
	int prefix6;
};

/* The first leg's fields: network "" and hostif "" when the node has links only. */
struct lab_node {
	char name[TOPO_NAME_MAX];
	char network[TOPO_NAME_MAX];
	uint32_t ip;
	int prefix;
	char netns[TOPO_NAME_MAX];
	char hostif[TOPO_IFNAMSIZ];
	uint8_t node_mac[6];
	uint8_t host_mac[6];
	struct lab_leg *legs; /* eth1, ... */
	size_t n_legs;
	bool forwarding; /* a router ("forwarding NODE" lines) */
	/* its first leg's IPv6 ("node6" lines): prefix6 0 when none */
	struct in6_addr ip6;
	int prefix6;
};

/* A link between two nodes: its ends' nodes, interfaces and addresses. */
struct lab_link {
	char node[2][TOPO_NAME_MAX];
	char ifname[2][TOPO_IFNAMSIZ];
	uint32_t ip[2];
	int prefix;
	struct in6_addr ip6[2]; /* "link6" lines: prefix6 0 when none */
	int prefix6;
};

/* A routed prefix ("route NETWORK PREFIX/LEN VIA" lines). */
struct lab_route {
	char network[TOPO_NAME_MAX];
	uint32_t prefix;
	int len;
	char via[TOPO_NAME_MAX];
};

struct lab_info {
	char name[TOPO_NAME_MAX];
	char file[1024];
	char attach[16];	    /* host ends: "tcx", "clsact" */
	char uplink_attach[16];	    /* "tcx", "clsact", "" when no uplink */
	char uplink[TOPO_IFNAMSIZ]; /* "" when none */
	uint32_t uplink_ip;
	struct in6_addr uplink_ip6; /* NAT66's source ("uplink6" line); :: when none */
	unsigned long hostns;	    /* inode of the host netns */
	/* masquerade ports on the uplink; 0 0: not recorded (an older nsbpf: the whole range) */
	uint16_t snat_lo, snat_hi;
	struct lab_net *nets;
	size_t n_nets;
	struct lab_node *nodes;
	size_t n_nodes;
	struct lab_link *links;
	size_t n_links;
	struct lab_route *routes;
	size_t n_routes;
};

/* A node's exec command that failed: why, and the log that holds its output. */
struct lab_exec_fail {
	struct err_msg why;
	char log[512];	 /* the node's exec log */
	char tail[2048]; /* its end, read before a rollback removes it */
};

enum up_done {
	UP_CREATED,   /* a new lab is up */
	UP_REPLACED,  /* it was up: programs replaced in place, maps kept */
	UP_PLANNED,   /* dry run: nothing changed */
	UP_CONVERGED, /* it was up: changed to the file (diff), programs replaced in place */
};

/* What up did, or why it could not: cli/ prints it. */
struct up_result {
	enum up_done done;
	char uplink[TOPO_IFNAMSIZ]; /* the lab's uplink, "" for none */
	char pin_dir[256];	    /* where its maps are (to be) pinned */
	enum attach_mode attach;    /* UP_REPLACED: how the host ends are attached */
	/* the lab was up with a recorded topology: what changes (UP_PLANNED) or changed */
	bool has_diff;
	struct topo_diff diff;
	/* On failure (-errno), in the order to show them: */
	bool bad_input;		     /* the file does not fit this host (usage) */
	struct topo_errors problems; /* each such problem, FILE:LINE:COL */
	struct lab_exec_fail exec;   /* a node's exec command failed (why "" if not) */
	struct err_msg err;	     /* what failed ("" when nothing more to say) */
	struct err_msg rollback;     /* undoing it failed too ("" if not) */
};

/*
 * Bring the lab up (or re-up, or plan it): 0 or -errno, r filled either way.
 * t->nat gets the masquerade ports the lab takes (a free share when the file
 * names none).
 */
int lab_up(struct topo *t, const struct up_opts *o, struct up_result *r);
void up_result_free(struct up_result *r);

/*
 * The file against the host netns we run in (uplink: its name, "" for
 * none), before anything is created: 0 (then warns if the host forwards
 * IPv4), -EINVAL with every problem as FILE:LINE:COL in problems, or
 * another -errno with e.
 */
struct nl_sock;
int lab_check_host(struct nl_sock *sk, const struct topo *t, const char *uplink, bool force,
		   struct topo_errors *problems, struct err_msg *e);

/* What a lab is made of, as down counts it. */
enum lab_obj {
	LAB_OBJ_NETNS,	/* node namespaces */
	LAB_OBJ_LINK,	/* veths of the host netns */
	LAB_OBJ_PIN,	/* maps, links and directories on the bpffs */
	LAB_OBJ_FILTER, /* clsact filters */
	LAB_OBJ_KINDS,
};

struct down_result {
	bool was_up; /* false: there was nothing to do */
	/*
	 * Its host netns is gone (or the mount namespace it was made in): what
	 * lived there went with it; down removed what it could still reach.
	 */
	bool orphaned;
	/* by enum lab_obj: what down removed, */
	unsigned int removed[LAB_OBJ_KINDS];
	/* and what had gone with the lab's host netns or mount namespace */
	unsigned int gone[LAB_OBJ_KINDS];
	struct err_msg err;
};

/* Remove everything the lab created: 0 or -errno, r filled either way (progress: or NULL). */
int lab_down(const char *lab, const struct lab_progress *progress, struct down_result *r);
/* The same without taking the state lock (the caller holds it). */
int lab_teardown(const char *lab, const struct lab_progress *progress, struct down_result *r);

/* Does the lab have state (up, or partly up)? */
bool lab_exists(const char *lab);

/* Names of every lab with state, sorted. */
struct lab_names {
	char **name;
	size_t n;
};
int lab_list(struct lab_names *out, struct err_msg *e);
void lab_names_free(struct lab_names *names);

int lab_info_read(const char *lab, struct lab_info *li); /* -ENOENT: not up */
void lab_info_free(struct lab_info *li);
/* The lab file's text for a topology and what up learned. malloc'd. */
char *lab_info_format(const struct topo *t, const struct node_rt *rt, const char *file,
		      const char *attach, const char *uplink_attach, const char *uplink,
		      uint32_t uplink_ip, const struct in6_addr *uplink_ip6);

/* Where a lab lives, seen from where this nsbpf runs (lab_where.c). */
enum lab_where {
	LAB_HERE,	 /* this host netns, this mount namespace */
	LAB_OTHER_NETNS, /* another host netns that still exists (nsbpf -n NAME) */
	LAB_OTHER_MNTNS, /* another mount namespace that still exists (ip netns exec?) */
	LAB_ORPHANED,	 /* its host netns or mount namespace is gone */
};

/* Where li lives; the /run/netns name of its host netns into netns when known. */
enum lab_where lab_where(const struct lab_info *li, char *netns, size_t len);
const char *lab_where_name(enum lab_where w); /* "here", ..., "orphaned" */
/* The /run/netns name of li's host netns into name; "" when it has none (or is gone). */
void lab_hostns_name(const struct lab_info *li, char *name, size_t len);
/* 0 when the lab lives here; else -EXDEV/-ENOENT and what to run instead in e. */
int lab_check_here(const struct lab_info *li, struct err_msg *e);

enum lab_node_state {
	LAB_NODE_UP, /* host end up, with carrier */
	LAB_NODE_DOWN,
	LAB_NODE_MISSING, /* host end or namespace gone */
};

struct lab_node_status {
	int ifindex; /* host end; 0 when missing */
	enum lab_node_state state;
};

/* Every node of the lab as the host has it now: li->n_nodes entries, free() *out. */
int lab_nodes_status(const struct lab_info *li, struct lab_node_status **out);

/* The lab's node or network of that name, or NULL. */
const struct lab_node *lab_node_find(const struct lab_info *li, const char *name);
/*
 * Where a forward to n goes (topo_node_fwd_ip() of the running lab): its
 * first leg's address, or, for a node with links only, its first link
 * address inside a routed prefix (a node behind a router); 0: none.
 */
uint32_t lab_node_fwd_ip(const struct lab_info *li, const struct lab_node *n);
const struct lab_net *lab_net_find(const struct lab_info *li, const char *name);

/* Deterministic MACs, locally administered: 02:.. inside the node, 06:.. host end. */
void lab_node_macs(const char *lab, const char *node, uint8_t node_mac[6], uint8_t host_mac[6]);
/* The same for leg k of a node (k 0: lab_node_macs'), and for a link end (ifname). */
void lab_leg_macs(const char *lab, const char *node, size_t k, uint8_t node_mac[6],
		  uint8_t host_mac[6]);
void lab_link_mac(const char *lab, const char *node, const char *ifname, uint8_t mac[6]);

/* Run the node's exec commands in order (up): 0, or -errno with fail filled. */
int lab_exec_node_cmds(const char *lab, const struct topo_node *n, int netns_fd, int timeout_s,
		       struct lab_exec_fail *fail);
/*
 * Move the calling process into the node's netns, with a /sys of that
 * namespace, as `ip netns exec` does (`nsbpf exec` then runs the command).
 */
int lab_exec_enter(const char *netns, struct err_msg *e);

#endif /* NSBPF_LAB_H */
