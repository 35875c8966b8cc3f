// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The "lab" state file: written when up completes, read by everything else. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab.h"
#include "sys/netns.h"
#include "sys/nl.h"
#include "sys/state.h"
#include "util/addr.h"

static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < *cap - *len)
			break;
		*cap = (*cap + n) * 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			return -ENOMEM;
	}
	*len += n;
	return 0;
}

/*
 * "node NAME NETWORK IP PREFIX NETNS HOSTIF NODE_MAC HOST_MAC" for the first
 * leg ("-" for network and host end, 0.0.0.0/0 when the node has links
 * only), then "leg NAME NETWORK IP PREFIX HOSTIF NODE_MAC HOST_MAC" per
 * further leg, in order (an older nsbpf skips those lines). A leg with
 * IPv6 has "node6 NAME IP6 PREFIX6" (the first) or "leg6 NAME IP6 PREFIX6"
 * (the leg line before it) right after its line.
 */
static const char *ip6_str(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) ? buf : "::";
}

static int format_node(char **buf, size_t *len, size_t *cap, const struct topo *t,
		       const struct topo_node *n, const struct node_rt *rt)
{
	char a[16], a6[INET6_ADDRSTRLEN], m1[18], m2[18];
	int err;

	if (n->network < 0)
		return append(buf, len, cap, "node %s - 0.0.0.0 0 %s - %s %s\n", n->name, n->netns,
			      mac_str(rt->node_mac, m1), mac_str(rt->host_mac, m2));
	mac_str(rt->node_mac, m1);
	mac_str(rt->host_mac, m2);
	err = append(buf, len, cap, "node %s %s %s %u %s %s %s %s\n", n->name,
		     t->networks[n->network].name, ipv4_str(n->ip, a),
		     t->networks[n->network].prefix, n->netns, n->hostif, m1, m2);
	/* "node6 NAME IP6 PREFIX6": its first leg's IPv6, right after it */
	if (!err && topo_net_has_v6(&t->networks[n->network]))
		err = append(buf, len, cap, "node6 %s %s %u\n", n->name, ip6_str(&n->ip6, a6),
			     t->networks[n->network].prefix6);
	for (size_t k = 0; !err && k < n->n_legs; k++) {
		const struct topo_leg *l = &n->legs[k];

		mac_str(rt->legs[k].node_mac, m1);
		mac_str(rt->legs[k].host_mac, m2);
		err = append(buf, len, cap, "leg %s %s %s %u %s %s %s\n", n->name,
			     t->networks[l->network].name, ipv4_str(l->ip, a),
			     t->networks[l->network].prefix, l->hostif, m1, m2);
		if (!err && topo_leg_has_v6(t, n, k + 1))
			err = append(buf, len, cap, "leg6 %s %s %u\n", n->name,
				     ip6_str(&l->ip6, a6), t->networks[l->network].prefix6);
	}
	return err;
}

/* Routers and routed prefixes: lines of their own, which an older nsbpf skips. */
static int format_routes(char **buf, size_t *len, size_t *cap, const struct topo *t)
{
	char a[16];
	int err = 0;

	for (size_t i = 0; !err && i < t->n_nodes; i++)
		if (t->nodes[i].forwarding)
			err = append(buf, len, cap, "forwarding %s\n", t->nodes[i].name);
	for (size_t i = 0; !err && i < t->n_networks; i++) {
		const struct topo_network *n = &t->networks[i];

		for (size_t k = 0; !err && k < n->n_routes; k++)
			err = append(buf, len, cap, "route %s %s/%u %s\n", n->name,
				     ipv4_str(n->routes[k].prefix, a), n->routes[k].len,
				     t->nodes[n->routes[k].via].name);
	}
	return err;
}

