// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The libyaml side of the topology: load the document tree and walk it into
 * struct topo, one table of known keys per level. This file checks what one
 * value says on its own (types, syntax, names); anything that compares two
 * values is left to topo_check.c. libyaml keeps duplicate mapping keys, so the
 * walk refuses them itself.
 *
 * Over 400 lines on purpose: the file format reads here top to bottom, one
 * section per level, and every section uses the walk's helpers, which stay
 * static to it rather than becoming a second internal header.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "nsbpf_maps.h"
#include "topo/topo_internal.h"
#include "util/strmap.h"

#define WHO_MAX	   (TOPO_NAME_MAX + 32)
#define FIELDS_MAX 10
#define HINT_MAX   (TOPO_NAME_MAX + 32)

struct walk {
	struct topo_ctx *c;
	yaml_document_t *doc;
	const char *who;	  /* message prefix: "" or "node \"earth\": " */
	const char *key;	  /* the key being parsed, for messages */
	int idx;		  /* the network, node or forward being filled */
	int sub;		  /* the route of network idx being filled */
	int leg;		  /* the node's interfaces item being filled */
	struct topo_netem *netem; /* the netem: being filled */
	bool entry_ok;		  /* the entry was a mapping (or empty) */
	const char *hinted;	  /* the last key a typo stood for */
};

struct field {
	const char *key;
	void (*parse)(struct walk *w, yaml_node_t *val);
	bool required;
};

