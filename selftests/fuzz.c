// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The datapath fuzzer (issue 9): every tc program (from_node of each node,
 * to_node, from_uplink, to_uplink) runs a stream of malformed and
 * random-but-plausible frames drawn from a seeded PRNG, under
 * BPF_PROG_TEST_RUN, in lab_masq set up as the NAT tables do (planet and
 * moon masquerade, exile is isolated and does not; port forwards, some
 * colliding on purpose with live flows' ports, and now and then deleted,
 * re-pointed or put back), beside live flows it opened itself with proper
 * handshakes (masquerade TCP, UDP and ICMP echo, a forwarded TCP and UDP
 * flow, a hairpin flow) and keeps talking on. The frames: truncated
 * headers, bad version, IHL and total length, IP and TCP options,
 * fragments with overlapping and odd offsets, ICMP errors quoting forged
 * headers, random TCP flags and sequence numbers against the live flows
 * (blind, or near their windows), spoofed sources either side, ARP, IPv6,
 * VLAN tags, other EtherTypes, TTL and MTU edges. After every frame:
 *
 *  (a) from_uplink redirects into a node only what a forward or a flow of
 *      that node asks for (nat_ports and its ct entry, a forwarded flow only
 *      while its forward still leads there; forwards; frags; all read
 *      before the frame), and addresses it to that node;
 *  (b) a frame a program emits changed (a redirect, or a pass with other
 *      bytes) carries valid IPv4 and L4 checksums (frame_csums_ok) when it
 *      came in with valid ones; from_uplink and to_uplink pass untouched;
 *  (c) the live flows keep their owners: their ct entries keep nat address,
 *      nat port, ifindex (and a hairpin's target), their nat_ports entries
 *      keep pointing at them; and no frame built without a flow's sequence
 *      numbers closes it (RST, or FINs both ways). A flow closed by a frame
 *      that knew them, or by its own node, is over: it is opened again;
 *  (d) verdicts are TC_ACT_SHOT, TC_ACT_REDIRECT or TC_ACT_UNSPEC ("next":
 *      a pass never ends the chain of programs on a hook, TC_ACT_OK would);
 *  (e) nothing leaves by the uplink with a lab source address;
 *  (f) from_node redirects only a node's own frames (anti-spoofing): into a
 *      node its network reaches or a forward's backend (hairpin), out of the
 *      uplink only from a masquerading network or for a flow the outside
 *      opened through a forward that still leads there, back out of the
 *      veth it came by (ARP reply, ICMP error).
 *
 * No drop reason is asserted: any frame may be dropped, for any reason.
 * Timeouts are a day, so nothing expires; the ct map is emptied (and the
 * live flows opened again) long before its LRU could evict anything. The
 * SNAT range is 128 ports, so new flows run out and take closed ones over.
 *
 * Runs only when asked (FUZZ_SECONDS or FUZZ_PACKETS set, as `make fuzz`
 * and scripts/run-tests.sh do): the plain selftests run skips it, like
 * bench/ns_per_packet. FUZZ_SEED (decimal or 0x...) replays a run, random
 * otherwise; the bounds default to 60 s and 5,000,000 frames, whichever
 * comes first. A violation prints the seed, the frame's index, the frame
 * in and out in hex, and the line that replays it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "harness.h"
#include "labs.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define FZ_PORT_MIN	   61000 /* a small SNAT range: new flows run out of ports, */
#define FZ_PORT_MAX	   61127 /* closed ones get taken over, live ones never */
#define FZ_TMO_NS	   (86400ULL * 1000000000ULL)
#define FZ_CT_HIGH	   24576 /* ct entries: empty the maps before the LRU (65536) nears full */
#define FZ_DEFAULT_SECONDS 60
#define FZ_DEFAULT_PACKETS 5000000ULL

#define LOOPBACK_IP IP4(127, 0, 0, 1)
#define EXILE_GW    IP4(10, 202, 0, 1)
#define EXILE_BCAST IP4(10, 202, 0, 255)
#define MOON_BCAST  IP4(10, 201, 0, 255)
#define EXILE_NONE  IP4(10, 202, 0, 99)

#define TCPF_URG 0x20

/* ------------------------------------------------------------ PRNG */

/* splitmix64: small, fast, and the same stream everywhere for a seed */
struct rng {
	uint64_t s;
};

static uint64_t rnd64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd32(struct rng *r)
{
	return (uint32_t)(rnd64(r) >> 32);
}

/* 0 .. n-1 */
static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(((uint64_t)rnd32(r) * n) >> 32) : 0;
}

static bool chance(struct rng *r, uint32_t percent)
{
	return below(r, 100) < percent;
}

#define PICK(r, a) ((a)[below((r), N(a))])

/* ------------------------------------------------------------ the lab */

enum fz_hook { H_FROM_NODE, H_TO_NODE, H_FROM_UPLINK, H_TO_UPLINK, H_MAX };

static const char *const hook_name[H_MAX] = {
	"from_node",
	"to_node",
	"from_uplink",
	"to_uplink",
};

static const struct topo_node *node_by_ip(uint32_t ip)
{
	const struct topo *t = lab_masq.topo;

	for (size_t i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].ip == ip)
			return &t->nodes[i];
	return NULL;
}

static const struct topo_node *node_by_if(uint32_t ifindex)
{
	const struct topo *t = lab_masq.topo;

	for (size_t i = 0; i < t->n_nodes; i++)
		if ((uint32_t)lab_masq.rt[i].ifindex == ifindex)
			return &t->nodes[i];
	return NULL;
}

/* A node's runtime facts: ifindex and MACs (labs.h) */
static const struct node_rt *rt_of(const struct topo_node *n)
{
	return test_lab_rt(&lab_masq, n);
}

static const struct topo_network *net_by_id(int id)
{
	const struct topo *t = lab_masq.topo;

	return id >= 0 && (size_t)id < t->n_networks ? &t->networks[id] : NULL;
}

/* In a lab subnet (a node, a gateway, a broadcast or an unused address)? */
static bool in_lab(uint32_t ip)
{
	const struct topo *t = lab_masq.topo;

	for (size_t i = 0; i < t->n_networks; i++)
		if ((ip & test_lab_mask(&t->networks[i])) == t->networks[i].subnet)
			return true;
	return false;
}

/* Port forwards: some collide on purpose with the live flows' node ports. */
struct fz_fwd {
	uint8_t proto;
	uint32_t host_addr; /* 0: any */
	uint16_t port;
	uint32_t node_addr;
	uint16_t node_port;
};

/* clang-format off */
static const struct fz_fwd fwds[] = {
	{ IPPROTO_TCP, 0, 6000, EARTH_IP, 8080 },	/* the live forwarded and hairpin flows */
	{ IPPROTO_TCP, 0, 6001, EARTH_IP, 8081 },
	{ IPPROTO_TCP, 0, 6002, EARTH_IP, 8082 },
	{ IPPROTO_UDP, 0, 6000, MARS_IP, 9000 },
	{ IPPROTO_UDP, 0, 5300, NEPTUNE_IP, 53 },	/* the live forwarded UDP flow */
	{ IPPROTO_TCP, UPLINK_IP, 7000, MARS_IP, 22 },
	{ IPPROTO_TCP, LOOPBACK_IP, 7001, MARS_IP, 80 },
	{ IPPROTO_TCP, HOST_IP, 7002, MARS_IP, 80 },
	{ IPPROTO_TCP, 0, 6100, PLUTO_IP, 8080 },	/* exile: no masquerade */
	{ IPPROTO_TCP, 0, 6200, STRANGER_IP, 80 },	/* to no node */
	{ IPPROTO_TCP, 0, 6010, EARTH_IP, 8080 },	/* a second host port, same backend */
	{ IPPROTO_TCP, 0, 6020, EARTH_IP, 40001 },	/* earth's live masquerade port */
	{ IPPROTO_UDP, 0, 6021, NEPTUNE_IP, 5353 },	/* neptune's live masquerade port */
};
/* clang-format on */

/* The forwards no live flow uses: deleted, re-pointed and put back now and then. */
static bool fwd_churnable(const struct fz_fwd *f)
{
	return !(f->port == 6000 && f->proto == IPPROTO_TCP) &&
	       !(f->port == 5300 && f->proto == IPPROTO_UDP);
}

static const uint16_t fwd_ports[] = {
	6000, 6001, 6002, 6003, 5300, 7000, 7001, 7002, 6100, 6200, 6010, 6020, 6021, 5999,
};

/* the outside world, and sources nobody outside may use */
/* clang-format off */
static const uint32_t remotes[] = {
	REMOTE_IP, REMOTE_IP, REMOTE2_IP, REMOTE2_IP, ROUTER_IP, IP4(8, 8, 8, 8),
	IP4(192, 0, 2, 81),
};
/* clang-format on */

/* clang-format off */
static const uint32_t spoofs[] = {
	EARTH_IP, NEPTUNE_IP, MARS_IP, PLUTO_IP, PLANET_GW, MOON_GW, EXILE_GW, PLANET_BCAST,
	STRANGER_IP, UPLINK_IP, HOST_IP, LOOPBACK_IP, 0, MDNS_IP, IP4(240, 0, 0, 1),
	LIMITED_BCAST,
};
/* clang-format on */

/* what a frame may be addressed to, on either side */
/* clang-format off */
static const uint32_t lab_dests[] = {
	EARTH_IP, NEPTUNE_IP, MARS_IP, PLUTO_IP, PLANET_GW, MOON_GW, EXILE_GW, PLANET_BCAST,
	MOON_BCAST, EXILE_BCAST, PLANET_NONE, MOON_NONE, EXILE_NONE, STRANGER_IP,
};
/* clang-format on */

/* clang-format off */
static const uint32_t special_dests[] = {
	UPLINK_IP, HOST_IP, LOOPBACK_IP, IP4(127, 1, 2, 3), MDNS_IP, IP4(239, 1, 1, 1),
	IP4(240, 0, 0, 1), LIMITED_BCAST, 0, IP4(10, 203, 0, 1), IP4(169, 254, 1, 1),
};
/* clang-format on */

/* clang-format off */
static const uint8_t tcp_flag_sets[] = {
	TCPF_SYN, TCPF_SYN | TCPF_ACK, TCPF_ACK, TCPF_PSH | TCPF_ACK, TCPF_FIN | TCPF_ACK,
	TCPF_FIN, TCPF_RST, TCPF_RST | TCPF_ACK, TCPF_SYN | TCPF_FIN, TCPF_SYN | TCPF_RST,
	TCPF_URG | TCPF_ACK, 0, 0xff, TCPF_FIN | TCPF_PSH | TCPF_URG,
};
/* clang-format on */

static const uint8_t rogue2_mac[6] = { 0x02, 0x66, 0, 0, 0, 0x67 };

/* ------------------------------------------------------------ live flows */

enum live_kind { LIVE_MASQ, LIVE_FWD, LIVE_HAIRPIN };

/* One end of a live flow: how its frames look and where they enter. */
struct side {
	enum fz_hook hook;
	uint32_t ingress; /* 0 at from_uplink: the uplink */
	const uint8_t *dst, *src;
	uint32_t saddr, daddr; /* host order */
	uint16_t sport, dport; /* ICMP: the echo id as sport (node) or dport (remote) */
	uint8_t ttl;
	uint32_t nxt; /* TCP: the next sequence number it sends */
};

struct live {
	const char *name;
	enum live_kind kind;
	uint8_t proto;
	int gen; /* how often it was opened again: its ports move on */
	bool alive;
	bool closed;	  /* its ct state says closed (after the last frame) */
	struct side s[2]; /* [0]: the ct key's (node) end, [1]: the other end */
	uint16_t icmp_seq;
	/* what it owns, as read right after its handshake */
	struct nsb_ct_key ck, tk; /* tk: a hairpin's twin (the backend's entry) */
	struct nsb_ct_entry ce, te;
	struct nsb_nat_key nk;
	struct nsb_nat_val nv;
};

#define NLIVE 7

/* ------------------------------------------------------------ a frame */

struct fz_pkt {
	const char *gen; /* the generator that made it */
	enum fz_hook hook;
	uint32_t ingress;
	int live;	/* the live flow it plays on, or -1 */
	int end;	/* and which end sends it */
	bool knows_seq; /* built with that flow's sequence numbers */
	bool advance;	/* a plausible segment: the end moves on unless dropped */
	uint32_t adv;	/* sequence space it takes */
	bool mutated;
	struct pkt p; /* last: gen_packet() clears what comes before */
};

/* What a frame says, read as the programs read it. Addresses wire order. */
struct pview {
	uint16_t etype;
	const uint8_t *eth_src;
	bool arp;
	uint32_t spa; /* wire order */
	const uint8_t *sha;
	bool ip; /* an IPv4 header the programs accept */
	uint32_t saddr, daddr;
	uint8_t proto, ttl;
	uint32_t hl, tot;
	uint16_t frag;	       /* host order */
	uint16_t id;	       /* wire order */
	bool l4;	       /* ports (or an echo id) are there */
	uint16_t sport, dport; /* wire order; ICMP echo: the id, 0 */
	uint8_t tcp_flags, icmp_type, icmp_code;
	bool inner; /* an ICMP error with a quoted IPv4 header + 8 bytes */
	uint32_t in_saddr, in_daddr;
	uint32_t in_l4; /* frame offset of the quoted transport header */
	uint8_t in_proto;
	uint16_t in_sport, in_dport; /* wire order; an echo request: the id, 0 */
};