char *lab_info_format(const struct topo *t, const struct node_rt *rt, const char *file,
		      const char *attach, const char *uplink_attach, const char *uplink,
		      uint32_t uplink_ip, const struct in6_addr *uplink_ip6)
{
	char a[16], b[16], a6[INET6_ADDRSTRLEN], b6[INET6_ADDRSTRLEN];
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int err;

	if (!buf)
		return NULL;
	buf[0] = '\0';
	err = append(&buf, &len, &cap, "name %s\nfile %s\nattach %s %s\nuplink %s %s\nhostns %lu\n",
		     t->name, file, attach, uplink_attach, uplink[0] ? uplink : "-",
		     ipv4_str(uplink_ip, a), (unsigned long)netns_self_ino());
	if (!err && uplink[0])
		err = append(&buf, &len, &cap, "snat %u %u\n", t->nat.port_min, t->nat.port_max);
	/* lines an older nsbpf skips: the uplink's IPv6 (NAT66's source), networks' IPv6 */
	if (!err && uplink[0] && !IN6_IS_ADDR_UNSPECIFIED(uplink_ip6))
		err = append(&buf, &len, &cap, "uplink6 %s\n", ip6_str(uplink_ip6, a6));
	for (size_t i = 0; !err && i < t->n_networks; i++) {
		const struct topo_network *n = &t->networks[i];

		/* the datapath's id and reach bits (by id), which a converge keeps */
		err = append(&buf, &len, &cap, "network %s %u %s %u %s %d %llu\n", n->name, n->id,
			     ipv4_str(n->subnet, a), n->prefix, ipv4_str(n->gateway, b),
			     n->masquerade, (unsigned long long)topo_reach_ids(t, n->reach));
		if (!err && topo_net_has_v6(n))
			err = append(&buf, &len, &cap, "network6 %s %s %u %s\n", n->name,
				     ip6_str(&n->subnet6, a6), n->prefix6,
				     ip6_str(&n->gateway6, b6));
	}
	for (size_t i = 0; !err && i < t->n_nodes; i++)
		err = format_node(&buf, &len, &cap, t, &t->nodes[i], &rt[i]);
	for (size_t i = 0; !err && i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];

		err = append(&buf, &len, &cap, "link %s %s %s %s %s %s %u\n",
			     t->nodes[l->node[0]].name, l->ifname[0],
			     ipv4_str(topo_link_ip(l, 0), a), t->nodes[l->node[1]].name,
			     l->ifname[1], ipv4_str(topo_link_ip(l, 1), b), l->prefix);
		if (!err && l->prefix6) {
			struct in6_addr e0 = topo_link_ip6(l, 0), e1 = topo_link_ip6(l, 1);
			char a6[INET6_ADDRSTRLEN], b6[INET6_ADDRSTRLEN];

			/* "link6 IP6 IP6 PREFIX6": the link line before it has a subnet6 */
			err = append(&buf, &len, &cap, "link6 %s %s %u\n", ip6_str(&e0, a6),
				     ip6_str(&e1, b6), l->prefix6);
		}
	}
	if (!err)
		err = format_routes(&buf, &len, &cap, t);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

/* Copy what fits; state files are ours, so truncation only guards memory. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "leg NODE NETWORK IP PREFIX HOSTIF NODE_MAC HOST_MAC": the last node of that name's. */
static int parse_leg(struct lab_info *li, const char *line)
{
	char node[64], ip[16], m1[18], m2[18];
	struct lab_leg l = { 0 }, *grown;
	struct lab_node *nd;

	if (sscanf(line, "leg %63s %63s %15s %d %15s %17s %17s", node, l.network, ip, &l.prefix,
		   l.hostif, m1, m2) != 7 ||
	    parse_ip(ip, &l.ip) || parse_mac(m1, l.node_mac) || parse_mac(m2, l.host_mac))
		return -EINVAL;
	if (!li->n_nodes || strcmp(li->nodes[li->n_nodes - 1].name, node))
		return -EINVAL; /* written right after its node */
	nd = &li->nodes[li->n_nodes - 1];
	grown = realloc(nd->legs, sizeof(*grown) * (nd->n_legs + 1));
	if (!grown)
		return -ENOMEM;
	nd->legs = grown;
	nd->legs[nd->n_legs++] = l;
	return 0;
}

/* "link6 IP6 IP6 PREFIX6": the last link's IPv6. */
static int parse_link6(struct lab_info *li, const char *line)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct lab_link *l = li->n_links ? &li->links[li->n_links - 1] : NULL;

	if (!l || sscanf(line, "link6 %45s %45s %d", a, b, &l->prefix6) != 3 ||
	    inet_pton(AF_INET6, a, &l->ip6[0]) != 1 || inet_pton(AF_INET6, b, &l->ip6[1]) != 1)
		return -EINVAL;
	return 0;
}

