// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsbpf map dump LAB [MAP] [--json], nsbpf map list: a lab's pinned maps
 * decoded (lab/map_dump.h), for what bpftool cannot show from BTF alone.
 *
 * JSON shape: {"lab", "maps": [{"name", "type", "entries": [{"key": {...},
 * "value": {...}}]}]}: one map with MAP, every map nsbpf decodes without.
 * Members are named after the fields of maps/nsbpf_maps.h; addresses dotted,
 * ports in host order, MACs aa:bb:.., enums by name, flags as a list of
 * names, clocks as ages in seconds (*_s, null: never), empty slots left out.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/out.h"
#include "lab/lab.h"
#include "lab/map_dump.h"
#include "sys/pins.h"
#include "util/addr.h"

static int map_dump(int argc, char **argv);
static int map_list(int argc, char **argv);
static int map_help(int argc, char **argv);

static const struct nsb_cmd map_cmds[] = {
	{ "dump", map_dump }, { "list", map_list }, { "help", map_help }, { NULL }
};

const struct cli_opt map_opts[] = { CLI_OPT_JSON, CLI_OPT_HELP, { 0 } };

static int map_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: nsbpf map dump LAB [MAP] [--json]\n"
	       "       nsbpf map list\n"
	       "\n"
	       "dump  the lab's pinned maps (/sys/fs/bpf/nsbpf/LAB/MAP), decoded: addresses\n"
	       "      dotted, ports in host order, MACs, states and flags by name, clocks as\n"
	       "      ages in seconds, empty slots left out (one map, or every one)\n"
	       "list  the maps nsbpf decodes and what they hold\n"
	       "\n"
	       "MAP := ");
	for (size_t i = 0; i < lab_maps_n; i++)
		printf("%s%s", i ? " | " : "", lab_maps[i].name);
	printf("\n");
	return EXIT_OK;
}

static int map_list(int argc, char **argv)
{
	struct table tb;
	struct out o;

	(void)argv;
	if (argc != 1) {
		cli_err("map: usage: nsbpf map list");
		return EXIT_USAGE;
	}
	out_begin(&o, stdout, cli_opts.json);
	table_init(&tb, 3, "MAP", "TYPE", "HOLDS");
	print_table(&o, &tb);
	print_open_object(&o, NULL);
	print_open_array(&o, "maps");
	for (size_t i = 0; i < lab_maps_n; i++) {
		print_row_open(&o, NULL);
		print_string(&o, "name", "%s", lab_maps[i].name);
		print_cell(&o);
		print_string(&o, "type", "%s", lab_maps[i].type);
		print_cell(&o);
		print_string(&o, "about", "%s", lab_maps[i].about);
		print_cell(&o);
		print_row_close(&o);
	}
	print_close_array(&o);
	print_table_end(&o, NULL);
	table_free(&tb);
	cli_doc_end(&o);
	return EXIT_OK;
}

/* Flag bits: a JSON list of names, "a|b" in text ("-" for none). */
static void print_flags(struct out *o, const struct map_field *f, bool text)
{
	char bit[16];
	bool first = true;

	print_open_array(o, f->name);
	for (unsigned int i = 0; i < 64; i++) {
		const char *name = i < f->n_names && f->names[i] ? f->names[i] : NULL;

		if (!(f->u & (1ULL << i)))
			continue;
		if (!name) {
			snprintf(bit, sizeof(bit), "bit%u", i);
			name = bit;
		}
		print_string(o, NULL, !text ? NULL : first ? "%s" : "|%s", name);
		first = false;
	}
	if (first && text)
		print_text(o, "-");
	print_close_array(o);
}

/* One field: a member under --json, its text (none for detail fields). */
static void print_field(struct out *o, const struct map_field *f)
{
	bool text = !f->detail;
	char buf[INET6_ADDRSTRLEN];

	if (f->null) {
		print_null(o, f->name, text ? "%s" : NULL, "-");
		return;
	}
	switch (f->kind) {
	case MAP_F_IPV4:
		print_string(o, f->name, text ? "%s" : NULL, ipv4_str((uint32_t)f->u, buf));
		break;
	case MAP_F_IPV6:
		print_string(o, f->name, text ? "%s" : NULL,
			     inet_ntop(AF_INET6, f->ip6, buf, sizeof(buf)) ? buf : "?");
		break;
	case MAP_F_MAC:
		print_string(o, f->name, text ? "%s" : NULL, mac_str(f->mac, buf));
		break;
	case MAP_F_NAME: /* a value without a name is its number */
		if (f->s)
			print_string(o, f->name, text ? "%s" : NULL, f->s);
		else
			print_u64(o, f->name, text ? "%llu" : NULL, f->u);
		break;
	case MAP_F_UINT:
	case MAP_F_SECS:
		print_u64(o, f->name, text ? "%llu" : NULL, f->u);
		break;
	case MAP_F_FLAGS:
		print_flags(o, f, text);
		break;
	}
}

struct dump_ctx {
	struct out *o;
	const struct map_kind_info *mk;
	struct table tb;
	bool started; /* the table has its header */
	size_t entries;
};