/* What the oracle knew before the frame ran. */
struct pre {
	struct pview v;
	bool csum_ok;
	const struct topo_node *sender; /* from_node: the ingress veth's node, if its own frame */
	uint32_t allow_if[16];		/* nodes the frame may be redirected into */
	const char *allow_why[16];
	int n_allow;
	bool may_leave; /* from_node: may go out of the uplink */
};

struct fz {
	struct st_env env;
	struct rng rng;
	uint64_t seed;
	uint64_t max_pkts;
	double max_secs;
	uint32_t uplink_if;
	struct live live[NLIVE];
	uint64_t idx;	   /* frames run so far */
	uint64_t ct_bound; /* ct entries there may be, at most */
	uint64_t epochs, reopened, refused, csum_checked;
	uint64_t verdicts[H_MAX][4]; /* ok, shot, redirect, unspec */
	uint64_t slots[NSB_STAT_MAX];
	uint64_t untraced;
	uint32_t reopen; /* live flows closed for real, to open again */
	uint32_t retry;	 /* live flows whose opening was refused: later */
	bool fresh;	 /* opening the live flows on emptied tables */
	uint64_t postponed, churns;
	uint16_t frag_ids[4];
	struct st_result res;
	struct fz_pkt cur;
};

/* ------------------------------------------------------------ bytes */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t sum16(uint32_t sum, const uint8_t *d, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)d[i] << 8 | d[i + 1];
	if (len & 1)
		sum += (uint32_t)d[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A plausible IPv4 header at 14? Its length, or 0. */
static size_t ip_hl(const struct pkt *p)
{
	size_t hl;

	if (p->len < 34 || get16(p->buf + 12) != 0x0800)
		return 0;
	hl = (p->buf[14] & 0x0f) * 4u;
	return hl >= 20 && 14 + hl <= p->len ? hl : 0;
}

static void fix_ip_csum(struct pkt *p)
{
	size_t hl = ip_hl(p);

	if (!hl)
		return;
	put16(p->buf + 24, 0);
	put16(p->buf + 24, inet_csum(p->buf + 14, hl));
}

/* The TCP, UDP or ICMP checksum again, when the lengths let it be summed. */
static void fix_l4_csum(struct pkt *p)
{
	size_t hl = ip_hl(p), tot, l4len, off;
	uint8_t *ip = p->buf + 14, *l4;
	uint32_t sum = 0;
	uint16_t c;

	if (!hl)
		return;
	tot = get16(ip + 2);
	if (tot < hl || 14 + tot > p->len || (get16(ip + 6) & 0x3fff))
		return;
	l4 = ip + hl;
	l4len = tot - hl;
	switch (ip[9]) {
	case IPPROTO_TCP:
		off = 16;
		break;
	case IPPROTO_UDP:
		off = 6;
		break;
	case IPPROTO_ICMP:
		off = 2;
		break;
	default:
		return;
	}
	if (l4len < off + 2)
		return;
	put16(l4 + off, 0);
	if (ip[9] != IPPROTO_ICMP) {
		sum = sum16(0, ip + 12, 8);
		sum += ip[9];
		sum += (uint32_t)l4len;
	}
	c = fold(sum16(sum, l4, l4len));
	if (ip[9] == IPPROTO_UDP && !c)
		c = 0xffff;
	put16(l4 + off, c);
}

static void fix_csums(struct pkt *p)
{
	fix_ip_csum(p);
	fix_l4_csum(p);
}

/*
 * A TCP segment's sequence, ack and window, and its payload cut to keep
 * bytes (frame_build() always lays out some), checksums again.
 */
static void tcp_set(struct pkt *p, uint32_t seq, uint32_t ack, uint16_t win, int keep)
{
	size_t hl = ip_hl(p);
	uint8_t *tcp;

	if (!hl || p->len < 14 + hl + 20)
		return;
	tcp = p->buf + 14 + hl;
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	put16(tcp + 14, win);
	if (keep >= 0 && 14 + hl + 20 + (size_t)keep < p->len) {
		p->len = 14 + hl + 20 + keep;
		put16(p->buf + 16, (uint16_t)(hl + 20 + keep));
	}
	fix_csums(p);
}

/*
 * n bytes of TCP options (n a multiple of 4, at most 40) into a TCP frame
 * without any: inserted after the header, data offset and lengths grown,
 * checksums again.
 */
static void tcp_insert_opts(struct pkt *p, const uint8_t *opt, size_t n)
{
	size_t hl = ip_hl(p), at;
	uint8_t *ip = p->buf + 14;

	if (!hl || ip[9] != IPPROTO_TCP || (get16(ip + 6) & 0x1fff) || n % 4 || n > 40 ||
	    p->len < 14 + hl + 20 || p->len + n > PKT_MAX || (ip[hl + 12] >> 4) != 5)
		return;
	at = 14 + hl + 20;
	memmove(p->buf + at + n, p->buf + at, p->len - at);
	memcpy(p->buf + at, opt, n);
	p->len += n;
	put16(ip + 2, (uint16_t)(get16(ip + 2) + n));
	ip[hl + 12] = (uint8_t)((5 + n / 4) << 4 | (ip[hl + 12] & 0x0f));
	fix_csums(p);
}

/* A window scale option (RFC 7323), as a SYN carries it. */
static void tcp_wscale(struct pkt *p, uint8_t ws)
{
	const uint8_t opt[4] = { 1, 3, 3, ws }; /* NOP, window scale */

	tcp_insert_opts(p, opt, sizeof(opt));
}

static const char *ip_str(uint32_t be)
{
	static char bufs[8][INET_ADDRSTRLEN];
	static int at;
	char *b = bufs[at++ % 8];

	inet_ntop(AF_INET, &be, b, INET_ADDRSTRLEN);
	return b;
}

static void parse(const struct pkt *p, struct pview *v)
{
	const uint8_t *b = p->buf, *ip, *l4, *in;
	size_t len = p->len, in_off, in_hl;

	memset(v, 0, sizeof(*v));
	if (len < 14)
		return;
	v->eth_src = b + 6;
	v->etype = get16(b + 12);
	if (v->etype == 0x0806 && len >= 14 + 28) {
		v->arp = true;
		v->sha = b + 14 + 8;
		memcpy(&v->spa, b + 14 + 14, 4);
		return;
	}
	if (v->etype != 0x0800 || len < 34)
		return;
	ip = b + 14;
	v->hl = (ip[0] & 0x0f) * 4u;
	v->tot = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || v->hl < 20 || v->tot < v->hl || v->tot > len - 14)
		return;
	v->ip = true;
	memcpy(&v->saddr, ip + 12, 4);
	memcpy(&v->daddr, ip + 16, 4);
	v->proto = ip[9];
	v->ttl = ip[8];
	v->frag = get16(ip + 6);
	memcpy(&v->id, ip + 4, 2);
	if (v->frag & 0x1fff)
		return; /* a later fragment: no transport header */
	l4 = ip + v->hl;
	switch (v->proto) {
	case IPPROTO_TCP:
		if (14 + v->hl + 20 > len)
			return;
		v->tcp_flags = l4[13];
		break;
	case IPPROTO_UDP:
		if (14 + v->hl + 8 > len)
			return;
		break;
	case IPPROTO_ICMP:
		if (14 + v->hl + 8 > len)
			return;
		v->icmp_type = l4[0];
		v->icmp_code = l4[1];
		v->l4 = true;
		memcpy(&v->sport, l4 + 4, 2); /* the echo id, for either echo type */
		v->dport = 0;
		if (v->icmp_type != 3 && v->icmp_type != 11 && v->icmp_type != 12)
			return;
		in_off = 14 + v->hl + 8;
		if (in_off + 20 > len)
			return;
		in = b + in_off;
		in_hl = (in[0] & 0x0f) * 4u;
		if ((in[0] >> 4) != 4 || in_hl < 20 || in_off + in_hl + 8 > len)
			return;
		v->inner = true;
		v->in_l4 = (uint32_t)(in_off + in_hl);
		memcpy(&v->in_saddr, in + 12, 4);
		memcpy(&v->in_daddr, in + 16, 4);
		v->in_proto = in[9];
		if (in[9] == IPPROTO_ICMP) {
			memcpy(&v->in_sport, in + in_hl + 4, 2);
			v->in_dport = 0;
		} else {
			memcpy(&v->in_sport, in + in_hl, 2);
			memcpy(&v->in_dport, in + in_hl + 2, 2);
		}
		return;
	default:
		return;
	}
	v->l4 = true;
	memcpy(&v->sport, l4, 2);
	memcpy(&v->dport, l4 + 2, 2);
}

/* ------------------------------------------------------------ maps */

static bool ct_get(const struct fz *z, const struct nsb_ct_key *k, struct nsb_ct_entry *e)
{
	return !bpf_map_lookup_elem(z->env.ct_fd, k, e);
}

static bool natp_get(const struct fz *z, const struct nsb_nat_key *k, struct nsb_nat_val *v)
{
	return !bpf_map_lookup_elem(z->env.nat_ports_fd, k, v);
}

static struct nsb_ct_key ct_key(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
				uint8_t proto)
{
	struct nsb_ct_key k;

	memset(&k, 0, sizeof(k));
	k.saddr = saddr;
	k.daddr = daddr;
	k.sport = sport;
	k.dport = dport;
	k.proto = proto;
	return k;
}

/* The forward daddr:port hits (wire order), for the address itself or any. */
static bool fwd_get(const struct fz *z, uint32_t daddr, uint16_t port, uint8_t proto,
		    struct nsb_fwd_val *v)
{
	struct nsb_fwd_key k;

	memset(&k, 0, sizeof(k));
	k.host_addr = daddr;
	k.port = port;
	k.proto = proto;
	if (daddr && !bpf_map_lookup_elem(z->env.forwards_fd, &k, v))
		return true;
	k.host_addr = 0;
	return !bpf_map_lookup_elem(z->env.forwards_fd, &k, v);
}

/* Does the forward at addr:port (wire order) still lead to node:node_port? */
static bool fwd_leads_to(const struct fz *z, uint32_t addr, uint16_t port, uint8_t proto,
			 uint32_t node, uint16_t node_port)
{
	struct nsb_fwd_val fwd;

	return fwd_get(z, addr, port, proto, &fwd) && fwd.node_addr == node &&
	       fwd.node_port == node_port;
}

/*
 * nat_ports at nk, a masquerade or forward claim whose ct entry leads back
 * to it: its node. A forward's flow (a port outside the uplink's SNAT
 * range) only while that forward still leads to the node (issue 9, item 11).
 */
static uint32_t natp_node(const struct fz *z, uint32_t nat_addr, uint32_t remote, uint16_t nat_port,
			  uint16_t remote_port, uint8_t proto)
{
	uint16_t port = ntohs(nat_port);
	struct nsb_nat_key nk;
	struct nsb_nat_val nv;
	struct nsb_ct_entry ce;
	struct nsb_ct_key ck;

	memset(&nk, 0, sizeof(nk));
	nk.nat_addr = nat_addr;
	nk.remote_addr = remote;
	nk.nat_port = nat_port;
	nk.remote_port = remote_port;
	nk.proto = proto;
	if (!natp_get(z, &nk, &nv) || (nv.flags & NSB_NAT_F_HAIRPIN))
		return 0;
	ck = ct_key(nv.node_addr, remote, nv.node_port, remote_port, proto);
	if (!ct_get(z, &ck, &ce) || ce.nat_addr != nat_addr || ce.nat_port != nat_port)
		return 0;
	if ((nat_addr != htonl(UPLINK_IP) || port < FZ_PORT_MIN || port > FZ_PORT_MAX) &&
	    !fwd_leads_to(z, nat_addr, nat_port, proto, nv.node_addr, nv.node_port))
		return 0;
	return nv.node_addr;
}

static void allow(struct pre *pr, uint32_t node_be, const char *why)
{
	const struct topo_node *n = node_by_ip(ntohl(node_be));

	if (n && pr->n_allow < N(pr->allow_if)) {
		pr->allow_if[pr->n_allow] = rt_of(n)->ifindex;
		pr->allow_why[pr->n_allow++] = why;
	}
}