/* "link A IFNAME IP B IFNAME IP PREFIX" */
static int parse_link(struct lab_info *li, const char *line)
{
	struct lab_link l = { 0 }, *grown;
	char ip0[16], ip1[16];

	if (sscanf(line, "link %63s %15s %15s %63s %15s %15s %d", l.node[0], l.ifname[0], ip0,
		   l.node[1], l.ifname[1], ip1, &l.prefix) != 7 ||
	    parse_ip(ip0, &l.ip[0]) || parse_ip(ip1, &l.ip[1]))
		return -EINVAL;
	grown = realloc(li->links, sizeof(*grown) * (li->n_links + 1));
	if (!grown)
		return -ENOMEM;
	li->links = grown;
	li->links[li->n_links++] = l;
	return 0;
}

/* "forwarding NODE" (after its node line) and "route NETWORK PREFIX/LEN VIA". */
static int parse_route_line(struct lab_info *li, const char *line)
{
	struct lab_route *r, *grown;
	char name[TOPO_NAME_MAX], prefix[32];
	uint8_t len;

	if (sscanf(line, "forwarding %63s", name) == 1) {
		for (size_t i = 0; i < li->n_nodes; i++)
			if (!strcmp(li->nodes[i].name, name))
				li->nodes[i].forwarding = true;
		return 0;
	}
	grown = realloc(li->routes, sizeof(*r) * (li->n_routes + 1));
	if (!grown)
		return -ENOMEM;
	li->routes = grown;
	r = &li->routes[li->n_routes];
	memset(r, 0, sizeof(*r));
	if (sscanf(line, "route %63s %31s %63s", r->network, prefix, r->via) != 3 ||
	    topo_parse_prefix(prefix, &r->prefix, &len))
		return -EINVAL;
	r->len = len;
	li->n_routes++;
	return 0;
}

/*
 * "network6 NAME SUBNET6 PREFIX6 GATEWAY6", "node6 NAME IP6 PREFIX6",
 * "leg6 NAME IP6 PREFIX6" (its node's last leg so far), "uplink6 IP6".
 */
static int parse_line6(struct lab_info *li, const char *line)
{
	char name[TOPO_NAME_MAX], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct lab_node *nd;
	struct lab_net *ln;
	int prefix;

	if (sscanf(line, "uplink6 %45s", a) == 1)
		return inet_pton(AF_INET6, a, &li->uplink_ip6) == 1 ? 0 : -EINVAL;
	if (sscanf(line, "network6 %63s %45s %d %45s", name, a, &prefix, b) == 4) {
		ln = (struct lab_net *)lab_net_find(li, name);
		if (!ln || inet_pton(AF_INET6, a, &ln->subnet6) != 1 ||
		    inet_pton(AF_INET6, b, &ln->gateway6) != 1)
			return -EINVAL;
		ln->prefix6 = prefix;
		return 0;
	}
	if (sscanf(line, "node6 %63s %45s %d", name, a, &prefix) == 3) {
		nd = (struct lab_node *)lab_node_find(li, name);
		if (!nd || inet_pton(AF_INET6, a, &nd->ip6) != 1)
			return -EINVAL;
		nd->prefix6 = prefix;
		return 0;
	}
	if (sscanf(line, "leg6 %63s %45s %d", name, a, &prefix) == 3) {
		nd = li->n_nodes ? &li->nodes[li->n_nodes - 1] : NULL;
		if (!nd || strcmp(nd->name, name) || !nd->n_legs ||
		    inet_pton(AF_INET6, a, &nd->legs[nd->n_legs - 1].ip6) != 1)
			return -EINVAL; /* written right after its leg */
		nd->legs[nd->n_legs - 1].prefix6 = prefix;
		return 0;
	}
	return -EINVAL;
}