static struct topo_mark mark_of(const yaml_node_t *n)
{
	return (struct topo_mark){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

static const char *str_of(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static yaml_node_t *node_at(struct walk *w, int i)
{
	return yaml_document_get_node(w->doc, i);
}

/* Plain "", "~" or "null": YAML's way of writing nothing. */
static bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = str_of(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static const char *kind_of(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return is_null(n) ? "nothing" : "a scalar";
}

static bool want_type(struct walk *w, yaml_node_t *n, yaml_node_type_t type, const char *what)
{
	if (n->type == type)
		return true;
	topo_err(w->c, mark_of(n), "%s%s: expected %s, got %s", w->who, w->key, what, kind_of(n));
	return false;
}

static const char *want_scalar(struct walk *w, yaml_node_t *n)
{
	return want_type(w, n, YAML_SCALAR_NODE, "a scalar") ? str_of(n) : NULL;
}

static char *dup_str(struct walk *w, const char *s)
{
	char *d = strdup(s);

	if (!d)
		w->c->err = -ENOMEM;
	return d;
}

/* ---- mappings ---- */

/*
 * The key of pair p of map as a string, or NULL when it is not a scalar or
 * repeats an earlier key of the same mapping (both reported; what names the
 * key's role). seen holds the keys before p: a hash, as a mapping of 60,000
 * nodes would take seconds pair by pair.
 */
static const char *pair_key(struct walk *w, yaml_node_t *map, struct strmap *seen,
			    yaml_node_pair_t *p, const char *what)
{
	yaml_node_t *k = node_at(w, p->key);
	struct topo_mark first;
	size_t prev;
	int err;

	if (k->type != YAML_SCALAR_NODE) {
		topo_err(w->c, mark_of(k), "%skeys must be scalars, got %s", w->who, kind_of(k));
		return NULL;
	}
	err = strmap_add(seen, str_of(k), (size_t)(p - map->data.mapping.pairs.start), &prev);
	if (err == -EEXIST) {
		first = mark_of(node_at(w, map->data.mapping.pairs.start[prev].key));
		topo_err(w->c, mark_of(k), "%sduplicate %s \"%s\" (first defined at %d:%d)", w->who,
			 what, str_of(k), first.line, first.col);
		return NULL;
	}
	if (err)
		w->c->err = err;
	return err ? NULL : str_of(k);
}

static void unknown_key(struct walk *w, yaml_node_t *k, const struct field *fields, bool *hinted)
{
	char hint[HINT_MAX], list[FIELDS_MAX * 16] = "";
	const char *key = str_of(k);
	struct hint h;
	int i;

	hint_init(&h, key);
	for (i = 0; fields[i].key; i++) {
		hint_try(&h, fields[i].key);
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 fields[i].key);
	}
	for (i = 0; h.best && fields[i].key; i++)
		if (fields[i].key == h.best)
			hinted[i] = true; /* the typo stands for it: no "missing" too */
	w->hinted = h.best;
	if (h.best)
		topo_err(w->c, mark_of(k), "%sunknown key \"%s\"%s", w->who, key,
			 hint_str(&h, hint, sizeof(hint)));
	else
		topo_err(w->c, mark_of(k), "%sunknown key \"%s\" (expected one of: %s)%s", w->who,
			 key, list, strcmp(key, "<<") ? "" : "; YAML merge keys are not supported");
}

static int field_find(const struct field *fields, const char *key)
{
	int i;

	for (i = 0; fields[i].key; i++)
		if (!strcmp(fields[i].key, key))
			return i;
	return -1;
}

/* Keys that stand in for a required one: a network has a subnet, a subnet6 or both. */
static const struct {
	const char *key, *for_key;
} alt_keys[] = { { "subnet6", "subnet" } };

/* Does a key that stands in for required key i appear? */
static bool alt_seen(const struct field *fields, const bool *seen, int i)
{
	for (size_t a = 0; a < sizeof(alt_keys) / sizeof(alt_keys[0]); a++) {
		int j = field_find(fields, alt_keys[a].key);

		if (j >= 0 && seen[j] && !strcmp(alt_keys[a].for_key, fields[i].key))
			return true;
	}
	return false;
}

/* Walk a mapping of known keys; map NULL stands for an empty one. */
static void walk_fields(struct walk *w, yaml_node_t *map, const struct field *fields,
			struct topo_mark where)
{
	bool seen[FIELDS_MAX] = { 0 }, hinted[FIELDS_MAX] = { 0 };
	yaml_node_pair_t *p = NULL, *end = NULL;
	struct strmap keys = { 0 };
	yaml_node_t *val;
	const char *key;
	int i;

	if (map) {
		p = map->data.mapping.pairs.start;
		end = map->data.mapping.pairs.top;
	}
	for (; p < end; p++) {
		key = pair_key(w, map, &keys, p, "key");
		if (!key)
			continue;
		i = field_find(fields, key);
		if (i < 0) {
			unknown_key(w, node_at(w, p->key), fields, hinted);
			continue;
		}
		seen[i] = true;
		val = node_at(w, p->value);
		if (is_null(val)) { /* an optional key left empty keeps its default */
			if (fields[i].required)
				topo_err(w->c, mark_of(val), "%skey \"%s\" has no value", w->who,
					 key);
			continue;
		}
		w->key = fields[i].key;
		fields[i].parse(w, val);
	}
	strmap_free(&keys);
	for (i = 0; fields[i].key; i++)
		if (fields[i].required && !seen[i] && !hinted[i] && !alt_seen(fields, seen, i))
			topo_err(w->c, where, "%smissing required key \"%s\"", w->who,
				 fields[i].key);
}

/*
 * A mapping whose keys are names (networks, nodes): add each entry, up to
 * the section's limit. topo_yaml_limits() counted them already, but an
 * alias can stand for a mapping it did not count. false when the walk
 * stopped at the limit: names may point at entries it never read.
 */
static bool walk_named(struct walk *w, yaml_node_t *map, const struct topo_section *sec,
		       void (*add)(struct walk *w, yaml_node_t *k, yaml_node_t *v))
{
	struct strmap seen = { 0 };
	yaml_node_pair_t *p;
	yaml_node_t *k;
	size_t n = 0;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		if (!pair_key(w, map, &seen, p, sec->what))
			continue;
		k = node_at(w, p->key);
		if (n++ == sec->limit) {
			topo_err_too_many(w->c, mark_of(k), sec, str_of(k));
			break;
		}
		add(w, k, node_at(w, p->value));
	}
	strmap_free(&seen);
	return n <= sec->limit;
}

/* An entry's own mapping: NULL (written "earth:") for empty, or reported. */
static bool entry_map(struct walk *w, yaml_node_t *v, yaml_node_t **map)
{
	*map = NULL;
	if (is_null(v))
		return true;
	if (v->type == YAML_MAPPING_NODE) {
		*map = v;
		return true;
	}
	topo_err(w->c, mark_of(v), "%sexpected a mapping, got %s", w->who, kind_of(v));
	return false;
}

/* Names of labs, networks, nodes. */
static bool check_name(struct walk *w, yaml_node_t *n, const char *what)
{
	const char *s = str_of(n);
	size_t len = strlen(s);

	if (len >= TOPO_NAME_MAX) {
		topo_err(w->c, mark_of(n),
			 "%s name \"%.20s...\" is too long (%zu characters, the limit is %d)", what,
			 s, len, TOPO_NAME_MAX - 1);
		return false;
	}
	if (topo_parse_name(s)) {
		topo_err(
			w->c, mark_of(n),
			"%s name \"%s\" is not valid: use a-z, 0-9 and '-', starting and ending with a letter or digit",
			what, s);
		return false;
	}
	return true;
}

static void copy_name(char *dst, const char *s)
{
	snprintf(dst, TOPO_NAME_MAX, "%s", s); /* too long was reported: keep a prefix */
}

static bool want_ipv4(struct walk *w, yaml_node_t *v, uint32_t *ip)
{
	const char *s = want_scalar(w, v);

	if (!s)
		return false;
	if (!topo_parse_ipv4(s, ip))
		return true;
	topo_err(w->c, mark_of(v), "%s%s \"%s\" is not an IPv4 address (expected a.b.c.d%s)",
		 w->who, w->key, s, strchr(s, '/') ? ", without a prefix length" : "");
	return false;
}

/* The fields of entry i, named k, what "network" or "node": messages say whose. */
static void walk_entry(struct walk *w, int i, yaml_node_t *k, yaml_node_t *v, const char *what,
		       const struct field *fields)
{
	char who[WHO_MAX];
	yaml_node_t *map;

	snprintf(who, sizeof(who), "%s \"%s\": ", what, str_of(k));
	w->who = who;
	w->idx = i;
	w->hinted = NULL;
	w->entry_ok = entry_map(w, v, &map);
	if (w->entry_ok)
		walk_fields(w, map, fields, mark_of(k));
	w->who = "";
}

/* ---- networks ---- */

/* A subnet a.b.c.d/n, n 1..30, no host bits, unicast; tiny: why /31 and /32 do not do. */
static bool want_subnet(struct walk *w, yaml_node_t *v, uint32_t *addr, int *len, const char *tiny)
{
	char ip[TOPO_IPSTR];
	const char *s = want_scalar(w, v), *special;
	uint32_t block;
	int block_len;

	if (!s)
		return false;
	if (topo_ipv4_prefix(s, addr, len)) {
		topo_err(w->c, mark_of(v),
			 "%ssubnet \"%s\" is not an IPv4 subnet (expected a.b.c.d/n)", w->who, s);
		return false;
	}
	if (*len < 1 || *len > 30) {
		topo_err(
			w->c, mark_of(v),
			"%ssubnet \"%s\": the prefix length must be 1 to 30 (a /31 or /32 has no room for %s)",
			w->who, s, tiny);
		return false;
	}
	if (*addr & ~topo_mask(*len)) {
		topo_err(w->c, mark_of(v),
			 "%ssubnet \"%s\" has host bits set (did you mean \"%s/%d\"?)", w->who, s,
			 topo_ip_str(*addr & topo_mask(*len), ip), *len);
		return false;
	}
	special = topo_special_block(*addr, *len, &block, &block_len);
	if (special) {
		topo_err(
			w->c, mark_of(v),
			"%ssubnet %s %s %s/%d (%s): a lab subnet must be unicast space outside 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 and 240.0.0.0/4",
			w->who, s, *len >= block_len ? "is inside" : "contains",
			topo_ip_str(block, ip), block_len, special);
		return false;
	}
	return true;
}

static void net_subnet(struct walk *w, yaml_node_t *v)
{
	struct topo_network *net = &w->c->t->networks[w->idx];
	struct topo_net_src *src = &w->c->nets[w->idx];
	uint32_t addr;
	int len;

	src->subnet_mark = net->subnet_mark = mark_of(v);
	if (!want_subnet(w, v, &addr, &len, "a gateway and a node"))
		return;
	net->subnet = addr;
	net->prefix = (uint8_t)len;
	src->subnet_ok = true;
}

static void net_gateway(struct walk *w, yaml_node_t *v)
{
	struct topo_net_src *src = &w->c->nets[w->idx];

	src->gateway_given = true;
	src->gateway_mark = w->c->t->networks[w->idx].gateway_mark = mark_of(v);
	src->gateway_ok = want_ipv4(w, v, &w->c->t->networks[w->idx].gateway);
}

static void net_masquerade(struct walk *w, yaml_node_t *v)
{
	const char *s = want_scalar(w, v);
	bool plain;

	if (!s)
		return;
	plain = v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; /* quoted is a string */
	if (plain && (!strcmp(s, "true") || !strcmp(s, "false"))) {
		w->c->t->networks[w->idx].masquerade = s[0] == 't';
		return;
	}
	if (!plain)
		topo_err(
			w->c, mark_of(v),
			"%smasquerade \"%s\" is a quoted string: write true or false without quotes",
			w->who, s);
	else
		topo_err(
			w->c, mark_of(v),
			"%smasquerade \"%s\" is not a boolean: write true or false (yes/no/on/off are not accepted)",
			w->who, s);
}

static void net_reach(struct walk *w, yaml_node_t *v)
{
	struct topo_net_src *src = &w->c->nets[w->idx];
	yaml_node_item_t *it;
	yaml_node_t *item;
	size_t n;

	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of network names"))
		return;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	src->reach = calloc(n ? n : 1, sizeof(*src->reach));
	if (!src->reach) {
		w->c->err = -ENOMEM;
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		item = node_at(w, *it);
		if (!want_scalar(w, item))
			continue;
		src->reach[src->n_reach].mark = mark_of(item);
		src->reach[src->n_reach++].name = dup_str(w, str_of(item));
	}
}

/* ---- networks: routes ---- */

/*
 * A prefix of networks.N.routes or .remote (what: "a routed prefix", "a
 * remote subnet"): no host bits, and unicast space. False: reported.
 */
static bool net_prefix_usable(struct walk *w, yaml_node_t *v, const char *s, uint32_t addr, int len,
			      const char *what)
{
	char ip[TOPO_IPSTR];
	uint32_t block;
	int block_len;
	const char *special;

	if (addr & ~topo_mask(len)) {
		topo_err(w->c, mark_of(v),
			 "%sto \"%s\" has host bits set (did you mean \"%s/%d\"?)", w->who, s,
			 topo_ip_str(addr & topo_mask(len), ip), len);
		return false;
	}
	special = topo_special_block(addr, len, &block, &block_len);
	if (special) {
		topo_err(
			w->c, mark_of(v),
			"%sto %s %s %s/%d (%s): %s must be unicast space outside 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 and 240.0.0.0/4",
			w->who, s, len >= block_len ? "is inside" : "contains",
			topo_ip_str(block, ip), block_len, special, what);
		return false;
	}
	return true;
}

static void net_route_to(struct walk *w, yaml_node_t *v)
{
	struct topo_net_route *r = &w->c->t->networks[w->idx].routes[w->sub];
	const char *s = want_scalar(w, v);
	uint32_t addr;
	int len;

	r->to_mark = mark_of(v);
	if (!s)
		return;
	if (!strcmp(s, "default") || (!topo_ipv4_prefix(s, &addr, &len) && !len)) {
		topo_err(
			w->c, mark_of(v),
			"%sto %s: a default route cannot be routed to a node (the lab's way out is the uplink, with masquerade)",
			w->who, s);
		return;
	}
	if (topo_ipv4_prefix(s, &addr, &len)) {
		topo_err(w->c, mark_of(v), "%sto \"%s\" is not an IPv4 prefix (expected a.b.c.d/n)",
			 w->who, s);
		return;
	}
	if (!net_prefix_usable(w, v, s, addr, len, "a routed prefix"))
		return;
	r->prefix = addr;
	r->len = (uint8_t)len;
	w->c->nets[w->idx].routes[w->sub].to_ok = true;
}

static void net_route_via(struct walk *w, yaml_node_t *v)
{
	struct topo_net_route_src *src = &w->c->nets[w->idx].routes[w->sub];

	if (!want_scalar(w, v))
		return;
	src->via.mark = mark_of(v);
	src->via.name = dup_str(w, str_of(v));
}

static const struct field net_route_fields[] = {
	{ "to", net_route_to, true },
	{ "via", net_route_via, true },
	{ NULL },
};

static void net_routes(struct walk *w, yaml_node_t *v)
{
	struct topo_network *net = &w->c->t->networks[w->idx];
	struct topo_net_src *src = &w->c->nets[w->idx];
	const char *who = w->who;
	char rwho[WHO_MAX + 16];
	yaml_node_item_t *it;
	yaml_node_t *item;
	size_t n;

	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of {to: PREFIX, via: NODE}"))
		return;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	net->routes = calloc(n ? n : 1, sizeof(*net->routes));
	src->routes = calloc(n ? n : 1, sizeof(*src->routes));
	if (!net->routes || !src->routes) {
		w->c->err = -ENOMEM;
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		item = node_at(w, *it);
		snprintf(rwho, sizeof(rwho), "%sroute %zu: ", who,
			 (size_t)(it - v->data.sequence.items.start) + 1);
		w->who = rwho;
		if (item->type != YAML_MAPPING_NODE) {
			topo_err(w->c, mark_of(item),
				 "%sexpected a mapping with to and via, got %s", w->who,
				 kind_of(item));
			continue;
		}
		w->sub = (int)net->n_routes++;
		net->routes[w->sub].mark = mark_of(item);
		net->routes[w->sub].via = -1;
		walk_fields(w, item, net_route_fields, mark_of(item));
	}
	w->who = who;
}

/* ---- networks: remote (topo_check_route.c checks them against the rest) ---- */

static void net_remote_to(struct walk *w, yaml_node_t *v)
{
	struct topo_net_remote *r = &w->c->t->networks[w->idx].remotes[w->sub];
	const char *s = want_scalar(w, v);
	uint32_t addr;
	int len;

	r->to_mark = mark_of(v);
	if (!s)
		return;
	if (topo_ipv4_prefix(s, &addr, &len) || !len) {
		topo_err(w->c, mark_of(v),
			 "%sto \"%s\" is not an IPv4 subnet (expected a.b.c.d/n, n 1..32)", w->who,
			 s);
		return;
	}
	if (!net_prefix_usable(w, v, s, addr, len, "a remote subnet"))
		return;
	r->prefix = addr;
	r->len = (uint8_t)len;
}

static void net_remote_via(struct walk *w, yaml_node_t *v)
{
	struct topo_net_remote *r = &w->c->t->networks[w->idx].remotes[w->sub];
	const char *s = want_scalar(w, v);

	r->via_mark = mark_of(v);
	if (s && (topo_parse_ipv4(s, &r->via) || !r->via))
		topo_err(w->c, mark_of(v),
			 "%svia \"%s\" is not an IPv4 address (the next hop, on the uplink's link)",
			 w->who, s);
}

static const struct field net_remote_fields[] = {
	{ "to", net_remote_to, true },
	{ "via", net_remote_via, true },
	{ NULL },
};

static void net_remote(struct walk *w, yaml_node_t *v)
{
	struct topo_network *net = &w->c->t->networks[w->idx];
	const char *who = w->who;
	char rwho[WHO_MAX + 16];
	yaml_node_item_t *it;
	yaml_node_t *item;
	size_t n;

	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of {to: SUBNET, via: ADDRESS}"))
		return;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	net->remotes = calloc(n ? n : 1, sizeof(*net->remotes));
	if (!net->remotes) {
		w->c->err = -ENOMEM;
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		item = node_at(w, *it);
		snprintf(rwho, sizeof(rwho), "%sremote %zu: ", who,
			 (size_t)(it - v->data.sequence.items.start) + 1);
		w->who = rwho;
		if (item->type != YAML_MAPPING_NODE) {
			topo_err(w->c, mark_of(item),
				 "%sexpected a mapping with to and via, got %s", w->who,
				 kind_of(item));
			continue;
		}
		w->sub = (int)net->n_remotes++;
		net->remotes[w->sub].mark = mark_of(item);
		walk_fields(w, item, net_remote_fields, mark_of(item));
	}
	w->who = who;
}

/* ---- networks: IPv6 (topo_check6.c checks them against the rest) ---- */

static bool want_ipv6(struct walk *w, yaml_node_t *v, struct in6_addr *a)
{
	const char *s = want_scalar(w, v);

	if (!s)
		return false;
	if (!topo_parse_ipv6(s, a))
		return true;
	topo_err(w->c, mark_of(v),
		 "%s%s \"%s\" is not an IPv6 address (expected one like fd00::10%s)", w->who,
		 w->key, s,
		 strchr(s, '/') ? ", without a prefix length" :
		 strchr(s, '%') ? ", without a zone" :
				  "");
	return false;
}

/* A subnet6 x::/n, n 48..126, no host bits, outside the special blocks. */
static bool want_subnet6(struct walk *w, yaml_node_t *v, struct in6_addr *out, int *out_len,
			 const char *room)
{
	char a[TOPO_IP6STR], b[TOPO_IP6STR];
	const char *s = want_scalar(w, v), *special;
	struct in6_addr addr, block;
	int len, block_len;

	if (!s)
		return false;
	if (topo_ipv6_prefix(s, &addr, &len)) {
		topo_err(w->c, mark_of(v),
			 "%ssubnet6 \"%s\" is not an IPv6 subnet (expected one like fd00:10::/64)",
			 w->who, s);
		return false;
	}
	if (len < 48 || len > 126) {
		topo_err(
			w->c, mark_of(v),
			"%ssubnet6 \"%s\": the prefix length must be 48 to 126 (a /127 or /128 has no room for %s)",
			w->who, s, room);
		return false;
	}
	if (topo_host_bits6(&addr, len)) {
		block = topo_mask6(&addr, len);
		topo_err(w->c, mark_of(v),
			 "%ssubnet6 \"%s\" has host bits set (did you mean \"%s/%d\"?)", w->who, s,
			 topo_ip6_str(&block, a), len);
		return false;
	}
	special = topo_special_block6(&addr, len, &block, &block_len);
	if (special) {
		topo_err(
			w->c, mark_of(v),
			"%ssubnet6 %s %s %s/%d (%s): a lab subnet6 must be unicast space outside ::/128, ::1/128, ::ffff:0:0/96, fe80::/10 and ff00::/8",
			w->who, s, len >= block_len ? "is inside" : "contains",
			topo_ip6_str(&block, b), block_len, special);
		return false;
	}
	*out = addr;
	*out_len = len;
	return true;
}

static void net_subnet6(struct walk *w, yaml_node_t *v)
{
	struct topo_network *net = &w->c->t->networks[w->idx];
	struct topo_net_src *src = &w->c->nets[w->idx];
	struct in6_addr addr;
	int len;

	src->subnet6_given = true;
	net->subnet6_mark = mark_of(v);
	if (!want_subnet6(w, v, &addr, &len, "a gateway and a node"))
		return;
	net->subnet6 = addr;
	net->prefix6 = (uint8_t)len;
	src->subnet6_ok = true;
}

static void net_gateway6(struct walk *w, yaml_node_t *v)
{
	struct topo_net_src *src = &w->c->nets[w->idx];

	src->gateway6_given = true;
	src->gateway6_mark = mark_of(v);
	src->gateway6_ok = want_ipv6(w, v, &w->c->t->networks[w->idx].gateway6);
}

static const struct field network_fields[] = {
	{ "subnet", net_subnet, true },
	{ "subnet6", net_subnet6, false },
	{ "gateway6", net_gateway6, false },
	{ "gateway", net_gateway, false },
	{ "masquerade", net_masquerade, false },
	{ "reach", net_reach, false },
	{ "routes", net_routes, false },
	{ "remote", net_remote, false },
	{ NULL },
};

static void add_network(struct walk *w, yaml_node_t *k, yaml_node_t *v)
{
	int i = topo_add_network(w->c);

	if (i < 0) {
		w->c->err = i;
		return;
	}
	copy_name(w->c->t->networks[i].name, str_of(k));
	w->c->t->networks[i].mark = mark_of(k);
	w->c->nets[i].name_ok = check_name(w, k, "network");
	walk_entry(w, i, k, v, "network", network_fields);
}

/* ---- nodes ---- */

static void node_network(struct walk *w, yaml_node_t *v)
{
	struct topo_node_src *src = &w->c->nodes[w->idx];

	if (!want_scalar(w, v))
		return;
	src->network.mark = mark_of(v);
	src->network.name = dup_str(w, str_of(v));
}

static void node_ip6(struct walk *w, yaml_node_t *v)
{
	struct topo_node_src *src = &w->c->nodes[w->idx];

	src->ip6_given = true;
	src->ip6_mark = mark_of(v);
	src->ip6_ok = want_ipv6(w, v, &w->c->t->nodes[w->idx].ip6);
}

static void node_ip(struct walk *w, yaml_node_t *v)
{
	struct topo_node_src *src = &w->c->nodes[w->idx];

	src->ip_given = true;
	src->ip_mark = mark_of(v);
	src->ip_ok = want_ipv4(w, v, &w->c->t->nodes[w->idx].ip);
}

/* One command of exec: a non-empty string, or reported. */
static bool exec_item_ok(struct walk *w, yaml_node_t *item, size_t nr)
{
	const char *hint = "";

	if (item->type == YAML_SCALAR_NODE && *str_of(item))
		return true;
	if (item->type == YAML_SCALAR_NODE) {
		topo_err(w->c, mark_of(item), "%sexec item %zu is empty", w->who, nr);
		return false;
	}
	if (item->type == YAML_MAPPING_NODE) /* "- echo a: b" is a mapping to YAML */
		hint = " (quote a command that contains \": \")";
	topo_err(w->c, mark_of(item), "%sexec item %zu: expected a command string, got %s%s",
		 w->who, nr, kind_of(item), hint);
	return false;
}

static void node_exec(struct walk *w, yaml_node_t *v)
{
	struct topo_node *node = &w->c->t->nodes[w->idx];
	yaml_node_item_t *it;
	yaml_node_t *item;
	size_t n;

	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of commands"))
		return;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	node->exec = calloc(n ? n : 1, sizeof(*node->exec));
	if (!node->exec) {
		w->c->err = -ENOMEM;
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		item = node_at(w, *it);
		if (!exec_item_ok(w, item, (size_t)(it - v->data.sequence.items.start) + 1))
			continue;
		node->exec[node->n_exec] = dup_str(w, str_of(item));
		if (node->exec[node->n_exec])
			node->n_exec++;
	}
}

static void node_forwarding(struct walk *w, yaml_node_t *v)
{
	const char *s = want_scalar(w, v);
	bool plain;

	if (!s)
		return;
	plain = v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; /* quoted is a string */
	if (plain && (!strcmp(s, "true") || !strcmp(s, "false")))
		w->c->t->nodes[w->idx].forwarding = s[0] == 't';
	else
		topo_err(
			w->c, mark_of(v),
			"%sforwarding \"%s\" is not a boolean: write true or false without quotes (yes/no/on/off are not accepted)",
			w->who, s);
}

/* ---- node legs, routes, netem; links (topo_check_legs.c checks them) ---- */

/* Messages past TOPO_MSGS_MAX are counted: this tells whether an item added any. */
static size_t msgs_seen(const struct topo_ctx *c)
{
	return c->n_msgs + c->n_dropped;
}

static size_t items_of(const yaml_node_t *v)
{
	return (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
}

/* The walk of each item of list v, a mapping of fields, with who "PREFIX ITEM N: ". */
static void walk_items(struct walk *w, yaml_node_t *v, const char *item_what,
		       const struct field *fields,
		       void (*done)(struct walk *w, size_t k, yaml_node_t *item, bool ok))
{
	const char *outer = w->who;
	char who[2 * WHO_MAX];
	yaml_node_t *item;
	size_t k, before;

	for (k = 0; k < items_of(v); k++) {
		item = node_at(w, v->data.sequence.items.start[k]);
		snprintf(who, sizeof(who), "%s%s %zu: ", outer, item_what, k + 1);
		w->who = who;
		w->leg = (int)k;
		before = msgs_seen(w->c);
		if (item->type != YAML_MAPPING_NODE)
			topo_err(w->c, mark_of(item), "%sexpected a mapping, got %s", who,
				 kind_of(item));
		else
			walk_fields(w, item, fields, mark_of(item));
		done(w, k, item, item->type == YAML_MAPPING_NODE && msgs_seen(w->c) == before);
		w->who = outer;
	}
}

static void if_network(struct walk *w, yaml_node_t *v)
{
	struct topo_leg_src *l = &w->c->nodes[w->idx].ifs[w->leg];

	if (!want_scalar(w, v))
		return;
	l->network.mark = mark_of(v);
	l->network.name = dup_str(w, str_of(v));
}

static void if_ip(struct walk *w, yaml_node_t *v)
{
	struct topo_leg_src *l = &w->c->nodes[w->idx].ifs[w->leg];

	l->ip_given = true;
	l->ip_mark = mark_of(v);
	l->ip_ok = want_ipv4(w, v, &l->ip);
}

static void if_ip6(struct walk *w, yaml_node_t *v)
{
	struct topo_leg_src *l = &w->c->nodes[w->idx].ifs[w->leg];

	l->ip6_given = true;
	l->ip6_mark = mark_of(v);
	l->ip6_ok = want_ipv6(w, v, &l->ip6);
}

static const struct field if_fields[] = {
	{ "network", if_network, true },
	{ "ip", if_ip, false },
	{ "ip6", if_ip6, false },
	{ NULL },
};

static void if_done(struct walk *w, size_t k, yaml_node_t *item, bool ok)
{
	(void)ok; /* an item with errors keeps its place: it is still eth<k> */
	w->c->nodes[w->idx].ifs[k].mark = mark_of(item);
}

static void node_interfaces(struct walk *w, yaml_node_t *v)
{
	struct topo_node_src *src = &w->c->nodes[w->idx];

	src->ifs_given = true;
	src->ifs_mark = mark_of(v);
	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of {network, ip, ip6}"))
		return;
	if (!items_of(v)) {
		topo_err(w->c, mark_of(v),
			 "%sinterfaces is empty: list one {network: NAME} or more", w->who);
		return;
	}
	src->ifs = calloc(items_of(v), sizeof(*src->ifs));
	if (!src->ifs) {
		w->c->err = -ENOMEM;
		return;
	}
	src->n_ifs = items_of(v);
	walk_items(w, v, "interface", if_fields, if_done);
}

/* An IPv6 prefix with no host bits (the family of to: its via's). */
static void route_to6(struct walk *w, yaml_node_t *v, struct topo_route *r, const char *s)
{
	char ip[TOPO_IP6STR];
	struct in6_addr addr;
	int len;

	if (topo_ipv6_prefix(s, &addr, &len)) {
		topo_err(w->c, mark_of(v),
			 "%sto \"%s\" is not a prefix (expected x:y::/n, a.b.c.d/n or default)",
			 w->who, s);
		return;
	}
	if (topo_host_bits6(&addr, len)) {
		addr = topo_mask6(&addr, len);
		topo_err(w->c, mark_of(v),
			 "%sto \"%s\" has host bits set (did you mean \"%s/%d\"?)", w->who, s,
			 topo_ip6_str(&addr, ip), len);
		return;
	}
	r->dst6 = addr;
	r->prefix = (uint8_t)len;
	r->to6 = true;
}

/* "default", a.b.c.d/n or x:y::/n with no host bits. */
static void route_to(struct walk *w, yaml_node_t *v)
{
	struct topo_route *r = &w->c->t->nodes[w->idx].routes[w->c->t->nodes[w->idx].n_routes];
	const char *s = want_scalar(w, v);
	char ip[TOPO_IPSTR];
	uint32_t addr;
	int len;

	if (!s)
		return;
	if (!strcmp(s, "default")) {
		r->dst = 0;
		r->prefix = 0;
		r->to_default = true;
		return;
	}
	if (strchr(s, ':')) {
		route_to6(w, v, r, s);
		return;
	}
	if (topo_ipv4_prefix(s, &addr, &len)) {
		topo_err(w->c, mark_of(v),
			 "%sto \"%s\" is not a prefix (expected a.b.c.d/n or default)", w->who, s);
		return;
	}
	if (addr & ~topo_mask(len)) {
		topo_err(w->c, mark_of(v),
			 "%sto \"%s\" has host bits set (did you mean \"%s/%d\"?)", w->who, s,
			 topo_ip_str(addr & topo_mask(len), ip), len);
		return;
	}
	r->dst = addr;
	r->prefix = (uint8_t)len;
}

/* An IPv4 or IPv6 address: the route's family. */
static void route_via(struct walk *w, yaml_node_t *v)
{
	struct topo_route *r = &w->c->t->nodes[w->idx].routes[w->c->t->nodes[w->idx].n_routes];

	if (v->type == YAML_SCALAR_NODE && strchr(str_of(v), ':')) {
		r->v6 = true;
		want_ipv6(w, v, &r->via6);
	} else {
		want_ipv4(w, v, &r->via);
	}
}

static const struct field route_fields[] = {
	{ "to", route_to, true },
	{ "via", route_via, true },
	{ NULL },
};

/* Only routes without a problem are kept: the checks compare those. */
static void route_done(struct walk *w, size_t k, yaml_node_t *item, bool ok)
{
	struct topo_node *n = &w->c->t->nodes[w->idx];

	(void)k;
	n->routes[n->n_routes].mark = mark_of(item);
	if (ok && n->routes[n->n_routes].to6 != n->routes[n->n_routes].v6 &&
	    !n->routes[n->n_routes].to_default) {
		topo_err(w->c, mark_of(item), "%sto is %s, via %s: both of one family", w->who,
			 n->routes[n->n_routes].to6 ? "IPv6" : "IPv4",
			 n->routes[n->n_routes].v6 ? "IPv6" : "IPv4");
		ok = false;
	}
	if (ok)
		n->n_routes++;
	else
		w->c->nodes[w->idx].routes_ok = false;
}

static void node_routes(struct walk *w, yaml_node_t *v)
{
	struct topo_node *n = &w->c->t->nodes[w->idx];

	w->c->nodes[w->idx].routes_ok = false;
	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of {to, via}"))
		return;
	n->routes = calloc(items_of(v) + 1, sizeof(*n->routes));
	if (!n->routes) {
		w->c->err = -ENOMEM;
		return;
	}
	w->c->nodes[w->idx].routes_ok = true;
	walk_items(w, v, "route", route_fields, route_done);
}

/* ---- netem ---- */

static void netem_delay(struct walk *w, yaml_node_t *v)
{
	uint32_t *us = !strcmp(w->key, "delay") ? &w->netem->delay_us : &w->netem->jitter_us;
	const char *s = want_scalar(w, v);
	int err;

	if (!s)
		return;
	err = topo_parse_delay_us(s, us);
	if (err == -ERANGE)
		topo_err(w->c, mark_of(v), "%s%s \"%s\": must be at most 60s", w->who, w->key, s);
	else if (err)
		topo_err(
			w->c, mark_of(v),
			"%s%s \"%s\" is not a duration (expected a number and us, ms or s: 20ms, 1.5ms, 2s)",
			w->who, w->key, s);
}

static void netem_loss(struct walk *w, yaml_node_t *v)
{
	const char *s = want_scalar(w, v);
	int err;

	if (!s)
		return;
	err = topo_parse_loss_ppm(s, &w->netem->loss_ppm);
	if (err == -ERANGE)
		topo_err(w->c, mark_of(v), "%sloss \"%s\": must be 0%% to 100%%", w->who, s);
	else if (err)
		topo_err(
			w->c, mark_of(v),
			"%sloss \"%s\" is not a percentage (expected a number and %%: 0.5%%, 10%%)",
			w->who, s);
}

static void netem_rate(struct walk *w, yaml_node_t *v)
{
	const char *s = want_scalar(w, v);
	int err;

	if (!s)
		return;
	err = topo_parse_rate_bps(s, &w->netem->rate_bps);
	if (err == -ERANGE)
		topo_err(w->c, mark_of(v), "%srate \"%s\": must be 8kbit to 10gbit", w->who, s);
	else if (err)
		topo_err(
			w->c, mark_of(v),
			"%srate \"%s\" is not a rate (expected a number and kbit, mbit or gbit: 100mbit)",
			w->who, s);
}

static const struct field netem_fields[] = {
	{ "delay", netem_delay, false },
	{ "jitter", netem_delay, false },
	{ "loss", netem_loss, false },
	{ "rate", netem_rate, false },
	{ NULL },
};

/* netem: on a node (its host ends) or a link (both ends). */
static void walk_netem(struct walk *w, yaml_node_t *v, struct topo_netem *ne)
{
	const char *outer = w->who;
	char who[2 * WHO_MAX], us[32];
	size_t before;

	if (!want_type(w, v, YAML_MAPPING_NODE, "a mapping (delay, jitter, loss, rate)"))
		return;
	snprintf(who, sizeof(who), "%snetem: ", outer);
	w->who = who;
	w->netem = ne;
	before = msgs_seen(w->c);
	ne->mark = mark_of(v);
	walk_fields(w, v, netem_fields, mark_of(v));
	ne->set = true;
	if (msgs_seen(w->c) == before && ne->jitter_us > ne->delay_us) {
		snprintf(us, sizeof(us), "%uus", ne->delay_us);
		topo_err(w->c, mark_of(v),
			 "%sjitter is more than the delay (%s): netem would reorder every packet",
			 who, ne->delay_us ? us : "none");
	}
	w->who = outer;
}

static void node_netem(struct walk *w, yaml_node_t *v)
{
	walk_netem(w, v, &w->c->t->nodes[w->idx].netem);
}

static const struct field node_fields[] = {
	{ "network", node_network, false },
	{ "ip", node_ip, false },
	{ "ip6", node_ip6, false },
	{ "exec", node_exec, false },
	{ "interfaces", node_interfaces, false },
	{ "routes", node_routes, false },
	{ "netem", node_netem, false },
	{ "forwarding", node_forwarding, false },
	{ NULL },
};

/* ---- links ---- */

static void link_endpoints(struct walk *w, yaml_node_t *v)
{
	struct topo_link_src *src = &w->c->links[w->idx];
	yaml_node_t *e;

	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of two node names"))
		return;
	if (items_of(v) != 2) {
		topo_err(w->c, mark_of(v), "%sendpoints: expected two node names, got %zu", w->who,
			 items_of(v));
		return;
	}
	for (int k = 0; k < 2; k++) {
		e = node_at(w, v->data.sequence.items.start[k]);
		if (!want_scalar(w, e))
			return;
		src->end[k].mark = mark_of(e);
		src->end[k].name = dup_str(w, str_of(e));
	}
	src->ends_ok = src->end[0].name && src->end[1].name;
}

static void link_subnet6(struct walk *w, yaml_node_t *v)
{
	struct topo_link *l = &w->c->t->links[w->idx];
	struct in6_addr addr;
	int len;

	l->subnet6_mark = mark_of(v);
	if (!want_subnet6(w, v, &addr, &len, "two addresses after the subnet-router anycast"))
		return;
	l->subnet6 = addr;
	l->prefix6 = (uint8_t)len;
}

static void link_subnet(struct walk *w, yaml_node_t *v)
{
	struct topo_link *l = &w->c->t->links[w->idx];
	struct topo_link_src *src = &w->c->links[w->idx];
	uint32_t addr;
	int len;

	src->subnet_mark = mark_of(v);
	if (!want_subnet(w, v, &addr, &len, "two addresses"))
		return;
	l->subnet = addr;
	l->prefix = (uint8_t)len;
	src->subnet_ok = true;
}

/* What the kernel's dev_valid_name() accepts. */
static bool ifname_ok(struct walk *w, yaml_node_t *v)
{
	const char *s = str_of(v);

	if (strlen(s) >= TOPO_IFNAMSIZ) {
		topo_err(w->c, mark_of(v),
			 "%sifnames: \"%s\" is too long (%zu characters, the limit is %d)", w->who,
			 s, strlen(s), TOPO_IFNAMSIZ - 1);
		return false;
	}
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || !strcmp(s, "lo") ||
	    strpbrk(s, "/: \t\n\r\v\f")) {
		topo_err(w->c, mark_of(v), "%sifnames: \"%s\" is not a valid interface name",
			 w->who, s);
		return false;
	}
	return true;
}

static void link_ifnames(struct walk *w, yaml_node_t *v)
{
	struct topo_link *l = &w->c->t->links[w->idx];
	struct topo_link_src *src = &w->c->links[w->idx];
	bool ok = true;
	yaml_node_t *e;

	src->ifnames_ok = false;
	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list of two interface names"))
		return;
	if (items_of(v) != 2) {
		topo_err(w->c, mark_of(v), "%sifnames: expected two interface names, got %zu",
			 w->who, items_of(v));
		return;
	}
	for (int k = 0; k < 2; k++) {
		e = node_at(w, v->data.sequence.items.start[k]);
		if (!want_scalar(w, e) || !ifname_ok(w, e)) {
			ok = false;
			continue;
		}
		src->ifnames_mark[k] = mark_of(e);
		snprintf(l->ifname[k], sizeof(l->ifname[k]), "%s", str_of(e));
	}
	src->ifnames_ok = ok;
	src->ifnames_set = ok;
}

static void link_netem(struct walk *w, yaml_node_t *v)
{
	walk_netem(w, v, &w->c->t->links[w->idx].netem);
}

static const struct field link_fields[] = {
	{ "endpoints", link_endpoints, true }, { "subnet", link_subnet, true },
	{ "subnet6", link_subnet6, false },    { "ifnames", link_ifnames, false },
	{ "netem", link_netem, false },	       { NULL },
};

static void add_link(struct walk *w, yaml_node_t *v, size_t nr)
{
	char who[WHO_MAX];
	int i;

	snprintf(who, sizeof(who), "link %zu: ", nr);
	w->who = who;
	if (v->type != YAML_MAPPING_NODE) {
		topo_err(w->c, mark_of(v), "%sexpected a mapping with endpoints and subnet, got %s",
			 w->who, kind_of(v));
		goto out;
	}
	i = topo_add_link(w->c);
	if (i < 0) {
		w->c->err = i;
		goto out;
	}
	w->c->t->links[i].mark = mark_of(v);
	w->c->links[i].nr = nr;
	w->c->links[i].ifnames_ok = true;
	w->idx = i;
	walk_fields(w, v, link_fields, mark_of(v));
out:
	w->who = "";
}

static void add_node(struct walk *w, yaml_node_t *k, yaml_node_t *v)
{
	int i = topo_add_node(w->c);

	if (i < 0) {
		w->c->err = i;
		return;
	}
	copy_name(w->c->t->nodes[i].name, str_of(k));
	w->c->t->nodes[i].mark = mark_of(k);
	w->c->nodes[i].name_ok = check_name(w, k, "node");
	walk_entry(w, i, k, v, "node", node_fields);
	/* a broken entry, or a typo for its network: no "missing network" too */
	w->c->nodes[i].net_reported =
		!w->entry_ok ||
		(w->hinted && (!strcmp(w->hinted, "network") || !strcmp(w->hinted, "interfaces")));
}

/* ---- forwards ---- */

static void fwd_proto(struct walk *w, yaml_node_t *v)
{
	const char *s = want_scalar(w, v);
	uint8_t proto;

	if (!s)
		return;
	if (!strcmp(s, "tcp")) {
		proto = IPPROTO_TCP;
	} else if (!strcmp(s, "udp")) {
		proto = IPPROTO_UDP;
	} else {
		topo_err(w->c, mark_of(v), "%sproto \"%s\" is not supported: use tcp or udp",
			 w->who, s);
		return;
	}
	w->c->t->forwards[w->idx].proto = proto;
	w->c->fwds[w->idx].proto_ok = true;
}

/* s: the ports after "port:" or after "to: NODE:"; messages quote the whole value. */
static bool ports(struct walk *w, yaml_node_t *v, const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *all = str_of(v);

	switch (topo_port_range_check(s, lo, hi)) {
	case 0:
		return true;
	case -ERANGE:
		topo_err(w->c, mark_of(v), "%s%s \"%s\": ports must be 1 to 65535", w->who, w->key,
			 all);
		break;
	case -EDOM:
		topo_err(w->c, mark_of(v), "%s%s \"%s\": the range is reversed (first > last)",
			 w->who, w->key, all);
		break;
	default:
		topo_err(
			w->c, mark_of(v),
			"%s%s \"%s\" is not a port or port range (expected N or N-M, no leading zeros)",
			w->who, w->key, all);
	}
	return false;
}

/*
 * Each host port is one entry of the lab's forwards map: more than it holds
 * could never be loaded. Reported once; the forwards past it are left out
 * of the checks, which stay O(ports) that way.
 */
static bool fwd_ports_fit(struct walk *w, yaml_node_t *v, const struct topo_forward *f)
{
	struct topo_ctx *c = w->c;

	c->fwd_ports += (size_t)(f->port_end - f->port) + 1;
	if (c->fwd_ports <= NSB_MAX_FORWARDS)
		return true;
	if (!c->fwd_ports_over)
		topo_err(c, mark_of(v),
			 "%sport %s: the forwards take more than %d host ports, the limit of a lab",
			 w->who, str_of(v), NSB_MAX_FORWARDS);
	c->fwd_ports_over = true;
	return false;
}

static void fwd_port(struct walk *w, yaml_node_t *v)
{
	struct topo_forward *f = &w->c->t->forwards[w->idx];
	struct topo_fwd_src *src = &w->c->fwds[w->idx];
	const char *s = want_scalar(w, v);

	src->port_mark = f->port_mark = mark_of(v);
	if (s)
		src->port_ok = ports(w, v, s, &f->port, &f->port_end) && fwd_ports_fit(w, v, f);
}

static void fwd_to(struct walk *w, yaml_node_t *v)
{
	struct topo_forward *f = &w->c->t->forwards[w->idx];
	struct topo_fwd_src *src = &w->c->fwds[w->idx];
	const char *s = want_scalar(w, v), *colon;

	if (!s)
		return;
	colon = strchr(s, ':');
	if (!colon || colon == s) {
		topo_err(w->c, mark_of(v), "%sto \"%s\": expected NODE:PORT or NODE:FIRST-LAST",
			 w->who, s);
		return;
	}
	src->to.mark = mark_of(v);
	src->to.name = strndup(s, (size_t)(colon - s));
	if (!src->to.name) {
		w->c->err = -ENOMEM;
		return;
	}
	src->to_ok = ports(w, v, colon + 1, &f->to_port, &f->to_port_end);
}

static void fwd_host(struct walk *w, yaml_node_t *v)
{
	struct topo_fwd_src *src = &w->c->fwds[w->idx];
	uint32_t *ip = &w->c->t->forwards[w->idx].host_ip;
	struct in6_addr *ip6 = &w->c->t->forwards[w->idx].host_ip6;
	const char *s = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;
	char why[160];

	if (s && strchr(s, ':')) {
		/* an IPv6 host address: the forward is IPv6's alone (forwards6) */
		w->c->t->forwards[w->idx].host_mark = mark_of(v);
		src->host_ok = want_ipv6(w, v, ip6);
		if (src->host_ok && topo_fwd_host6_problem(ip6, why, sizeof(why))) {
			topo_err(w->c, mark_of(v), "%shost %s", w->who, why);
			src->host_ok = false;
		}
		return;
	}
	src->host_ok = want_ipv4(w, v, ip);
	w->c->t->forwards[w->idx].host_mark = mark_of(v);
	if (src->host_ok && !*ip) {
		topo_err(
			w->c, mark_of(v),
			"%shost 0.0.0.0: leave host out to answer on the uplink address and loopback",
			w->who);
		src->host_ok = false;
	} else if (src->host_ok && topo_fwd_host_problem(*ip, why, sizeof(why))) {
		topo_err(w->c, mark_of(v), "%shost %s", w->who, why);
		src->host_ok = false;
	}
}

static const struct field forward_fields[] = {
	{ "proto", fwd_proto, true },
	{ "port", fwd_port, true },
	{ "to", fwd_to, true },
	{ "host", fwd_host, false },
	{ NULL },
};

static void add_forward(struct walk *w, yaml_node_t *v, size_t nr)
{
	char who[WHO_MAX];
	int i;

	snprintf(who, sizeof(who), "forward %zu: ", nr);
	w->who = who;
	if (v->type != YAML_MAPPING_NODE) {
		topo_err(w->c, mark_of(v), "%sexpected a mapping with proto, port and to, got %s",
			 w->who, kind_of(v));
		goto out;
	}
	i = topo_add_forward(w->c);
	if (i < 0) {
		w->c->err = i;
		goto out;
	}
	w->c->t->forwards[i].mark = mark_of(v);
	w->c->fwds[i].host_ok = true;
	w->c->fwds[i].nr = nr;
	w->idx = i;
	walk_fields(w, v, forward_fields, mark_of(v));
out:
	w->who = "";
}

/* ---- top level ---- */

static void root_name(struct walk *w, yaml_node_t *v)
{
	if (!want_scalar(w, v))
		return;
	w->c->name_mark = mark_of(v);
	if (!check_name(w, v, "lab"))
		return;
	copy_name(w->c->t->name, str_of(v));
	w->c->name_ok = true;
}

/* What the kernel's dev_valid_name() accepts. */
static void root_uplink(struct walk *w, yaml_node_t *v)
{
	const char *s = want_scalar(w, v);
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	if (len >= TOPO_IFNAMSIZ) {
		topo_err(w->c, mark_of(v),
			 "uplink \"%s\" is too long (%zu characters, the limit is %d)", s, len,
			 TOPO_IFNAMSIZ - 1);
		return;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..") || strpbrk(s, "/: \t\n\r\v\f")) {
		topo_err(w->c, mark_of(v), "uplink \"%s\" is not a valid interface name", s);
		return;
	}
	/* Other loopback devices are found by their link type at up. */
	if (!strcmp(s, "lo")) {
		topo_err(
			w->c, mark_of(v),
			"uplink \"lo\" is the loopback device, not a way out: name the Ethernet interface that faces the outside, or leave uplink out to use the default route's");
		return;
	}
	w->c->t->uplink_mark = mark_of(v);
	memcpy(w->c->t->uplink, s, len + 1);
}

/* uplink6: an address; that the uplink has it is checked at up (topo_host.c). */
static void root_uplink6(struct walk *w, yaml_node_t *v)
{
	struct topo *t = w->c->t;
	struct in6_addr block;
	char why[TOPO_IP6STR];
	const char *special;
	int block_len;

	if (!want_ipv6(w, v, &t->uplink6))
		return;
	special = topo_special_block6(&t->uplink6, 128, &block, &block_len);
	if (special) {
		topo_err(w->c, mark_of(v),
			 "uplink6 %s is in %s/%d (%s): NAT66 needs a global address of the uplink",
			 str_of(v), topo_ip6_str(&block, why), block_len, special);
		memset(&t->uplink6, 0, sizeof(t->uplink6));
		return;
	}
	t->uplink6_mark = mark_of(v);
}

static void root_networks(struct walk *w, yaml_node_t *v)
{
	w->c->networks_mark = mark_of(v);
	if (!want_type(w, v, YAML_MAPPING_NODE, "a mapping of network names"))
		return;
	w->c->have_networks = walk_named(w, v, &topo_sections[TOPO_NETWORKS], add_network);
}

static void root_nodes(struct walk *w, yaml_node_t *v)
{
	w->c->nodes_mark = mark_of(v);
	if (!want_type(w, v, YAML_MAPPING_NODE, "a mapping of node names"))
		return;
	w->c->have_nodes = walk_named(w, v, &topo_sections[TOPO_NODES], add_node);
}

static void root_forwards(struct walk *w, yaml_node_t *v)
{
	yaml_node_item_t *it;

	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list"))
		return;
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		add_forward(w, node_at(w, *it), (size_t)(it - v->data.sequence.items.start) + 1);
}

static void root_links(struct walk *w, yaml_node_t *v)
{
	yaml_node_item_t *it;

	if (!want_type(w, v, YAML_SEQUENCE_NODE, "a list"))
		return;
	if (items_of(v) > NSB_MAX_ENDPOINTS) {
		topo_err(w->c, mark_of(v), "links: %zu links, the limit of a lab is %d",
			 items_of(v), NSB_MAX_ENDPOINTS);
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		add_link(w, node_at(w, *it), (size_t)(it - v->data.sequence.items.start) + 1);
}

/* ---- nat ---- */

static void nat_ports(struct walk *w, yaml_node_t *v)
{
	struct topo_nat *n = &w->c->t->nat;
	const char *s = want_scalar(w, v);

	if (!s || !ports(w, v, s, &n->port_min, &n->port_max))
		return;
	w->c->nat_ports_mark = mark_of(v);
	if (n->port_max - n->port_min + 1 < 2) {
		topo_err(w->c, mark_of(v), "nat: ports \"%s\": at least 2 ports are needed", s);
		n->port_min = n->port_max = 0;
	}
}

static void nat_conntrack(struct walk *w, yaml_node_t *v)
{
	const char *s = want_scalar(w, v);
	unsigned long long n;
	char *end;

	if (!s)
		return;
	n = strtoull(s, &end, 10);
	if (*s < '1' || *s > '9' || *end || n < 256 || n > 16777216) {
		topo_err(w->c, mark_of(v),
			 "nat: conntrack \"%s\": expected a number of entries from 256 to 16777216",
			 s);
		return;
	}
	w->c->t->nat.conntrack = (uint32_t)n;
}

/* nat: timeouts: one key per conntrack timeout, named as `nat list` shows them. */
static const struct {
	const char *key;
	size_t off;	  /* in struct topo_timeouts */
	uint64_t dflt_ns; /* for the message */
} tmo_keys[] = {
	{ "tcp_syn", offsetof(struct topo_timeouts, tcp_syn), NSB_TMO_TCP_SYN },
	{ "tcp_established", offsetof(struct topo_timeouts, tcp_est), NSB_TMO_TCP_EST },
	{ "tcp_closing", offsetof(struct topo_timeouts, tcp_closing), NSB_TMO_TCP_CLOSING },
	{ "tcp_closed", offsetof(struct topo_timeouts, tcp_closed), NSB_TMO_TCP_CLOSED },
	{ "udp_new", offsetof(struct topo_timeouts, udp_new), NSB_TMO_UDP_NEW },
	{ "udp", offsetof(struct topo_timeouts, udp), NSB_TMO_UDP },
	{ "icmp", offsetof(struct topo_timeouts, icmp), NSB_TMO_ICMP },
};

/*
 * Values under the RFC 5382/4787 minimums are the user's choice (a lab may
 * want flows to expire fast); 0 would silently mean "the default" in the
 * config map, and more than 30 days only keeps dead flows' ports taken.
 */
static void nat_timeout(struct walk *w, yaml_node_t *v)
{
	char max[16], dflt[16];
	const char *s = want_scalar(w, v);
	uint32_t secs;
	size_t i;

	if (!s)
		return;
	for (i = 0; strcmp(tmo_keys[i].key, w->key); i++)
		;
	topo_duration_str(TOPO_TIMEOUT_MAX, max, sizeof(max));
	switch (topo_parse_duration(s, &secs)) {
	case 0:
		*(uint32_t *)((char *)&w->c->t->nat.timeouts + tmo_keys[i].off) = secs;
		return;
	case -ERANGE:
		topo_err(
			w->c, mark_of(v),
			"%s%s \"%s\": a timeout must be from 1s to %s (leave it out for the default, %s)",
			w->who, w->key, s, max,
			topo_duration_str(tmo_keys[i].dflt_ns / NSB_NSEC_PER_SEC, dflt,
					  sizeof(dflt)));
		return;
	default:
		topo_err(
			w->c, mark_of(v),
			"%s%s \"%s\" is not a duration (expected a number and a unit, d h m s, largest first: 30s, 4m, 2h4m)",
			w->who, w->key, s);
	}
}

static const struct field timeout_fields[] = {
	{ "tcp_syn", nat_timeout, false },     { "tcp_established", nat_timeout, false },
	{ "tcp_closing", nat_timeout, false }, { "tcp_closed", nat_timeout, false },
	{ "udp_new", nat_timeout, false },     { "udp", nat_timeout, false },
	{ "icmp", nat_timeout, false },	       { NULL },
};

_Static_assert(sizeof(timeout_fields) / sizeof(timeout_fields[0]) ==
		       sizeof(tmo_keys) / sizeof(tmo_keys[0]) + 1,
	       "one table row per timeout key");

static void nat_timeouts(struct walk *w, yaml_node_t *v)
{
	if (!want_type(w, v, YAML_MAPPING_NODE, "a mapping of timeouts (tcp_syn: 4m, ...)"))
		return;
	w->who = "nat: timeouts: ";
	walk_fields(w, v, timeout_fields, mark_of(v));
	w->who = "nat: ";
}

static const struct field nat_fields[] = {
	{ "ports", nat_ports, false },
	{ "conntrack", nat_conntrack, false },
	{ "timeouts", nat_timeouts, false },
	{ NULL },
};

static void root_nat(struct walk *w, yaml_node_t *v)
{
	if (!want_type(w, v, YAML_MAPPING_NODE, "a mapping (ports, conntrack, timeouts)"))
		return;
	w->c->t->nat.mark = mark_of(v);
	w->who = "nat: ";
	walk_fields(w, v, nat_fields, mark_of(v));
	w->who = "";
}

static const struct field root_fields[] = {
	{ "name", root_name, true },
	{ "uplink", root_uplink, false },
	{ "uplink6", root_uplink6, false },
	{ "networks", root_networks, true },
	{ "nodes", root_nodes, true },
	{ "forwards", root_forwards, false },
	{ "nat", root_nat, false },
	{ "links", root_links, false },
	{ NULL },
};

/* ---- the document ---- */

/* Reader errors (bad UTF-8) come with a byte offset, not a mark. */
static struct topo_mark offset_mark(const char *buf, size_t len, size_t off)
{
	struct topo_mark m = { 1, 1 };
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			m.col++;
		}
	}
	return m;
}

static void syntax_error(struct topo_ctx *c, yaml_parser_t *p, const char *buf, size_t len)
{
	struct topo_mark m = { (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1 };
	const char *problem = p->problem ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR) {
		c->err = -ENOMEM;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		topo_err(c, offset_mark(buf, len, p->problem_offset), "YAML error: %s", problem);
		return;
	}
	if (p->context)
		topo_err(c, m, "YAML syntax error: %s (%s at %zu:%zu)", problem, p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	else
		topo_err(c, m, "YAML syntax error: %s", problem);
}

static void walk_root(struct topo_ctx *c, yaml_document_t *doc, yaml_node_t *root)
{
	struct walk w = { .c = c, .doc = doc, .who = "", .key = "" };

	c->root_mark = mark_of(root);
	if (root->type != YAML_MAPPING_NODE) {
		topo_err(c, mark_of(root),
			 "expected a mapping with name, networks and nodes at the top, got %s",
			 kind_of(root));
		return;
	}
	walk_fields(&w, root, root_fields, mark_of(root));
}

/* nsbpf reads one document: a second one would be ignored, so refuse it. */
static void no_second_doc(struct topo_ctx *c, yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_document_t doc;
	yaml_node_t *root;

	if (!yaml_parser_load(p, &doc)) {
		syntax_error(c, p, buf, len);
		return;
	}
	root = yaml_document_get_root_node(&doc);
	if (root)
		topo_err(c, mark_of(root), "a second YAML document: a topology file holds one");
	yaml_document_delete(&doc);
}

int topo_yaml_walk(struct topo_ctx *c, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int err = 0;

	err = topo_yaml_limits(c, buf, len);
	if (err)
		return err;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(c, &parser, buf, len);
		err = -EINVAL;
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root)) {
		topo_err(c, (struct topo_mark){ 1, 1 },
			 "empty file: expected a mapping with name, networks and nodes");
		err = -EINVAL;
		goto out_doc;
	}
	no_second_doc(c, &parser, buf, len);
	walk_root(c, &doc, root);
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return err;
}