static int map_count(int fd, size_t key_size)
{
	uint8_t key[64], next[64];
	void *prev = NULL;
	int n = 0;

	cr_assert(key_size <= sizeof(key));
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

static void map_clear(int fd, size_t key_size)
{
	uint8_t key[64];

	cr_assert(key_size <= sizeof(key));
	/* from the first key each time: the one just deleted is gone */
	while (!bpf_map_get_next_key(fd, NULL, key))
		cr_assert(!bpf_map_delete_elem(fd, key), "clear a map: %s", strerror(errno));
}

/* ------------------------------------------------------------ reports */

static void hex_dump(const char *what, const uint8_t *d, size_t len)
{
	fprintf(stderr, "fuzz: %s (%zu bytes):\n", what, len);
	for (size_t i = 0; i < len; i += 16) {
		fprintf(stderr, "  %04zx:", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			fprintf(stderr, " %02x", d[j]);
		fputc('\n', stderr);
	}
}

/* How to run the same frames again, up to frame (0-based) and no further. */
static void replay_line(const struct fz *z, uint64_t frame)
{
	fprintf(stderr,
		"fuzz: replay: FUZZ_SEED=0x%016" PRIx64 " FUZZ_PACKETS=%" PRIu64 " make fuzz\n",
		z->seed, frame + 1);
}

static void __attribute__((format(printf, 3, 4)))
violation(struct fz *z, const char *inv, const char *fmt, ...)
{
	const struct fz_pkt *fp = &z->cur;
	const struct st_result *r = &z->res;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fuzz: VIOLATION %s: %s\n", inv, msg);
	fprintf(stderr,
		"fuzz: seed 0x%016" PRIx64 ", frame #%" PRIu64 " (%s%s, %s, ingress %u)"
		", verdict %d, trace: path %u drop %u redirect %u flags %#x\n",
		z->seed, z->idx, fp->gen, fp->mutated ? ", mutated" : "", hook_name[fp->hook],
		fp->ingress, (int)r->retval, r->trace.path, r->trace.drop,
		r->trace.redirect_ifindex, r->trace.redirect_flags);
	if (r->trace.path)
		fprintf(stderr, "fuzz: path %s\n", st_slot_name(r->trace.path - 1));
	else if (r->trace.drop)
		fprintf(stderr, "fuzz: dropped, %s\n",
			st_slot_name(NSB_STAT_DROP_BASE + r->trace.drop));
	hex_dump("in", fp->p.buf, fp->p.len);
	if (r->out_len)
		hex_dump("out", r->out, r->out_len);
	replay_line(z, z->idx); /* counted only once checked */
	cr_assert_fail("%s: %s (seed 0x%016" PRIx64 ", frame #%" PRIu64 ")", inv, msg, z->seed,
		       z->idx);
}

/* ------------------------------------------------------------ running a frame */

static int hook_fd(const struct fz *z, enum fz_hook h)
{
	switch (h) {
	case H_FROM_NODE:
		return z->env.from_node_fd;
	case H_TO_NODE:
		return z->env.to_node_fd;
	case H_FROM_UPLINK:
		return z->env.from_uplink_fd;
	default:
		return z->env.to_uplink_fd;
	}
}

/* Is the node at ingress the frame's sender, by its addresses (IPv4 or ARP) and MAC? */
static const struct topo_node *own_sender(const struct fz_pkt *fp, const struct pview *v)
{
	const struct topo_node *n = node_by_if(fp->ingress);

	if (!n || !v->eth_src || memcmp(v->eth_src, rt_of(n)->node_mac, 6))
		return NULL;
	if (v->arp)
		return v->spa == htonl(n->ip) && !memcmp(v->sha, rt_of(n)->node_mac, 6) ? n : NULL;
	return v->ip && v->saddr == htonl(n->ip) ? n : NULL;
}

static bool reaches(const struct topo_node *from, const struct topo_node *to)
{
	const struct topo_network *net = net_by_id(from->network);

	return net && (net->reach & (1ULL << to->network));
}

/* Where from_uplink may deliver the frame: a flow's or a forward's node. */
static void pre_uplink(const struct fz *z, struct pre *pr)
{
	const struct pview *v = &pr->v;
	struct nsb_frag_key fk;
	struct nsb_frag_val fv;
	struct nsb_fwd_val fwd;
	uint32_t node;

	if (!v->ip)
		return;
	if (v->frag & 0x1fff) {
		memset(&fk, 0, sizeof(fk));
		fk.saddr = v->saddr;
		fk.daddr = v->daddr;
		fk.id = v->id;
		fk.proto = v->proto;
		fk.dir = NSB_FRAG_IN;
		if (!bpf_map_lookup_elem(z->env.frags_fd, &fk, &fv))
			allow(pr, fv.to_addr, "a later fragment of a translated datagram");
		return;
	}
	if (!v->l4)
		return;
	switch (v->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		node = natp_node(z, v->daddr, v->saddr, v->dport, v->sport, v->proto);
		if (node)
			allow(pr, node, "a flow's packet");
		if (fwd_get(z, v->daddr, v->dport, v->proto, &fwd) &&
		    (v->proto == IPPROTO_UDP ||
		     (v->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) == TCPF_SYN))
			allow(pr, fwd.node_addr, "a new flow to a forward");
		break;
	case IPPROTO_ICMP:
		if (v->icmp_type == 0 && v->icmp_code == 0) {
			node = natp_node(z, v->daddr, v->saddr, v->sport, 0, IPPROTO_ICMP);
			if (node)
				allow(pr, node, "an echo reply of a flow");
		} else if (v->inner && (v->in_proto == IPPROTO_TCP || v->in_proto == IPPROTO_UDP ||
					v->in_proto == IPPROTO_ICMP)) {
			node = natp_node(z, v->in_saddr, v->in_daddr, v->in_sport, v->in_dport,
					 v->in_proto);
			if (node)
				allow(pr, node, "an ICMP error quoting a flow");
		}
		break;
	}
}

/*
 * A hairpin entry ce of the frame's flow: does its twin lead back to it, and
 * its forward still to the backend (lib/hairpin.h)?
 */
static bool hairpin_alive(const struct fz *z, const struct pview *v, const struct nsb_ct_entry *ce)
{
	struct nsb_ct_key tk =
		ct_key(ce->dnat_addr, ce->nat_addr, ce->dnat_port, ce->nat_port, v->proto);
	struct nsb_ct_entry tw;

	if (!ct_get(z, &tk, &tw) || tw.dnat_addr != v->saddr || tw.dnat_port != v->sport ||
	    tw.nat_addr != v->daddr || tw.nat_port != v->dport)
		return false;
	if (ce->flags & NSB_CT_F_DNAT) /* the backend's side */
		return fwd_leads_to(z, ce->nat_addr, ce->nat_port, v->proto, v->saddr, v->sport);
	return fwd_leads_to(z, v->daddr, v->dport, v->proto, ce->dnat_addr, ce->dnat_port);
}

/* Where from_node may deliver the frame of its sender, and whether out of the uplink. */
static void pre_node(const struct fz *z, struct pre *pr)
{
	const struct pview *v = &pr->v;
	const struct topo_node *dst;
	const struct topo_network *net;
	struct nsb_frag_key fk;
	struct nsb_frag_val fv;
	struct nsb_ct_entry ce;
	struct nsb_fwd_val fwd;
	struct nsb_ct_key k;

	if (!pr->sender || !v->ip)
		return;
	net = net_by_id(pr->sender->network);
	pr->may_leave = net && net->masquerade;
	dst = node_by_ip(ntohl(v->daddr));
	if (dst && reaches(pr->sender, dst))
		allow(pr, v->daddr, "to a node its network reaches");
	if (v->frag & 0x1fff) {
		memset(&fk, 0, sizeof(fk));
		fk.saddr = v->saddr;
		fk.daddr = v->daddr;
		fk.id = v->id;
		fk.proto = v->proto;
		fk.dir = NSB_FRAG_OUT;
		if (!bpf_map_lookup_elem(z->env.frags_fd, &fk, &fv))
			pr->may_leave = true;
		return;
	}
	if (!v->l4)
		return;
	if ((v->proto == IPPROTO_UDP ||
	     (v->proto == IPPROTO_TCP &&
	      (v->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) == TCPF_SYN)) &&
	    fwd_get(z, v->daddr, v->dport, v->proto, &fwd))
		allow(pr, fwd.node_addr, "a new hairpin flow to a forward");
	k = ct_key(v->saddr, v->daddr, v->sport, v->dport, v->proto);
	if (ct_get(z, &k, &ce)) {
		if ((ce.flags & NSB_CT_F_HAIRPIN) && hairpin_alive(z, v, &ce))
			allow(pr, ce.dnat_addr, "a hairpin flow's packet");
		/* a reply to what the outside opened, while its forward leads here */
		if ((ce.flags & (NSB_CT_F_DNAT | NSB_CT_F_HAIRPIN)) == NSB_CT_F_DNAT &&
		    fwd_leads_to(z, ce.nat_addr, ce.nat_port, v->proto, v->saddr, v->sport))
			pr->may_leave = true;
	}
	if (v->inner) {
		/* an error about what the node received: the flow keyed the other way */
		k = ct_key(v->in_daddr, v->in_saddr, v->in_dport, v->in_sport, v->in_proto);
		if (ct_get(z, &k, &ce)) {
			pr->may_leave = true;
			if (ce.flags & NSB_CT_F_HAIRPIN)
				allow(pr, ce.dnat_addr, "an ICMP error about a hairpin flow");
		}
	}
}

static void pre_compute(struct fz *z, struct pre *pr)
{
	const struct fz_pkt *fp = &z->cur;
	char why[128];

	memset(pr, 0, sizeof(*pr));
	parse(&fp->p, &pr->v);
	pr->csum_ok = frame_csums_ok(fp->p.buf, fp->p.len, why, sizeof(why));
	if (fp->hook == H_FROM_UPLINK) {
		pre_uplink(z, pr);
	} else if (fp->hook == H_FROM_NODE) {
		pr->sender = own_sender(fp, &pr->v);
		pre_node(z, pr);
	}
}

static bool allowed(const struct pre *pr, uint32_t ifindex)
{
	for (int i = 0; i < pr->n_allow; i++)
		if (pr->allow_if[i] == ifindex)
			return true;
	return false;
}

static uint32_t out_addr(const struct st_result *r, int off)
{
	uint32_t a = 0;

	if (r->out_len >= 34 && get16(r->out + 12) == 0x0800)
		memcpy(&a, r->out + 14 + off, 4);
	return a;
}

/* What the oracle would have let through, for a violation's report. */
static void print_allowed(const struct pre *pr)
{
	if (!pr->n_allow)
		fprintf(stderr, "fuzz: allowed into no node\n");
	for (int i = 0; i < pr->n_allow; i++)
		fprintf(stderr, "fuzz: allowed into ifindex %u: %s\n", pr->allow_if[i],
			pr->allow_why[i]);
	if (pr->sender)
		fprintf(stderr, "fuzz: sender %s (ifindex %d), %s leave by the uplink\n",
			ip_str(htonl(pr->sender->ip)), rt_of(pr->sender)->ifindex,
			pr->may_leave ? "may" : "may not");
}

/* (a), (e), (f): where a redirect went. */
static void check_redirect(struct fz *z, const struct pre *pr)
{
	const struct fz_pkt *fp = &z->cur;
	const struct st_result *r = &z->res;
	uint32_t to = r->trace.redirect_ifindex, flags = r->trace.redirect_flags;
	const struct topo_node *n = node_by_if(to);
	uint32_t saddr = out_addr(r, 12), daddr = out_addr(r, 16);

	if (!to)
		violation(z, "(a/f)", "TC_ACT_REDIRECT without a redirect target in the trace");
	if (!allowed(pr, to) && fp->hook != H_TO_NODE && fp->hook != H_TO_UPLINK &&
	    to != z->uplink_if && to != fp->ingress)
		print_allowed(pr);
	switch (fp->hook) {
	case H_FROM_UPLINK:
		if (!n)
			violation(z, "(a)",
				  "from_uplink redirected to ifindex %u (flags %#x): "
				  "not into a node",
				  to, flags);
		if (!allowed(pr, to))
			violation(z, "(a)",
				  "into %s (ifindex %u) from %s to %s: no forward or "
				  "flow of that node asks for it",
				  ip_str(htonl(n->ip)), to, ip_str(pr->v.saddr),
				  ip_str(pr->v.daddr));
		if (daddr != htonl(n->ip))
			violation(z, "(a)", "into %s (ifindex %u) but addressed to %s",
				  ip_str(htonl(n->ip)), to, ip_str(daddr));
		return;
	case H_FROM_NODE:
		if (!pr->sender)
			violation(z, "(f)",
				  "a frame that is not the ingress node's own (source "
				  "address or MAC) was redirected to ifindex %u",
				  to);
		if (to == z->uplink_if) {
			if (!saddr || in_lab(ntohl(saddr)))
				violation(z, "(e)", "out of the uplink with source %s",
					  ip_str(saddr));
			if (!pr->may_leave)
				violation(z, "(f)",
					  "%s (a network that does not masquerade) "
					  "reached the outside, to %s, with no flow opened from "
					  "there",
					  ip_str(htonl(pr->sender->ip)), ip_str(daddr));
			return;
		}
		if (to == fp->ingress && !(flags & NSB_TRACE_F_PEER)) {
			/* an ARP reply or an ICMP error, back to the sender */
			if (r->out_len < 14 || memcmp(r->out, rt_of(pr->sender)->node_mac, 6))
				violation(z, "(f)",
					  "sent back out of ifindex %u, not to its "
					  "node's MAC",
					  to);
			return;
		}
		if (!n)
			violation(z, "(f)",
				  "from_node redirected to ifindex %u (flags %#x): not a "
				  "node, the uplink or back",
				  to, flags);
		if (!allowed(pr, to))
			violation(z, "(f)",
				  "%s reached %s (ifindex %u), which its network does "
				  "not reach, through no forward",
				  ip_str(htonl(pr->sender->ip)), ip_str(htonl(n->ip)), to);
		if (daddr != htonl(n->ip))
			violation(z, "(f)", "into %s (ifindex %u) but addressed to %s",
				  ip_str(htonl(n->ip)), to, ip_str(daddr));
		return;
	default:
		violation(z, "(a/f)", "%s redirected to ifindex %u", hook_name[fp->hook], to);
	}
}

/* (b), (d), then (a), (e), (f). */
static void check_frame(struct fz *z, const struct pre *pr)
{
	const struct fz_pkt *fp = &z->cur;
	const struct st_result *r = &z->res;
	int verdict = (int)r->retval;
	bool changed, emitted;
	char why[128];

	switch (verdict) {
	case TC_ACT_OK:
		z->verdicts[fp->hook][0]++;
		violation(z, "(d)", "%s passed with TC_ACT_OK, which ends the chain: not next",
			  hook_name[fp->hook]);
		break;
	case TC_ACT_SHOT:
		z->verdicts[fp->hook][1]++;
		break;
	case TC_ACT_REDIRECT:
		z->verdicts[fp->hook][2]++;
		break;
	case TC_ACT_UNSPEC:
		z->verdicts[fp->hook][3]++;
		break;
	default:
		violation(z, "(d)", "verdict %d is none of TC_ACT_OK, SHOT, REDIRECT, UNSPEC",
			  verdict);
	}
	if (r->trace.path && r->trace.path - 1 < NSB_STAT_MAX)
		z->slots[r->trace.path - 1]++;
	else if (r->trace.drop && NSB_STAT_DROP_BASE + r->trace.drop < NSB_STAT_MAX)
		z->slots[NSB_STAT_DROP_BASE + r->trace.drop]++;
	else
		z->untraced++;
	if (verdict == TC_ACT_SHOT)
		return;
	changed = r->out_len != fp->p.len || memcmp(r->out, fp->p.buf, fp->p.len);
	emitted = verdict == TC_ACT_REDIRECT || changed;
	if (changed && verdict != TC_ACT_REDIRECT &&
	    (fp->hook == H_FROM_UPLINK || fp->hook == H_TO_UPLINK))
		violation(z, "(b)", "%s passed the frame (verdict %d) with its bytes changed",
			  hook_name[fp->hook], verdict);
	if (emitted && pr->csum_ok && r->out_len >= 14 && get16(r->out + 12) == 0x0800) {
		z->csum_checked++;
		if (!frame_csums_ok(r->out, r->out_len, why, sizeof(why)))
			violation(z, "(b)",
				  "emitted with a bad checksum (%s); it came in with valid ones",
				  why);
	}
	if (verdict == TC_ACT_REDIRECT)
		check_redirect(z, pr);
}

static bool ct_closed(const struct nsb_ct_entry *e)
{
	uint8_t fins = e->flags & (NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY);

	return e->state == NSB_CT_CLOSED || (e->flags & NSB_CT_F_RST) ||
	       fins == (NSB_CT_F_FIN_ORIG | NSB_CT_F_FIN_REPLY);
}

static bool same_owner(const struct nsb_ct_entry *a, const struct nsb_ct_entry *b)
{
	uint8_t kept = NSB_CT_F_DNAT | NSB_CT_F_HAIRPIN;

	return a->nat_addr == b->nat_addr && a->nat_port == b->nat_port &&
	       a->ifindex == b->ifindex && a->dnat_addr == b->dnat_addr &&
	       a->dnat_port == b->dnat_port && (a->flags & kept) == (b->flags & kept);
}

static void describe_ct(char *buf, size_t n, const char *what, const struct nsb_ct_entry *e)
{
	snprintf(buf, n, "%s nat %s:%u ifindex %u dnat %s:%u flags %#x state %u", what,
		 ip_str(e->nat_addr), ntohs(e->nat_port), e->ifindex, ip_str(e->dnat_addr),
		 ntohs(e->dnat_port), (unsigned int)e->flags, (unsigned int)e->state);
}

/*
 * Did one of the flow's own nodes send the frame (its veth, its addresses,
 * its ports)? It may close its own flow with anything it sends.
 */
static bool from_own_node(const struct fz *z, const struct live *l, const struct pre *pr)
{
	const struct pview *v = &pr->v;

	if (z->cur.hook != H_FROM_NODE || !pr->sender || !v->ip || !v->l4 || v->proto != l->proto)
		return false;
	for (int e = 0; e < 2; e++) {
		const struct side *s = &l->s[e];

		if (s->hook == H_FROM_NODE && s->ingress == z->cur.ingress &&
		    v->saddr == htonl(s->saddr) && v->daddr == htonl(s->daddr) &&
		    v->sport == htons(s->sport) && v->dport == htons(s->dport))
			return true;
	}
	return false;
}

/* (c): every live flow still owns what it owned; none closed by a blind frame. */
static void check_live(struct fz *z, const struct pre *pr)
{
	const struct fz_pkt *fp = &z->cur;
	struct nsb_ct_entry ce, te;
	struct nsb_nat_val nv;
	char a[160], b[160];

	for (int i = 0; i < NLIVE; i++) {
		struct live *l = &z->live[i];
		bool closed;

		if (!l->alive)
			continue;
		if (!ct_get(z, &l->ck, &ce))
			violation(z, "(c)", "live flow %s: its ct entry is gone", l->name);
		if (!same_owner(&ce, &l->ce)) {
			describe_ct(a, sizeof(a), "was", &l->ce);
			describe_ct(b, sizeof(b), "now", &ce);
			violation(z, "(c)", "live flow %s changed owner: %s; %s", l->name, a, b);
		}
		if (!natp_get(z, &l->nk, &nv))
			violation(z, "(c)", "live flow %s: its nat_ports entry (port %u) is gone",
				  l->name, ntohs(l->nk.nat_port));
		if (memcmp(&nv, &l->nv, sizeof(nv)))
			violation(z, "(c)",
				  "live flow %s: its nat_ports entry (port %u) now "
				  "points at %s:%u ifindex %u flags %#x",
				  l->name, ntohs(l->nk.nat_port), ip_str(nv.node_addr),
				  ntohs(nv.node_port), nv.ifindex, nv.flags);
		closed = l->proto == IPPROTO_TCP && ct_closed(&ce);
		if (l->kind == LIVE_HAIRPIN) {
			if (!ct_get(z, &l->tk, &te))
				violation(z, "(c)", "live flow %s: its twin's ct entry is gone",
					  l->name);
			if (!same_owner(&te, &l->te)) {
				describe_ct(a, sizeof(a), "was", &l->te);
				describe_ct(b, sizeof(b), "now", &te);
				violation(z, "(c)", "live flow %s: its twin changed owner: %s; %s",
					  l->name, a, b);
			}
			closed |= ct_closed(&te);
		}
		if (closed && !l->closed) {
			if ((fp->live == i && fp->knows_seq) || from_own_node(z, l, pr)) {
				z->reopen |= 1U << i; /* closed by its own sequence numbers */
				z->reopened++;
			} else {
				describe_ct(a, sizeof(a), "now", &ce);
				violation(z, "(c)",
					  "live flow %s closed by a frame built without "
					  "its sequence numbers (%s)",
					  l->name, a);
			}
		}
		l->closed = closed;
		if (z->reopen & (1U << i))
			l->alive = false; /* closed for real: its port may go */
	}
}

/*
 * Run z->cur through its program and check every invariant. The verdict;
 * -1 when the kernel refused the frame before the program saw it.
 */
static int run_checked(struct fz *z)
{
	struct fz_pkt *fp = &z->cur;
	uint32_t ingress = fp->hook == H_FROM_UPLINK && !fp->ingress ? z->uplink_if : fp->ingress;
	struct pre pr;
	int err;

	fp->ingress = ingress;
	st_case = fp->gen;
	pre_compute(z, &pr);
	err = st_run(&z->env, hook_fd(z, fp->hook), &fp->p, ingress, &z->res);
	if (err == -EINVAL && (fp->p.len < 14 + 40 || pr.v.etype == 0x86dd)) {
		/* 6.18.y refuses an IPv4 or IPv6 EtherType with less than its header */
		z->refused++;
		z->idx++;
		return -1;
	}
	if (err)
		violation(z, "(run)", "BPF_PROG_TEST_RUN: %s", strerror(-err));
	check_frame(z, &pr);
	check_live(z, &pr);
	z->idx++;
	return (int)z->res.retval;
}

/* ------------------------------------------------------------ live flows: frames */

static uint8_t side_ttl(const struct side *s)
{
	return s->ttl ? s->ttl : 64;
}

/*
 * A frame from end e of flow l: TCP flags/seq/ack/win and payload bytes
 * (0: none), an echo, or a datagram. Into z->cur.
 */
static void live_frame(struct fz *z, int i, int e, uint8_t flags, uint32_t seq, uint32_t ack,
		       uint16_t win, uint32_t payload)
{
	struct live *l = &z->live[i];
	const struct side *s = &l->s[e];
	struct fz_pkt *fp = &z->cur;
	struct frame f;

	memset(fp, 0, offsetof(struct fz_pkt, p));
	memset(&f, 0, sizeof(f));
	f.dst = s->dst;
	f.src = s->src;
	f.saddr = s->saddr;
	f.daddr = s->daddr;
	f.ttl = side_ttl(s);
	f.ip_id = SET16(rnd32(&z->rng));
	f.payload_len = (uint16_t)(payload ? payload : 16);
	switch (l->proto) {
	case IPPROTO_TCP:
		f.kind = FR_TCP4;
		f.sport = s->sport;
		f.dport = s->dport;
		f.tcp_flags = flags;
		break;
	case IPPROTO_UDP:
		f.kind = FR_UDP4;
		f.sport = s->sport;
		f.dport = s->dport;
		break;
	default:
		f.kind = FR_ICMP4;
		f.icmp_type = e ? 0 : 8;
		f.icmp_id = e ? s->dport : s->sport;
		f.icmp_seq = ++l->icmp_seq;
		break;
	}
	fp->hook = s->hook;
	fp->ingress = s->ingress;
	fp->live = i;
	fp->end = e;
	cr_assert(frame_build(&f, &fp->p), "build a frame of %s", l->name);
	if (l->proto == IPPROTO_TCP)
		tcp_set(&fp->p, seq, ack, win, (int)payload);
}

/*
 * One handshake frame, which must be translated. The opener's first frame
 * may be refused while the tables are busy (no free port in the small
 * range, a cap on new flows): false, the flow waits. On emptied tables
 * (z->fresh), never.
 */
static bool live_step(struct fz *z, int i, bool first, const char *step)
{
	const struct side *n = &z->live[i].s[0];
	struct nsb_ct_key k;
	struct nsb_ct_entry ce;
	uint32_t drop;
	char d[160];
	int v;

	z->cur.gen = step;
	z->cur.knows_seq = true;
	v = run_checked(z);
	drop = z->res.trace.drop;
	if (first && v == TC_ACT_SHOT && !z->fresh)
		return false;
	if (v == TC_ACT_REDIRECT)
		return true;
	k = ct_key(htonl(n->saddr), htonl(n->daddr), htons(n->sport), htons(n->dport),
		   z->live[i].proto);
	if (ct_get(z, &k, &ce)) {
		describe_ct(d, sizeof(d), "the node end's ct entry:", &ce);
		fprintf(stderr, "fuzz: %s\n", d);
	}
	hex_dump("in", z->cur.p.buf, z->cur.p.len);
	replay_line(z, z->idx - 1);
	cr_assert_fail("fuzz: opening live flow %s: %s got verdict %d (%s), not a redirect "
		       "(seed 0x%016" PRIx64 ", frame #%" PRIu64 ")",
		       z->live[i].name, step, v,
		       drop ? st_slot_name(NSB_STAT_DROP_BASE + drop) : "no drop", z->seed,
		       z->idx - 1);
	return false;
}

/* The flow's ends, from its template and how often it was opened again. */
static void live_init(struct fz *z, int i)
{
	struct live *l = &z->live[i];
	int gen = l->gen % 4000; /* ports of earlier incarnations come back late */
	struct side *n = &l->s[0], *o = &l->s[1];

	memset(l->s, 0, sizeof(l->s));
	l->alive = false;
	l->closed = false;
	n->hook = H_FROM_NODE;
	o->hook = H_FROM_UPLINK;
	o->dst = uplink_mac;
	o->src = router_mac;
	o->ttl = 60;
	switch (i) {
	case 0: /* earth -> REMOTE:80, masquerade TCP */
		l->name = "earth tcp masquerade";
		l->kind = LIVE_MASQ;
		l->proto = IPPROTO_TCP;
		n->sport = (uint16_t)(gen ? 20000 + gen : 40001); /* 40001: forward 6020's */
		n->daddr = REMOTE_IP;
		n->dport = 80;
		break;
	case 1: /* mars -> REMOTE2:443, masquerade TCP */
		l->name = "mars tcp masquerade";
		l->kind = LIVE_MASQ;
		l->proto = IPPROTO_TCP;
		n->sport = (uint16_t)(24000 + gen);
		n->daddr = REMOTE2_IP;
		n->dport = 443;
		break;
	case 2: /* neptune -> REMOTE2:53, masquerade UDP */
		l->name = "neptune udp masquerade";
		l->kind = LIVE_MASQ;
		l->proto = IPPROTO_UDP;
		n->sport = 5353;
		n->daddr = REMOTE2_IP;
		n->dport = 53;
		break;
	case 3: /* mars pings REMOTE */
		l->name = "mars icmp echo masquerade";
		l->kind = LIVE_MASQ;
		l->proto = IPPROTO_ICMP;
		n->sport = 0x4d41;
		n->daddr = REMOTE_IP;
		n->dport = 0;
		break;
	case 4: /* REMOTE2 -> uplink:6000 -> earth:8080 */
		l->name = "earth tcp forward 6000";
		l->kind = LIVE_FWD;
		l->proto = IPPROTO_TCP;
		o->saddr = REMOTE2_IP;
		o->sport = (uint16_t)(41000 + gen);
		o->daddr = UPLINK_IP;
		o->dport = 6000;
		n->sport = 8080;
		n->daddr = REMOTE2_IP;
		n->dport = o->sport;
		break;
	case 5: /* REMOTE -> uplink:5300 -> neptune:53 */
		l->name = "neptune udp forward 5300";
		l->kind = LIVE_FWD;
		l->proto = IPPROTO_UDP;
		o->saddr = REMOTE_IP;
		o->sport = 5000;
		o->daddr = UPLINK_IP;
		o->dport = 5300;
		n->sport = 53;
		n->daddr = REMOTE_IP;
		n->dport = 5000;
		break;
	default: /* mars -> uplink:6000 -> earth:8080, hairpin */
		l->name = "mars to earth tcp hairpin";
		l->kind = LIVE_HAIRPIN;
		l->proto = IPPROTO_TCP;
		n->sport = (uint16_t)(46000 + gen);
		n->daddr = UPLINK_IP;
		n->dport = 6000;
		break;
	}
	/* the node end */
	{
		const struct topo_node *nd = i == 0 || i == 4 ? node_by_ip(EARTH_IP) :
					     i == 2 || i == 5 ? node_by_ip(NEPTUNE_IP) :
								node_by_ip(MARS_IP);

		n->ingress = rt_of(nd)->ifindex;
		n->dst = rt_of(nd)->host_mac;
		n->src = rt_of(nd)->node_mac;
		n->saddr = nd->ip;
	}
	if (l->kind == LIVE_MASQ) {
		o->saddr = n->daddr;
		o->sport = n->dport;
		o->daddr = UPLINK_IP; /* dport: the nat port, learnt at the first frame */
	} else if (l->kind == LIVE_HAIRPIN) {
		const struct topo_node *be = node_by_ip(EARTH_IP);

		o->hook = H_FROM_NODE;
		o->ingress = rt_of(be)->ifindex;
		o->dst = rt_of(be)->host_mac;
		o->src = rt_of(be)->node_mac;
		o->ttl = 64;
		o->saddr = EARTH_IP;
		o->sport = 8080;
		o->daddr = PLANET_GW; /* dport: the gateway's port, learnt at the first frame */
	}
}

/* After the opener's first frame: the port the NAT gave it, for the other end. */
static void live_learn(struct fz *z, int i)
{
	struct live *l = &z->live[i];
	struct nsb_ct_entry ce;

	l->ck = ct_key(htonl(l->s[0].saddr), htonl(l->s[0].daddr), htons(l->s[0].sport),
		       htons(l->s[0].dport), l->proto);
	cr_assert(ct_get(z, &l->ck, &ce), "fuzz: opening live flow %s: no ct entry", l->name);
	if (l->kind != LIVE_FWD)
		l->s[1].dport = ntohs(ce.nat_port);
}

/* What the flow owns, right after its handshake. */
static void live_snapshot(struct fz *z, int i)
{
	struct live *l = &z->live[i];
	const struct side *o = &l->s[1];

	memset(&l->nk, 0, sizeof(l->nk));
	l->nk.nat_addr = htonl(o->daddr);
	l->nk.remote_addr = htonl(o->saddr);
	l->nk.nat_port = htons(o->dport);
	l->nk.remote_port = htons(o->sport);
	l->nk.proto = l->proto;
	cr_assert(ct_get(z, &l->ck, &l->ce), "fuzz: live flow %s: no ct entry", l->name);
	cr_assert(natp_get(z, &l->nk, &l->nv), "fuzz: live flow %s: no nat_ports entry at %s:%u",
		  l->name, ip_str(l->nk.nat_addr), o->dport);
	cr_assert(l->ce.nat_port == l->nk.nat_port,
		  "fuzz: live flow %s: ct and nat_ports disagree on the port", l->name);
	if (l->kind == LIVE_HAIRPIN) {
		l->tk = ct_key(htonl(o->saddr), htonl(o->daddr), htons(o->sport), htons(o->dport),
			       l->proto);
		cr_assert(ct_get(z, &l->tk, &l->te), "fuzz: live flow %s: no twin entry", l->name);
	}
	l->closed = false;
	l->alive = true;
}

/* Open flow i with its handshake (TCP) or a first exchange (UDP, echo). */
static void live_open(struct fz *z, int i)
{
	struct live *l = &z->live[i];
	uint32_t isn_o, isn_x, ws;
	int op;

	/* on ports no flow holds (a mutated frame may have opened one there) */
	for (int tries = 0;; tries++) {
		const struct side *n = &l->s[0];
		struct nsb_ct_key k;
		struct nsb_ct_entry ce;

		live_init(z, i);
		k = ct_key(htonl(n->saddr), htonl(n->daddr), htons(n->sport), htons(n->dport),
			   l->proto);
		if (!ct_get(z, &k, &ce) || tries == 100 || l->proto != IPPROTO_TCP)
			break;
		l->gen++;
	}
	op = l->kind == LIVE_FWD ? 1 : 0; /* who opens it */
	if (l->proto != IPPROTO_TCP) {
		live_frame(z, i, op, 0, 0, 0, 0, 24);
		if (!live_step(z, i, true, "live flow: first datagram"))
			goto postpone;
		live_learn(z, i);
		live_frame(z, i, !op, 0, 0, 0, 0, 40);
		live_step(z, i, false, "live flow: the answer");
		live_snapshot(z, i);
		return;
	}
	isn_o = rnd32(&z->rng);
	isn_x = rnd32(&z->rng);
	/* window scaling: both SYNs announce it, one only (then neither scales), or none */
	ws = below(&z->rng, 4);
	live_frame(z, i, op, TCPF_SYN, isn_o, 0, 0x7210, 0);
	if (ws == 1 || ws == 2)
		tcp_wscale(&z->cur.p, (uint8_t)below(&z->rng, 15));
	if (!live_step(z, i, true, "live flow: SYN"))
		goto postpone;
	l->s[op].nxt = isn_o + 1;
	live_learn(z, i);
	live_frame(z, i, !op, TCPF_SYN | TCPF_ACK, isn_x, l->s[op].nxt, 0x7210, 0);
	if (ws == 1 || ws == 3)
		tcp_wscale(&z->cur.p, (uint8_t)below(&z->rng, 15));
	live_step(z, i, false, "live flow: SYN-ACK");
	l->s[!op].nxt = isn_x + 1;
	live_frame(z, i, op, TCPF_ACK, l->s[op].nxt, l->s[!op].nxt, 0x7210, 0);
	live_step(z, i, false, "live flow: ACK");
	live_snapshot(z, i);
	return;
postpone:
	z->postponed++;
	z->retry |= 1U << i;
}

/* The flows closed for real, opened again (on the next ports). */
static void reopen_pending(struct fz *z, bool retry)
{
	if (retry) {
		z->reopen |= z->retry;
		z->retry = 0;
	}
	while (z->reopen) {
		int i = __builtin_ctz(z->reopen);

		z->reopen &= ~(1U << i);
		z->live[i].gen++;
		live_open(z, i);
	}
}

/* A node end's frame on its own live TCP tuple would be that flow's: never at random. */
static bool live_tuple(const struct fz *z, uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport)
{
	for (int i = 0; i < NLIVE; i++) {
		const struct live *l = &z->live[i];

		for (int e = 0; e < 2; e++) {
			const struct side *s = &l->s[e];

			if (s->hook == H_FROM_NODE && s->saddr == saddr && s->daddr == daddr &&
			    s->sport == sport && s->dport == dport)
				return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------ generators */

static uint16_t pick_port(struct fz *z)
{
	struct rng *r = &z->rng;
	const struct live *l = &z->live[below(r, NLIVE)];

	switch (below(r, 6)) {
	case 0:
		return l->s[1].dport; /* a live nat port */
	case 1:
		return PICK(r, fwd_ports);
	case 2:
		return (uint16_t)(FZ_PORT_MIN - 1 + below(r, FZ_PORT_MAX - FZ_PORT_MIN + 3));
	case 3:
		return (uint16_t)PICK(r, ((const uint16_t[]){ 80, 443, 53, 22, 8080, 0, 65535 }));
	default:
		return (uint16_t)rnd32(r);
	}
}

/* Options as stacks send them, and as nobody should: lengths 0, 1, past the end. */
static void tcp_random_opts(struct rng *r, struct pkt *p)
{
	uint8_t opt[44];
	size_t n = 0, want = 4 * (1 + below(r, 10));

	while (n < want) {
		switch (below(r, 8)) {
		case 0: /* MSS */
			opt[n++] = 2, opt[n++] = 4, opt[n++] = 0x05, opt[n++] = 0xb4;
			break;
		case 1: /* window scale, any shift (RFC 7323 caps it at 14) */
			opt[n++] = 3, opt[n++] = 3, opt[n++] = (uint8_t)below(r, 256);
			break;
		case 2: /* SACK permitted */
			opt[n++] = 4, opt[n++] = 2;
			break;
		case 3:
			opt[n++] = 1;
			break;
		case 4:
			opt[n++] = 0;
			break;
		case 5: /* a length that ends the list, or runs past it */
			opt[n++] = (uint8_t)below(r, 256);
			opt[n++] = PICK(r, ((const uint8_t[]){ 0, 1, 2, 40, 255 }));
			break;
		case 6: /* window scale with a wrong length */
			opt[n++] = 3, opt[n++] = PICK(r, ((const uint8_t[]){ 2, 4, 0 }));
			opt[n++] = 7;
			break;
		default: /* timestamps */
			for (int i = 0; i < 10; i++)
				opt[n++] = i == 0 ? 8 : i == 1 ? 10 : (uint8_t)rnd32(r);
			break;
		}
		if (n > 40)
			n = 40;
	}
	while (n % 4)
		opt[n++] = 1;
	tcp_insert_opts(p, opt, n > 40 ? 40 : n);
}

static uint8_t pick_flags(struct rng *r)
{
	return chance(r, 80) ? PICK(r, tcp_flag_sets) : (uint8_t)rnd32(r);
}

static uint16_t pick_win(struct rng *r)
{
	return (uint16_t)PICK(r, ((const uint32_t[]){ 0, 1, 0x7210, 0x7210, 0xffff, 512 }));
}

/* A sequence number near base: at the edges of the windows, or anywhere. */
static uint32_t near(struct rng *r, uint32_t base)
{
	static const int32_t deltas[] = {
		0,	1,	 -1,	   2,	    -2,		100,	-100,
		0x7210, -0x7210, 0x7211,   -0x7211, 66000,	-66000, 66001,
		-66001, 0x10000, -0x10000, 1 << 20, -(1 << 20),
	};

	if (chance(r, 15))
		return base + (uint32_t)(rnd32(r) % 70000) - 35000;
	return base + (uint32_t)PICK(r, deltas);
}

/* A segment of a live flow from end e, as its stack would send it (no FIN, RST). */
static void gen_live_plausible(struct fz *z, int i, int e)
{
	struct live *l = &z->live[i];
	struct fz_pkt *fp = &z->cur;
	uint32_t payload = chance(&z->rng, 50) ? 0 : 1 + below(&z->rng, 300);

	if (l->proto != IPPROTO_TCP) {
		live_frame(z, i, e, 0, 0, 0, 0, 1 + below(&z->rng, 200));
		fp->gen = "live flow: plausible datagram or echo";
		fp->knows_seq = true;
		return;
	}
	live_frame(z, i, e, payload && chance(&z->rng, 50) ? TCPF_PSH | TCPF_ACK : TCPF_ACK,
		   l->s[e].nxt, l->s[!e].nxt, 0x7210, payload);
	fp->gen = "live flow: plausible segment";
	fp->knows_seq = true;
	fp->advance = true;
	fp->adv = payload;
	if (chance(&z->rng, 3)) {
		/* the opener's SYN again, a retransmission */
		int op = l->kind == LIVE_FWD ? 1 : 0;

		live_frame(z, i, op, TCPF_SYN, l->s[op].nxt - 1, 0, 0x7210, 0);
		fp->gen = "live flow: the opener's SYN again";
		fp->knows_seq = true;
	}
}

/* The outside end of a live flow (a remote or a forward's client), blind or not. */
static void gen_live_outside(struct fz *z, int i)
{
	struct live *l = &z->live[i];
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	uint32_t mode = below(r, 100);
	uint32_t payload = chance(r, 60) ? 0 : 1 + below(r, 400);

	if (l->proto != IPPROTO_TCP || mode < 35) {
		gen_live_plausible(z, i, 1);
		return;
	}
	if (mode < 65) {
		/* near: its sequence numbers, nudged; any flags */
		live_frame(z, i, 1, pick_flags(r), near(r, l->s[1].nxt), near(r, l->s[0].nxt),
			   pick_win(r), payload);
		if (chance(r, 15))
			tcp_random_opts(r, &fp->p);
		fp->gen = "live flow: near-window segment from outside";
		fp->knows_seq = true;
		return;
	}
	/* blind: an off-path attacker's, who knows the ports only */
	live_frame(z, i, 1, pick_flags(r), rnd32(r), chance(r, 20) ? 0 : rnd32(r), pick_win(r),
		   payload);
	if (chance(r, 15))
		tcp_random_opts(r, &fp->p);
	fp->gen = "live flow: blind segment from outside";
	fp->knows_seq = false;
}

static void gen_live(struct fz *z, bool outside)
{
	int i = (int)below(&z->rng, NLIVE);
	struct live *l = &z->live[i];

	if (!l->alive)
		return;
	if (outside && l->kind != LIVE_HAIRPIN)
		gen_live_outside(z, i);
	else
		gen_live_plausible(z, i,
				   l->kind == LIVE_HAIRPIN ? (int)below(&z->rng, 2) :
				   outside		   ? 1 :
							     0);
}

static uint32_t pick_outside_src(struct fz *z, const struct live **lp)
{
	struct rng *r = &z->rng;
	uint32_t w = below(r, 100);
	const struct live *l = &z->live[below(r, NLIVE)];

	*lp = NULL;
	if (w < 45 && l->kind != LIVE_HAIRPIN) {
		*lp = l;
		return l->s[1].saddr;
	}
	if (w < 70)
		return PICK(r, remotes);
	if (w < 90)
		return PICK(r, spoofs);
	return rnd32(r);
}

static uint32_t pick_uplink_dst(struct rng *r)
{
	uint32_t w = below(r, 100);

	if (w < 70)
		return UPLINK_IP;
	if (w < 78)
		return HOST_IP;
	if (w < 90)
		return PICK(r, lab_dests);
	if (w < 97)
		return PICK(r, special_dests);
	return rnd32(r);
}

/* IPv4 header extras any generator may take: options, TTL, fragment bits, TOS. */
static void ip_extras(struct rng *r, struct frame *f)
{
	if (chance(r, 8))
		f->ihl = (uint8_t)(6 + below(r, 10));
	if (chance(r, 6))
		f->ttl = PICK(r, ((const uint16_t[]){ TTL_ZERO, 1, 2, 255 }));
	if (chance(r, 5))
		f->frag_off = SET16(PICK(r, ((const uint16_t[]){ 0, IPF_DF, IPF_MF, 0x8000 })));
	if (chance(r, 5))
		f->tos = (uint8_t)rnd32(r);
	if (chance(r, 10))
		f->ip_id = SET16(rnd32(r));
}

/* Anything to the uplink: replies, port scans, forwards, spoofed sources. */
static void gen_uplink_scan(struct fz *z)
{
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	const struct live *l;
	struct frame f;
	uint32_t w = below(r, 100);

	memset(&f, 0, sizeof(f));
	fp->gen = "uplink: scan";
	fp->hook = H_FROM_UPLINK;
	f.dst = chance(r, 92) ? uplink_mac :
				PICK(r, ((const uint8_t *const[]){ bcast_mac, rogue_mac }));
	f.src = router_mac;
	f.ttl = 60;
	f.saddr = pick_outside_src(z, &l);
	f.daddr = pick_uplink_dst(r);
	f.sport = l && chance(r, 70) ? l->s[1].sport : pick_port(z);
	f.dport = l && chance(r, 50) ? l->s[1].dport : pick_port(z);
	f.payload_len = (uint16_t)(chance(r, 90) ? below(r, 64) : below(r, 1500));
	if (w < 45) {
		f.kind = FR_TCP4;
		f.tcp_flags = pick_flags(r);
		f.seq = rnd32(r);
		f.ack = rnd32(r);
	} else if (w < 80) {
		f.kind = FR_UDP4;
		f.no_csum = chance(r, 10);
	} else if (w < 95) {
		f.kind = FR_ICMP4;
		f.icmp_type = (uint8_t)PICK(r, ((const uint8_t[]){ 0, 0, 8, 13, 14, 5, 9, 0xff }));
		f.icmp_code = chance(r, 80) ? 0 : (uint8_t)rnd32(r);
		f.icmp_id = l && l->proto == IPPROTO_ICMP ? l->s[1].dport : pick_port(z);
		f.icmp_seq = (uint16_t)rnd32(r);
	} else {
		f.kind = FR_IPV4;
		f.proto = (uint8_t)PICK(r, ((const uint8_t[]){ 47, 50, 132, 41, 0, 255, 4 }));
	}
	ip_extras(r, &f);
	if (!frame_build(&f, &fp->p)) {
		f.payload_len = 16;
		cr_assert(frame_build(&f, &fp->p));
	}
	if (f.kind == FR_TCP4 && chance(r, 15))
		tcp_random_opts(r, &fp->p);
}

/* A datagram as it left the uplink, to quote in an error: a live flow's, or forged. */
static void quote_of(struct fz *z, struct frame *q)
{
	struct rng *r = &z->rng;
	const struct live *l = &z->live[below(r, NLIVE)];

	memset(q, 0, sizeof(*q));
	q->ttl = (uint16_t)(1 + below(r, 64));
	if (chance(r, 65) && l->kind != LIVE_HAIRPIN) {
		/* as the live flow left: uplink address and nat port to the remote */
		q->saddr = l->s[1].daddr;
		q->daddr = l->s[1].saddr;
		q->sport = l->s[1].dport;
		q->dport = l->s[1].sport;
		q->kind = l->proto == IPPROTO_TCP ? FR_TCP4 :
			  l->proto == IPPROTO_UDP ? FR_UDP4 :
						    FR_ICMP4;
		q->icmp_type = 8;
		q->icmp_id = l->s[1].dport;
		q->tcp_flags = TCPF_ACK;
		q->seq = l->s[0].nxt;
	} else {
		q->saddr = chance(r, 60) ? UPLINK_IP :
			   chance(r, 50) ? PICK(r, lab_dests) :
					   PICK(r, spoofs);
		q->daddr = PICK(r, remotes);
		q->sport = pick_port(z);
		q->dport = pick_port(z);
		q->kind =
			PICK(r, ((const enum frame_kind[]){ FR_TCP4, FR_UDP4, FR_ICMP4, FR_IPV4 }));
		q->icmp_type = chance(r, 80) ? 8 : (uint8_t)rnd32(r);
		q->icmp_id = pick_port(z);
		q->tcp_flags = pick_flags(r);
		q->proto = (uint8_t)rnd32(r);
	}
	if (chance(r, 30)) {
		switch (below(r, 8)) {
		case 0:
			q->saddr = rnd32(r);
			break;
		case 1:
			q->sport ^= 1;
			q->icmp_id ^= 1;
			break;
		case 2:
			q->ihl = (uint8_t)PICK(r, ((const uint8_t[]){ 6, 15, 4, 3 }));
			break;
		case 3:
			q->frag_off =
				SET16(PICK(r, ((const uint16_t[]){ IPF_MF, 1, 0x1fff, 185 })));
			break;
		case 4:
			q->version = (uint8_t)PICK(r, ((const uint8_t[]){ 6, 5, 0xf }));
			break;
		case 5:
			q->tot_len = (uint16_t)rnd32(r);
			break;
		case 6:
			q->kind = FR_IPV4;
			q->proto = PICK(r, ((const uint8_t[]){ IPPROTO_TCP, IPPROTO_UDP, 1, 47 }));
			break;
		default:
			q->dport ^= 0x100;
			break;
		}
	}
}

/* ICMP errors from outside about a (forged or live) datagram the uplink sent. */
static void gen_uplink_icmp_error(struct fz *z)
{
	static struct frame q, qq;
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	struct pkt qp;
	struct frame f;
	size_t qmax;

	fp->gen = "uplink: ICMP error quoting a forged header";
	fp->hook = H_FROM_UPLINK;
	quote_of(z, &q);
	memset(&f, 0, sizeof(f));
	f.kind = FR_ICMP4;
	f.dst = uplink_mac;
	f.src = router_mac;
	f.ttl = 60;
	f.saddr = chance(r, 50) ? q.daddr : chance(r, 50) ? ROUTER_IP : PICK(r, spoofs);
	f.daddr = chance(r, 85) ? UPLINK_IP : pick_uplink_dst(r);
	f.icmp_type = (uint8_t)PICK(r, ((const uint8_t[]){ 3, 3, 3, 11, 11, 12, 4, 5 }));
	f.icmp_code = (uint8_t)(f.icmp_type == 3 ? below(r, 16) : below(r, 3));
	f.icmp_mtu = (uint16_t)(chance(r, 50) ? 1280 + below(r, 200) : rnd32(r));
	if (chance(r, 5)) {
		/* an error quoting an error */
		qq = q;
		memset(&q, 0, sizeof(q));
		q.kind = FR_ICMP4;
		q.saddr = UPLINK_IP;
		q.daddr = qq.daddr;
		q.icmp_type = 3;
		q.icmp_code = 3;
		q.quote = &qq;
	}
	f.quote = &q;
	if (!frame_build(&q, &qp) || qp.len < 14 + 20) {
		gen_uplink_scan(z);
		return;
	}
	qmax = qp.len - 14;
	switch (below(r, 4)) {
	case 0: /* cut short: less than a header and 8 bytes */
		f.quote_len = (uint16_t)(20 + below(r, 8 + 1));
		break;
	case 1: /* all of it */
		f.quote_len = (uint16_t)qmax;
		break;
	default: /* the header and 8 bytes, as routers do */
		break;
	}
	if (f.quote_len > qmax || (!f.quote_len && (qp.buf[14] & 0x0f) * 4u + 8 > qmax))
		f.quote_len = (uint16_t)qmax;
	ip_extras(r, &f);
	if (!frame_build(&f, &fp->p))
		gen_uplink_scan(z);
}

/* Fragments, either way: first ones of live flows, later ones with known or odd ids. */
static void gen_frag(struct fz *z, bool uplink)
{
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	int li = (int)below(r, NLIVE);
	const struct live *l = &z->live[li];
	const struct topo_node *n =
		&lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)];
	int slot = (int)below(r, N(z->frag_ids));
	struct frame f;
	bool first = chance(r, 45);

	memset(&f, 0, sizeof(f));
	fp->gen = first ? "fragment: first" : "fragment: later";
	f.kind = PICK(r, ((const enum frame_kind[]){ FR_UDP4, FR_UDP4, FR_TCP4, FR_ICMP4 }));
	f.payload_len = (uint16_t)(40 + below(r, 200));
	f.tcp_flags = TCPF_ACK;
	f.seq = rnd32(r);
	f.icmp_type = 8;
	if (uplink) {
		fp->hook = H_FROM_UPLINK;
		f.dst = uplink_mac;
		f.src = router_mac;
		f.ttl = 60;
		if (l->kind != LIVE_HAIRPIN && chance(r, 70)) {
			f.kind = l->proto == IPPROTO_TCP ? FR_TCP4 :
				 l->proto == IPPROTO_UDP ? FR_UDP4 :
							   FR_ICMP4;
			f.saddr = l->s[1].saddr;
			f.daddr = l->s[1].daddr;
			f.sport = l->s[1].sport;
			f.dport = l->s[1].dport;
			f.icmp_type = 0;
			f.icmp_id = l->s[1].dport;
			f.seq = l->s[1].nxt;
			f.ack = l->s[0].nxt;
			fp->live = li;
			fp->end = 1;
			fp->knows_seq = true;
		} else {
			f.saddr = PICK(r, remotes);
			f.daddr = pick_uplink_dst(r);
			f.sport = pick_port(z);
			f.dport = pick_port(z);
		}
	} else {
		fp->hook = H_FROM_NODE;
		fp->ingress = rt_of(n)->ifindex;
		f.dst = rt_of(n)->host_mac;
		f.src = rt_of(n)->node_mac;
		f.saddr = n->ip;
		f.daddr = chance(r, 60) ? PICK(r, remotes) :
			  chance(r, 50) ? PICK(r, lab_dests) :
					  UPLINK_IP;
		f.sport = (uint16_t)(30000 + below(r, 64));
		f.dport = pick_port(z);
		f.icmp_id = f.sport;
		if (l->alive && l->kind != LIVE_HAIRPIN && chance(r, 40)) {
			/* a first fragment of a live flow's node end, plausible */
			const struct side *s = &l->s[0];

			f.kind = l->proto == IPPROTO_TCP ? FR_TCP4 :
				 l->proto == IPPROTO_UDP ? FR_UDP4 :
							   FR_ICMP4;
			f.dst = s->dst;
			f.src = s->src;
			f.saddr = s->saddr;
			f.daddr = s->daddr;
			f.sport = s->sport;
			f.dport = s->dport;
			f.icmp_id = s->sport;
			f.seq = s->nxt;
			f.ack = l->s[1].nxt;
			fp->ingress = s->ingress;
			fp->live = li;
			fp->end = 0;
			fp->knows_seq = true;
		} else if (f.kind == FR_TCP4 &&
			   live_tuple(z, f.saddr, f.daddr, (uint16_t)f.sport, (uint16_t)f.dport)) {
			f.sport ^= 0x4000;
		}
	}
	if (first) {
		z->frag_ids[slot] = (uint16_t)rnd32(r);
		f.ip_id = SET16(z->frag_ids[slot]);
		f.frag_off = SET16(IPF_MF | (chance(r, 10) ? IPF_DF : 0));
		f.frag_len = (uint16_t)(8 * (1 + below(r, 4)));
	} else {
		f.ip_id = SET16(chance(r, 80) ? z->frag_ids[slot] : rnd32(r));
		/* offsets that overlap the first, odd ones, the last possible */
		f.frag_off = SET16((chance(r, 50) ? IPF_MF : 0) |
				   PICK(r, ((const uint16_t[]){ 1, 2, 3, 4, 5, 0x1fff, 185, 7 })));
		f.frag_at = (uint16_t)(chance(r, 70) ? 8 * below(r, 5) : below(r, 40));
		f.frag_len = (uint16_t)(chance(r, 20) ? 0 : 1 + below(r, 64));
		if (chance(r, 30))
			f.frag_off = SET16(f.frag_off & ~0x1fffU); /* offset 0, MF: a first */
	}
	if (!frame_build(&f, &fp->p)) {
		f.frag_at = 0;
		f.frag_len = 0;
		cr_assert(frame_build(&f, &fp->p));
	}
}

/* IPv6, VLAN tags, other EtherTypes, ARP: on either side. */
static void gen_layer2(struct fz *z, bool uplink)
{
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	const struct topo_node *n =
		&lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)];
	const struct topo_node *o =
		&lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)];
	struct frame f;
	uint32_t w = below(r, 100);

	memset(&f, 0, sizeof(f));
	fp->hook = uplink ? H_FROM_UPLINK : H_FROM_NODE;
	fp->ingress = uplink ? 0 : rt_of(n)->ifindex;
	f.dst = uplink ? uplink_mac : rt_of(n)->host_mac;
	f.src = uplink ? router_mac : rt_of(n)->node_mac;
	if (w < 30) {
		fp->gen = "layer 2: ARP";
		f.kind = FR_ARP;
		f.dst = chance(r, 70) ? bcast_mac : f.dst;
		f.op = (uint16_t)PICK(r, ((const uint16_t[]){ 1, 1, 1, 2, 3, 0 }));
		f.sha = chance(r, 85) ?
				f.src :
				PICK(r,
				     ((const uint8_t *const[]){ rogue_mac, rt_of(o)->node_mac }));
		f.spa = chance(r, 80) ? (uplink ? PICK(r, remotes) : n->ip) :
			chance(r, 50) ? 0 :
					PICK(r, spoofs);
		f.tpa = chance(r, 50) ? PICK(r, lab_dests) : PICK(r, special_dests);
		if (chance(r, 10))
			f.tpa = f.spa; /* gratuitous */
		if (chance(r, 8)) {
			f.htype = (uint16_t)PICK(r, ((const uint16_t[]){ 6, 0xffff }));
			f.hlen = (uint8_t)PICK(r, ((const uint8_t[]){ 8, 0 + 1 }));
			f.plen = (uint8_t)PICK(r, ((const uint8_t[]){ 16, 3 }));
			f.ptype = (uint16_t)PICK(r, ((const uint16_t[]){ 0x86dd, 0x0800 }));
		}
	} else if (w < 55) {
		fp->gen = "layer 2: IPv6";
		f.kind = FR_IPV6;
		f.payload_len = (uint16_t)(8 + below(r, 64));
	} else if (w < 80) {
		fp->gen = "layer 2: VLAN-tagged IPv4";
		f.kind = chance(r, 50) ? FR_UDP4 : FR_TCP4;
		f.vlan_proto = chance(r, 70) ? 0x8100 : 0x88a8;
		f.vlan_id = (uint16_t)below(r, 4096);
		f.saddr = uplink ? PICK(r, remotes) : n->ip;
		f.daddr = uplink ? UPLINK_IP : PICK(r, remotes);
		f.sport = pick_port(z);
		f.dport = pick_port(z);
		f.tcp_flags = pick_flags(r);
		f.seq = rnd32(r);
	} else {
		fp->gen = "layer 2: other EtherType";
		f.kind = FR_RAW;
		f.type = (uint16_t)PICK(r, ((const uint16_t[]){ 0x88cc, 0x8863, 0x0842, 0x22f0,
								0x0000, 0x05dc, 0xffff }));
		f.payload_len = (uint16_t)(1 + below(r, 64));
	}
	cr_assert(frame_build(&f, &fp->p), "%s", fp->gen);
	if (f.kind == FR_IPV6 && chance(r, 70)) {
		/* ICMPv6: router advertisement, redirect, neighbour solicitation */
		uint8_t *ip6 = fp->p.buf + 14;

		ip6[6] = 58;
		ip6[40] = PICK(r, ((const uint8_t[]){ 134, 137, 135, 136, 133, 128 }));
		ip6[41] = 0;
		if (chance(r, 30))
			memcpy(ip6 + 8, ((const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8 }), 4);
	}
	/* the IPv4 of a VLAN frame carries random flags: never on a live tuple */
	fp->knows_seq = false;
}