static int parse_line(struct lab_info *li, const char *line)
{
	char w[8][1024];
	unsigned long long reach;
	int n = sscanf(line, "%1023s %1023s %1023s %1023s %1023s %1023s %1023s %1023s %1023s", w[0],
		       w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[7]);

	if (n >= 2 && !strcmp(w[0], "name"))
		copy_str(li->name, sizeof(li->name), w[1]);
	else if (n >= 2 && !strcmp(w[0], "file"))
		copy_str(li->file, sizeof(li->file), line + 5);
	else if (n >= 2 && !strcmp(w[0], "attach")) {
		copy_str(li->attach, sizeof(li->attach), w[1]);
		if (n >= 3 && strcmp(w[2], "-"))
			copy_str(li->uplink_attach, sizeof(li->uplink_attach), w[2]);
	} else if (n >= 3 && !strcmp(w[0], "uplink")) {
		copy_str(li->uplink, sizeof(li->uplink), strcmp(w[1], "-") ? w[1] : "");
		return parse_ip(w[2], &li->uplink_ip);
	} else if (n >= 2 && !strcmp(w[0], "hostns")) {
		li->hostns = strtoul(w[1], NULL, 10);
	} else if (n >= 3 && !strcmp(w[0], "snat")) {
		li->snat_lo = (uint16_t)strtoul(w[1], NULL, 10);
		li->snat_hi = (uint16_t)strtoul(w[2], NULL, 10);
	} else if (!strcmp(w[0], "network")) {
		struct lab_net *ln, *grown = realloc(li->nets, sizeof(*ln) * (li->n_nets + 1));
		char mq[8];

		if (!grown)
			return -ENOMEM;
		li->nets = grown;
		ln = &li->nets[li->n_nets];
		memset(ln, 0, sizeof(*ln));
		if (sscanf(line, "network %63s %d %*s %d %*s %7s %llu", ln->name, &ln->id,
			   &ln->prefix, mq, &reach) != 5 ||
		    parse_ip(w[3], &ln->subnet) || parse_ip(w[5], &ln->gateway))
			return -EINVAL;
		ln->masquerade = mq[0] == '1';
		ln->reach = reach;
		li->n_nets++;
	} else if (!strcmp(w[0], "forwarding") || !strcmp(w[0], "route")) {
		return parse_route_line(li, line);
	} else if (!strcmp(w[0], "node")) {
		struct lab_node *nd, *grown = realloc(li->nodes, sizeof(*nd) * (li->n_nodes + 1));
		char ip[16], m1[18], m2[18];

		if (!grown)
			return -ENOMEM;
		li->nodes = grown;
		nd = &li->nodes[li->n_nodes];
		memset(nd, 0, sizeof(*nd));
		if (sscanf(line, "node %63s %63s %15s %d %63s %15s %17s %17s", nd->name,
			   nd->network, ip, &nd->prefix, nd->netns, nd->hostif, m1, m2) != 8 ||
		    parse_ip(ip, &nd->ip) || parse_mac(m1, nd->node_mac) ||
		    parse_mac(m2, nd->host_mac))
			return -EINVAL;
		if (!strcmp(nd->network, "-")) /* links only */
			nd->network[0] = nd->hostif[0] = '\0';
		li->n_nodes++;
	} else if (!strcmp(w[0], "leg")) {
		return parse_leg(li, line);
	} else if (!strcmp(w[0], "network6") || !strcmp(w[0], "node6") || !strcmp(w[0], "leg6") ||
		   !strcmp(w[0], "uplink6")) {
		return parse_line6(li, line);
	} else if (!strcmp(w[0], "link")) {
		return parse_link(li, line);
	} else if (!strcmp(w[0], "link6")) {
		return parse_link6(li, line);
	}
	return 0;
}

bool lab_exists(const char *lab)
{
	return state_exists(lab);
}

int lab_list(struct lab_names *out, struct err_msg *e)
{
	struct state_lines l;
	int err = state_list(&l);

	memset(out, 0, sizeof(*out));
	if (err)
		return err_set(e, err, "read %s: %s", STATE_DIR, strerror(-err));
	out->name = l.line;
	out->n = l.n;
	return 0;
}

void lab_names_free(struct lab_names *names)
{
	struct state_lines l = { .line = names->name, .n = names->n };

	state_lines_free(&l);
	memset(names, 0, sizeof(*names));
}

/* A host end: up with carrier, down, or gone. */
static enum lab_node_state hostif_state(struct nl_sock *sk, const char *hostif, int *ifindex)
{
	struct nl_link_info info;