/* The table's header: the first entry's text fields, in upper case. */
static void table_start(struct dump_ctx *c, const struct map_entry *me)
{
	char h[OUT_MAX_CELLS][32];
	int n = 0;

	memset(h, 0, sizeof(h));
	for (size_t i = 0; i < me->n && n < OUT_MAX_CELLS; i++) {
		if (me->f[i].detail)
			continue;
		for (size_t j = 0; j < sizeof(h[n]) - 1 && me->f[i].name[j]; j++)
			h[n][j] = (char)toupper((unsigned char)me->f[i].name[j]);
		n++;
	}
	/* table_init reads n of these */
	table_init(&c->tb, n, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10],
		   h[11], h[12], h[13], h[14], h[15]);
	print_table(c->o, &c->tb);
	c->started = true;
}

static void print_fields(struct out *o, const char *key, const struct map_field *f, size_t n,
			 bool cells)
{
	print_open_object(o, key);
	for (size_t i = 0; i < n; i++) {
		if (!cells)
			print_text(o, "  %-20s ", f[i].name);
		print_field(o, &f[i]);
		if (cells && !f[i].detail)
			print_cell(o);
		else if (!cells)
			print_text(o, "\n");
	}
	print_close_object(o);
}

static int print_entry(const struct map_entry *me, void *arg)
{
	struct dump_ctx *c = arg;
	bool cells = !c->mk->single;

	if (cells && !c->started)
		table_start(c, me);
	c->entries++;
	if (cells)
		print_row_open(c->o, NULL);
	else
		print_open_object(c->o, NULL);
	print_fields(c->o, "key", me->f, me->n_key, cells);
	print_fields(c->o, "value", me->f + me->n_key, me->n - me->n_key, cells);
	if (cells)
		print_row_close(c->o);
	else
		print_close_object(c->o);
	return 0;
}

/*
 * One map as a member of "maps"; in text its title, then its table. 0, or
 * -errno with e (-ENOENT: not pinned, an older lab's).
 */
static int dump_one(struct out *o, const struct lab_info *li, const struct map_kind_info *mk,
		    bool gap, struct err_msg *e)
{
	struct dump_ctx c = { .o = o, .mk = mk };
	int err;

	if (gap)
		print_text(o, "\n");
	print_open_object(o, NULL);
	print_string(o, "name", "map %s", mk->name);
	print_string(o, "type", " (%s): ", mk->type);
	print_text(o, "%s\n", mk->about);
	print_open_array(o, "entries");
	err = lab_map_dump(li, mk->name, print_entry, &c, e);
	print_close_array(o);
	print_close_object(o);
	if (c.started) {
		print_table_end(o, NULL);
		table_free(&c.tb);
	} else if (!c.entries) {
		print_text(o, "  (%s)\n", err == -ENOENT ? "not pinned" : "no entries");
	}
	return err;
}

/* MAP is not one nsbpf decodes: say whether the lab has it at all. */
static int unknown_map(const char *lab, const char *map)
{
	char path[512];
	int fd = pins_map_open(lab, map);

	pins_path(lab, map, path, sizeof(path));
	if (fd >= 0) {
		close(fd);
		cli_err("map %s: nsbpf does not decode it (try \"bpftool map dump pinned %s\")",
			map, path);
		return EXIT_FAIL;
	}
	cli_err("map: no map \"%s\" (try \"nsbpf map list\")", map);
	return EXIT_USAGE;
}

/*
 * The lab, read where its pins are: here, or from another network namespace
 * of this mount namespace (maps do not belong to a network namespace).
 */
static int open_lab(const char *lab, struct lab_info *li)
{
	int ret = cli_lab_is_up(lab);
	struct err_msg e;
	char netns[256];

	if (ret)
		return ret;
	if (lab_info_read(lab, li)) {
		cli_err("lab %s is not up", lab);
		return EXIT_FAIL;
	}
	if (lab_where(li, netns, sizeof(netns)) != LAB_OTHER_NETNS && lab_check_here(li, &e)) {
		cli_err("%s", e.text);
		lab_info_free(li);
		return EXIT_FAIL;
	}
	return 0;
}

static int map_dump(int argc, char **argv)
{
	const struct map_kind_info *only = NULL;
	struct err_msg e;
	bool failed = false;
	struct lab_info li;
	struct out o;
	int ret, err;

	if (argc < 2 || argc > 3) {
		cli_err("map: usage: nsbpf map dump LAB [MAP] [--json]");
		return EXIT_USAGE;
	}
	if (argc == 3 && !(only = lab_map_find(argv[2]))) {
		ret = cli_lab_is_up(argv[1]);
		return ret ? ret : unknown_map(argv[1], argv[2]);
	}
	ret = open_lab(argv[1], &li);
	if (ret)
		return ret;
	out_begin(&o, stdout, cli_opts.json);
	print_open_object(&o, NULL);
	print_string(&o, "lab", NULL, li.name);
	print_open_array(&o, "maps");
	for (size_t i = 0; i < lab_maps_n; i++) {
		if (only && only != &lab_maps[i])
			continue;
		err = dump_one(&o, &li, &lab_maps[i], !only && i, &e);
		/* every map: one an older nsbpf did not have is just not there */
		if (err && (only || err != -ENOENT)) {
			failed = true;
			cli_err("%s", e.text); /* under --json: the document's "errors" */
		}
	}
	print_close_array(&o);
	cli_doc_end(&o);
	lab_info_free(&li);
	return failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_map(int argc, char **argv)
{
	switch (opts_parse(&argc, argv, map_opts, "map", 0)) {
	case OPTS_GO:
		return cli_dispatch(map_cmds, "map", argc - 1, argv + 1);
	case OPTS_HELP:
		return map_help(argc, argv);
	default:
		return EXIT_USAGE;
	}
}