static uint32_t pick_node_dst(struct rng *r)
{
	return chance(r, 92) ? PICK(r, remotes) : rnd32(r);
}

/* New flows from nodes to the outside: many, to the live flows' remotes, to run out of ports. */
static void gen_node_new(struct fz *z)
{
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	const struct topo_node *n =
		&lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)];
	struct frame f;
	uint32_t w = below(r, 100);

	memset(&f, 0, sizeof(f));
	fp->gen = "node: new flow out";
	fp->hook = H_FROM_NODE;
	fp->ingress = rt_of(n)->ifindex;
	f.dst = rt_of(n)->host_mac;
	f.src = rt_of(n)->node_mac;
	f.saddr = n->ip;
	f.daddr = pick_node_dst(r);
	w = below(r, 100);
	f.sport = w < 55 ? 30000 + below(r, 512) :
		  w < 75 ? (uint16_t)(FZ_PORT_MIN + below(r, FZ_PORT_MAX - FZ_PORT_MIN + 1)) :
			   (uint16_t)rnd32(r);
	f.dport = chance(r, 70) ? PICK(r, ((const uint16_t[]){ 80, 443, 53, 41000, 5000 })) :
				  pick_port(z);
	f.payload_len = (uint16_t)below(r, 100);
	w = below(r, 100);
	if (w < 50) {
		f.kind = FR_TCP4;
		f.tcp_flags = chance(r, 50) ? TCPF_SYN : pick_flags(r);
		f.seq = rnd32(r);
		f.ack = rnd32(r);
		if (live_tuple(z, f.saddr, f.daddr, (uint16_t)f.sport, (uint16_t)f.dport))
			f.sport ^= 0x4000;
	} else if (w < 80) {
		f.kind = FR_UDP4;
	} else if (w < 95) {
		f.kind = FR_ICMP4;
		f.icmp_type = chance(r, 85) ? 8 : (uint8_t)PICK(r, ((const uint8_t[]){ 0, 13, 3 }));
		f.icmp_id = f.sport;
	} else {
		f.kind = FR_IPV4;
		f.proto = (uint8_t)PICK(r, ((const uint8_t[]){ 47, 50, 132, 41, 0, 255 }));
	}
	if (chance(r, 6)) {
		/* too big for the uplink (MTU 1400), with or without DF */
		f.payload_len = (uint16_t)(1360 + below(r, 300));
		f.frag_off = chance(r, 70) ? 0 : SET16(0);
	}
	ip_extras(r, &f);
	if (!frame_build(&f, &fp->p)) {
		f.payload_len = 16;
		f.quote = NULL;
		cr_assert(frame_build(&f, &fp->p));
	}
	if (f.kind == FR_TCP4 && chance(r, 15))
		tcp_random_opts(r, &fp->p);
}