	if (!sk || nl_link_get(sk, hostif, &info))
		return LAB_NODE_MISSING;
	*ifindex = info.ifindex;
	return info.admin_up && info.lower_up ? LAB_NODE_UP : LAB_NODE_DOWN;
}

/* The node's namespace, then every host end of its legs: the worst of them. */
static enum lab_node_state node_state(struct nl_sock *sk, const struct lab_node *n, int *ifindex)
{
	enum lab_node_state st = LAB_NODE_UP, leg;
	int fd = netns_open(n->netns), unused;

	*ifindex = 0;
	if (fd < 0)
		return LAB_NODE_MISSING;
	close(fd);
	if (n->hostif[0])
		st = hostif_state(sk, n->hostif, ifindex);
	for (size_t k = 0; st != LAB_NODE_MISSING && k < n->n_legs; k++) {
		leg = hostif_state(sk, n->legs[k].hostif, &unused);
		if (leg > st)
			st = leg;
	}
	if (st == LAB_NODE_MISSING)
		*ifindex = 0;
	return st;
}

int lab_nodes_status(const struct lab_info *li, struct lab_node_status **out)
{
	struct lab_node_status *v = calloc(li->n_nodes ? li->n_nodes : 1, sizeof(*v));
	int fd = -1, saved = -1;
	struct nl_sock *sk;
	char name[256];

	if (!v)
		return -ENOMEM;
	/* a lab of another host netns is seen from there (its host ends live there) */
	if (li->hostns && li->hostns != (unsigned long)netns_self_ino())
		fd = netns_find(li->hostns, name, sizeof(name));
	if (fd >= 0) {
		netns_enter(fd, &saved);
		close(fd);
	}
	sk = nl_open(); /* without netlink every node reads as missing */
	for (size_t i = 0; i < li->n_nodes; i++)
		v[i].state = node_state(sk, &li->nodes[i], &v[i].ifindex);
	nl_close(sk);
	if (saved >= 0)
		netns_leave(saved);
	*out = v;
	return 0;
}

int lab_info_read(const char *lab, struct lab_info *li)
{
	struct state_lines l;
	int err;

	memset(li, 0, sizeof(*li));
	err = state_read_lab(lab, &l);
	if (err)
		return err;
	for (size_t i = 0; !err && i < l.n; i++)
		err = parse_line(li, l.line[i]);
	state_lines_free(&l);
	if (err)
		lab_info_free(li);
	return err;
}

void lab_info_free(struct lab_info *li)
{
	for (size_t i = 0; li->nodes && i < li->n_nodes; i++)
		free(li->nodes[i].legs);
	free(li->nets);
	free(li->nodes);
	free(li->links);
	free(li->routes);
	li->nets = NULL;
	li->nodes = NULL;
	li->links = NULL;
	li->routes = NULL;
	li->n_nets = li->n_nodes = li->n_links = li->n_routes = 0;
}

const struct lab_node *lab_node_find(const struct lab_info *li, const char *name)
{
	for (size_t i = 0; i < li->n_nodes; i++)
		if (!strcmp(li->nodes[i].name, name))
			return &li->nodes[i];
	return NULL;
}

/* Does a routed prefix of li hold ip? */
static bool lab_routed(const struct lab_info *li, uint32_t ip)
{
	for (size_t i = 0; i < li->n_routes; i++) {
		uint32_t mask = li->routes[i].len ? ~0U << (32 - li->routes[i].len) : 0;

		if ((ip & mask) == li->routes[i].prefix)
			return true;
	}
	return false;
}

uint32_t lab_node_fwd_ip(const struct lab_info *li, const struct lab_node *n)
{
	if (n->hostif[0])
		return n->ip;
	for (size_t l = 0; l < li->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (!strcmp(li->links[l].node[e], n->name) &&
			    lab_routed(li, li->links[l].ip[e]))
				return li->links[l].ip[e];
	return 0;
}

const struct lab_net *lab_net_find(const struct lab_info *li, const char *name)
{
	for (size_t i = 0; i < li->n_nets; i++)
		if (!strcmp(li->nets[i].name, name))
			return &li->nets[i];
	return NULL;
}
