// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * How many networks and nodes a file may name, counted twice: first on
 * libyaml's event stream, before the document is loaded, and then by the
 * walk on the loaded tree (which also sees a section written as an alias).
 * The first count is there for speed: yaml_parser_load() builds every node
 * of the file before the walk can count any (about 5 us a node: 0.3 s for
 * 60,000 nodes, seconds for a 16 MiB file), while the events stop at the
 * first entry past the limit (a few ms wherever the file ends).
 */
#include <errno.h>
#include <string.h>
#include <yaml.h>

#include "nsbpf_maps.h"
#include "topo/topo_internal.h"

const struct topo_section topo_sections[TOPO_SECTIONS] = {
	{ "networks", "network", NSB_MAX_NETWORKS },
	{ "nodes", "node", NSB_MAX_ENDPOINTS },
};

void topo_err_too_many(struct topo_ctx *c, struct topo_mark m, const struct topo_section *sec,
		       const char *name)
{
	topo_err(c, m, "%s \"%s\": too many %ss: the limit is %zu", sec->what, name, sec->what,
		 sec->limit);
}

/* Where the event stream stands: only the top two levels matter. */
struct scan {
	int depth;	/* collections open around the next event */
	bool root_map;	/* the document is a mapping: its keys name sections */
	bool root_key;	/* at depth 1, the next node is a key */
	int pending;	/* the section whose key was just read, or -1 */
	int in;		/* the section whose mapping is open (depth 2), or -1 */
	bool entry_key; /* in it, the next node is a key */
	size_t n;	/* its keys so far */
};

static int section_of(const yaml_event_t *e)
{
	for (int i = 0; e->type == YAML_SCALAR_EVENT && i < TOPO_SECTIONS; i++)
		if (!strcmp((const char *)e->data.scalar.value, topo_sections[i].key))
			return i;
	return -1;
}

/* One node's event (scalar, alias, or a collection's start): past a limit? */
static bool scan_node(struct scan *s, const yaml_event_t *e)
{
	bool past = false;

	if (s->depth == 1 && s->root_map) {
		if (s->root_key)
			s->pending = section_of(e);
		else if (s->pending >= 0 && e->type == YAML_MAPPING_START_EVENT) {
			s->in = s->pending;
			s->n = 0;
			s->entry_key = true;
		}
		s->root_key = !s->root_key;
	} else if (s->depth == 2 && s->in >= 0) {
		if (s->entry_key)
			past = ++s->n > topo_sections[s->in].limit;
		s->entry_key = !s->entry_key;
	}
	return past;
}

/* Track e; true when it is the key of the entry past a limit. */
static bool scan_event(struct scan *s, const yaml_event_t *e)
{
	bool past = false;

	switch (e->type) {
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (!s->depth)
			s->root_map = s->root_key = e->type == YAML_MAPPING_START_EVENT;
		else
			past = scan_node(s, e);
		s->depth++;
		break;
	case YAML_SCALAR_EVENT:
	case YAML_ALIAS_EVENT:
		past = s->depth && scan_node(s, e);
		break;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (--s->depth < 2)
			s->in = -1;
		break;
	default:
		break;
	}
	return past;
}

int topo_yaml_limits(struct topo_ctx *c, const char *buf, size_t len)
{
	struct scan s = { .pending = -1, .in = -1 };
	yaml_parser_t parser;
	yaml_event_t e;
	bool past = false, end = false;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	/* A syntax error stops the count: the load reports it with its place. */
	while (!past && !end && yaml_parser_parse(&parser, &e)) {
		past = scan_event(&s, &e);
		end = e.type == YAML_DOCUMENT_END_EVENT || e.type == YAML_STREAM_END_EVENT;
		if (past)
			topo_err_too_many(c,
					  (struct topo_mark){ (int)e.start_mark.line + 1,
							      (int)e.start_mark.column + 1 },
					  &topo_sections[s.in],
					  e.type == YAML_SCALAR_EVENT ?
						  (const char *)e.data.scalar.value :
						  "?");
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&parser);
	return past ? -EINVAL : 0;
}