/*
 * Nodes to the lab: other nodes (isolation), gateways and broadcasts, the
 * host, hairpin to forwards, and the backend's side of hairpin (a
 * gateway's port from the SNAT range). Sometimes spoofed.
 */
static void gen_node_lab(struct fz *z)
{
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	const struct topo_node *n =
		&lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)];
	const struct topo_node *o =
		&lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)];
	struct frame f;
	uint32_t w = below(r, 100);

	memset(&f, 0, sizeof(f));
	fp->gen = "node: to the lab and the host";
	fp->hook = H_FROM_NODE;
	fp->ingress = rt_of(n)->ifindex;
	f.dst = rt_of(n)->host_mac;
	f.src = rt_of(n)->node_mac;
	f.saddr = n->ip;
	f.daddr = w < 40 ? PICK(r, lab_dests) : w < 75 ? UPLINK_IP : PICK(r, special_dests);
	w = below(r, 100);
	f.dport = w < 45 ? PICK(r, fwd_ports) :
		  w < 65 ? (uint16_t)(FZ_PORT_MIN + below(r, FZ_PORT_MAX - FZ_PORT_MIN + 1)) :
			   pick_port(z);
	f.sport = chance(r, 30) ? PICK(r, ((const uint16_t[]){ 8080, 8081, 53, 22, 80 })) :
				  (uint16_t)(30000 + below(r, 256));
	f.payload_len = (uint16_t)below(r, 100);
	w = below(r, 100);
	if (w < 50) {
		f.kind = FR_TCP4;
		f.tcp_flags = chance(r, 50) ? TCPF_SYN : pick_flags(r);
		f.seq = rnd32(r);
		f.ack = rnd32(r);
	} else if (w < 85) {
		f.kind = FR_UDP4;
	} else {
		f.kind = FR_ICMP4;
		f.icmp_type = (uint8_t)PICK(r, ((const uint8_t[]){ 8, 0, 3, 5, 9, 10 }));
		f.icmp_id = f.sport;
	}
	fp->gen = "node: to the lab and the host";
	if (chance(r, 12)) {
		/* spoofed: another node's address or MAC, or the wrong veth */
		fp->gen = "node: spoofed";
		switch (below(r, 4)) {
		case 0:
			f.saddr = chance(r, 50) ? o->ip : PICK(r, spoofs);
			break;
		case 1:
			f.src = chance(r, 50) ? rt_of(o)->node_mac : rogue2_mac;
			break;
		case 2:
			fp->ingress = rt_of(o)->ifindex;
			break;
		default:
			fp->ingress = PICK(r, ((const uint32_t[]){ 0, 1, 999 }));
			break;
		}
	}
	if (f.kind == FR_TCP4 &&
	    live_tuple(z, f.saddr, f.daddr, (uint16_t)f.sport, (uint16_t)f.dport))
		f.sport ^= 0x4000;
	ip_extras(r, &f);
	if (!frame_build(&f, &fp->p)) {
		f.payload_len = 16;
		cr_assert(frame_build(&f, &fp->p));
	}
}

/* ICMP errors and echo replies from nodes, about what they received (live flows too). */
static void gen_node_icmp(struct fz *z)
{
	static struct frame q;
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	const struct live *l = &z->live[below(r, NLIVE)];
	const struct topo_node *n =
		&lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)];
	struct frame f;

	memset(&f, 0, sizeof(f));
	memset(&q, 0, sizeof(q));
	fp->gen = "node: ICMP error about what it received";
	fp->hook = H_FROM_NODE;
	f.kind = FR_ICMP4;
	if (l->alive && chance(r, 60)) {
		/* about a live flow, as its node received it: the other end to it */
		const struct side *s = &l->s[0];

		n = node_by_ip(s->saddr);
		q.kind = l->proto == IPPROTO_TCP ? FR_TCP4 :
			 l->proto == IPPROTO_UDP ? FR_UDP4 :
						   FR_ICMP4;
		q.saddr = s->daddr;
		q.daddr = s->saddr;
		q.sport = s->dport;
		q.dport = s->sport;
		q.icmp_type = 0;
		q.icmp_id = s->sport;
		q.tcp_flags = TCPF_ACK;
		f.daddr = s->daddr;
	} else {
		q.kind = chance(r, 50) ? FR_UDP4 : FR_TCP4;
		q.saddr = PICK(r, remotes);
		q.daddr = n->ip;
		q.sport = pick_port(z);
		q.dport = pick_port(z);
		f.daddr = chance(r, 70) ? q.saddr : PICK(r, lab_dests);
	}
	q.ttl = 59;
	fp->ingress = rt_of(n)->ifindex;
	f.dst = rt_of(n)->host_mac;
	f.src = rt_of(n)->node_mac;
	f.saddr = n->ip;
	f.icmp_type = (uint8_t)PICK(r, ((const uint8_t[]){ 3, 3, 11, 12, 4 }));
	f.icmp_code = (uint8_t)(f.icmp_type == 3 ? PICK(r, ((const uint8_t[]){ 3, 1, 4, 13 })) : 0);
	f.quote = &q;
	if (chance(r, 30))
		f.quote_len = (uint16_t)(20 + below(r, 9));
	ip_extras(r, &f);
	if (!frame_build(&f, &fp->p)) {
		f.quote_len = 0;
		if (!frame_build(&f, &fp->p))
			gen_node_new(z);
	}
}

/* What the host stack sends: into a node (to_node) or out of the uplink (to_uplink). */
static void gen_host(struct fz *z)
{
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	bool to_node = chance(r, 50);

	/* any frame will do, the generators make plenty */
	switch (below(r, 4)) {
	case 0:
		gen_uplink_scan(z);
		break;
	case 1:
		gen_node_new(z);
		break;
	case 2:
		gen_layer2(z, chance(r, 50));
		break;
	default:
		gen_node_lab(z);
		break;
	}
	fp->gen = to_node ? "host: to a node" : "host: out of the uplink";
	fp->hook = to_node ? H_TO_NODE : H_TO_UPLINK;
	/* the host stack's frames have no ingress; a bounced ARP reply has its own */
	fp->ingress = to_node ? PICK(r, ((const uint32_t[]){ 0, 0, 1, EARTH_IF })) : 0;
	fp->knows_seq = false;
}

/* Bytes broken on purpose, after a generator: any frame may get them. */
static void mutate(struct fz *z)
{
	struct fz_pkt *fp = &z->cur;
	struct rng *r = &z->rng;
	struct pkt *p = &fp->p;
	int n = 1 + (int)below(r, 2);
	uint32_t hdrs;

	fp->mutated = true;
	fp->advance = false;
	for (int k = 0; k < n; k++) {
		switch (below(r, 10)) {
		case 0: /* truncated: any header cut anywhere (never below Ethernet) */
			if (p->len > 14)
				p->len = 14 + below(r, (uint32_t)(p->len - 14));
			break;
		case 1: /* flipped bytes in the headers */
			hdrs = (uint32_t)(p->len - 14 < 80 ? p->len - 14 : 80);
			for (int b = 0, m = 1 + (int)below(r, 3); b < m && hdrs; b++)
				p->buf[14 + below(r, hdrs)] ^= (uint8_t)(1 + below(r, 255));
			break;
		case 2: /* IHL */
			if (p->len > 14)
				p->buf[14] = (p->buf[14] & 0xf0) | (uint8_t)below(r, 16);
			break;
		case 3: /* version */
			if (p->len > 14)
				p->buf[14] = (uint8_t)(below(r, 16) << 4) | (p->buf[14] & 0x0f);
			break;
		case 4: /* total length */
			if (p->len >= 18)
				put16(p->buf + 16,
				      chance(r, 50) ? (uint16_t)rnd32(r) :
						      (uint16_t)(p->len - 14 + below(r, 9) - 4));
			break;
		case 5: /* padding after the datagram */
			while (p->len < PKT_MAX && below(r, 40))
				p->buf[p->len++] = (uint8_t)rnd32(r);
			break;
		case 6: /* TTL */
			if (p->len > 22)
				p->buf[22] = (uint8_t)below(r, 3);
			break;
		case 7: /* fragment bits and offset */
			if (p->len > 21)
				put16(p->buf + 20, (uint16_t)rnd32(r));
			break;
		case 8: /* protocol */
			if (p->len > 23)
				p->buf[23] = PICK(r, ((const uint8_t[]){ 6, 17, 1, 47, 0 }));
			break;
		default: /* EtherType */
			put16(p->buf + 12,
			      PICK(r, ((const uint16_t[]){ 0x8100, 0x86dd, 0x0806, 0x0800 })));
			break;
		}
	}
	if (chance(r, 50))
		fix_ip_csum(p);
	if (chance(r, 40))
		fix_l4_csum(p);
}

static void gen_packet(struct fz *z)
{
	struct fz_pkt *fp = &z->cur;
	uint32_t w = below(&z->rng, 100);

	memset(fp, 0, offsetof(struct fz_pkt, p));
	fp->p.len = 0;
	fp->live = -1;
	fp->gen = "none";
	if (w < 14)
		gen_live(z, true);
	else if (w < 22)
		gen_live(z, false);
	else if (w < 36)
		gen_uplink_scan(z);
	else if (w < 44)
		gen_uplink_icmp_error(z);
	else if (w < 49)
		gen_frag(z, true);
	else if (w < 52)
		gen_layer2(z, true);
	else if (w < 66)
		gen_node_new(z);
	else if (w < 78)
		gen_node_lab(z);
	else if (w < 82)
		gen_frag(z, false);
	else if (w < 87)
		gen_node_icmp(z);
	else if (w < 92)
		gen_layer2(z, false);
	else
		gen_host(z);
	if (!fp->p.len) /* a live flow that is not open at the moment */
		gen_uplink_scan(z);
	if (chance(&z->rng, 20))
		mutate(z);
}

/* ------------------------------------------------------------ setup */

static void fwd_write(struct fz *z, const struct fz_fwd *f, uint32_t node, uint16_t node_port)
{
	const struct topo_node *n = node_by_ip(node);
	struct nsb_fwd_key k = {
		.host_addr = htonl(f->host_addr),
		.port = htons(f->port),
		.proto = f->proto,
	};
	struct nsb_fwd_val v = {
		.node_addr = htonl(node),
		.node_port = htons(node_port),
		.first_port = htons(f->port),
		.count = 1,
		.ifindex = n ? rt_of(n)->ifindex : 0,
	};

	cr_assert(!st_forward_put(&z->env, &k, &v, BPF_ANY), "forwards: %s", strerror(errno));
}

/* `nsbpf forward del/add` between two frames: a forward goes, comes back, or moves. */
static void fwd_churn(struct fz *z)
{
	struct rng *r = &z->rng;
	const struct fz_fwd *f = &fwds[below(r, N(fwds))];
	struct nsb_fwd_key k = {
		.host_addr = htonl(f->host_addr),
		.port = htons(f->port),
		.proto = f->proto,
	};

	if (!fwd_churnable(f))
		return;
	z->churns++;
	switch (below(r, 3)) {
	case 0:
		st_forward_del(&z->env, &k);
		break;
	case 1:
		fwd_write(z, f, f->node_addr, f->node_port);
		break;
	default:
		fwd_write(z, f, lab_masq.topo->nodes[below(r, (uint32_t)lab_masq.topo->n_nodes)].ip,
			  (uint16_t)(f->node_port + below(r, 2)));
		break;
	}
	st_forwards_changed(&z->env); /* as the CLI does after the change */
}

static void install(struct fz *z)
{
	struct nsb_config cfg = {
		.layout = NSB_LAYOUT_VERSION,
		.uplink_ifindex = z->uplink_if,
		.uplink_addr = htonl(UPLINK_IP),
		.snat_port_min = FZ_PORT_MIN,
		.snat_port_max = FZ_PORT_MAX,
		.tmo_tcp_syn = FZ_TMO_NS,
		.tmo_tcp_est = FZ_TMO_NS,
		.tmo_tcp_closing = FZ_TMO_NS,
		.tmo_tcp_closed = FZ_TMO_NS,
		.tmo_udp_new = FZ_TMO_NS,
		.tmo_udp = FZ_TMO_NS,
		.tmo_icmp = FZ_TMO_NS,
	};
	static const uint32_t host_addrs[] = { HOST_IP, UPLINK_IP };
	__u32 zero = 0;
	__u8 one = 1;
	int err;

	err = test_lab_install(&lab_masq, z->env.endpoints_fd, z->env.networks_fd);
	cr_assert(err == 0, "install lab %s: %s", lab_masq.topo->name, strerror(-err));
	cr_assert(!bpf_map_update_elem(z->env.config_fd, &zero, &cfg, BPF_ANY), "config: %s",
		  strerror(errno));
	for (int i = 0; i < N(host_addrs); i++) {
		__be32 a = htonl(host_addrs[i]);

		cr_assert(!bpf_map_update_elem(z->env.host_addrs_fd, &a, &one, BPF_ANY),
			  "host_addrs: %s", strerror(errno));
	}
	st_addr_filter(&z->env);
	for (int i = 0; i < N(fwds); i++)
		fwd_write(z, &fwds[i], fwds[i].node_addr, fwds[i].node_port);
}

/* Empty the flow tables and open the live flows again: no LRU eviction, ever. */
static void epoch(struct fz *z)
{
	map_clear(z->env.ct_fd, sizeof(struct nsb_ct_key));
	map_clear(z->env.nat_ports_fd, sizeof(struct nsb_nat_key));
	map_clear(z->env.frags_fd, sizeof(struct nsb_frag_key));
	z->ct_bound = 0;
	z->epochs++;
	for (int i = 0; i < NLIVE; i++)
		z->live[i].alive = false;
	z->retry = 0;
	z->fresh = true;
	for (int i = 0; i < NLIVE; i++)
		live_open(z, i);
	z->fresh = false;
	reopen_pending(z, false);
}

static bool env_u64(const char *name, uint64_t *v)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	cr_assert(!errno && !*end, "%s=%s: not a number", name, s);
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void summary(const struct fz *z, double secs)
{
	static const char *const vname[] = { "ok", "shot", "redirect", "next" };

	fprintf(stderr,
		"fuzz: seed 0x%016" PRIx64 ": %" PRIu64 " frames in %.2f s (%.0f frames/s)"
		", %" PRIu64 " table resets, %" PRIu64 " forward changes, %" PRIu64 " live flows "
		"closed and opened again (%" PRIu64 " openings refused, retried), %" PRIu64
		" refused by the kernel\n",
		z->seed, z->idx, secs, secs > 0 ? z->idx / secs : 0.0, z->epochs, z->churns,
		z->reopened, z->postponed, z->refused);
	for (int h = 0; h < H_MAX; h++) {
		fprintf(stderr, "fuzz:   %-11s", hook_name[h]);
		for (int v = 0; v < 4; v++)
			fprintf(stderr, " %s %" PRIu64, vname[v], z->verdicts[h][v]);
		fputc('\n', stderr);
	}
	fprintf(stderr, "fuzz:   emitted frames with checksums verified: %" PRIu64 "\n",
		z->csum_checked);
	fprintf(stderr, "fuzz:   paths and drops:");
	for (int s = 0; s < NSB_STAT_MAX; s++)
		if (z->slots[s])
			fprintf(stderr, " %s %" PRIu64, st_slot_name(s), z->slots[s]);
	fprintf(stderr, " (host's, untraced) %" PRIu64 "\n", z->untraced);
}

Test(fuzz, datapath)
{
	uint64_t pkts = 0, secs = 0;
	bool has_pkts = env_u64("FUZZ_PACKETS", &pkts), has_secs = env_u64("FUZZ_SECONDS", &secs);
	struct fz *z;
	double t0, t;

	if (!has_pkts && !has_secs)
		cr_skip_test("a fuzzer: run it with make fuzz (FUZZ_SECONDS or FUZZ_PACKETS set)");
	z = calloc(1, sizeof(*z));
	cr_assert(z, "calloc");
	if (!env_u64("FUZZ_SEED", &z->seed))
		cr_assert(getrandom(&z->seed, sizeof(z->seed), 0) == sizeof(z->seed), "getrandom");
	z->rng.s = z->seed;
	z->max_pkts = has_pkts ? pkts : FZ_DEFAULT_PACKETS;
	z->max_secs = has_secs ? (double)secs : FZ_DEFAULT_SECONDS;
	fprintf(stderr, "fuzz: seed 0x%016" PRIx64 ", up to %" PRIu64 " frames or %.0f s\n",
		z->seed, z->max_pkts, z->max_secs);

	z->uplink_if = (uint32_t)st_uplink();
	st_setup(&z->env, true);
	install(z);
	/* the collector, armed as `up` arms it: it must never take a live flow */
	cr_assert(st_gc(&z->env) == 0, "run the ct collector");
	t0 = now_s();
	epoch(z);
	z->epochs = 0;
	while (z->idx < z->max_pkts) {
		if ((z->idx & 255) == 0 && now_s() - t0 >= z->max_secs)
			break;
		/* at most two new ct entries a frame (hairpin); count them when it may be many */
		z->ct_bound += 2;
		if (z->ct_bound >= FZ_CT_HIGH) {
			int n = map_count(z->env.ct_fd, sizeof(struct nsb_ct_key));

			if (n >= FZ_CT_HIGH / 2)
				epoch(z);
			else
				z->ct_bound = (uint64_t)n;
		}
		if (!below(&z->rng, 500))
			fwd_churn(z);
		gen_packet(z);
		if (run_checked(z) != TC_ACT_SHOT && z->cur.advance) {
			struct live *l = &z->live[z->cur.live];

			if (l->alive)
				l->s[z->cur.end].nxt += z->cur.adv;
		}
		reopen_pending(z, (z->idx & 1023) == 0);
	}
	t = now_s() - t0;
	summary(z, t);
	st_close(&z->env);
	free(z);
}
