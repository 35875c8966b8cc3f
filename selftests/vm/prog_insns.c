// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * prog_insns OBJECT...: load every program of each CO-RE object into the
 * running kernel, as it is (no pinning, no attaching), and print one line per
 * program:
 *
 *   <object> <program> <verified_insns>
 *
 * verified_insns is what the verifier reports as "processed N insns"
 * (bpf_prog_info.verified_insns, Linux 5.16+), "n/a" when the kernel does
 * not report it, "FAIL" when the program does not load. The kernel matrix
 * (selftests/vm/) prints it per kernel so that growth is seen.
 *
 * An object loads whole first; when that fails, each program is loaded alone
 * so that one failure does not hide the others. The verifier log of a failure
 * goes to stderr. Exit status: 0 when every program loaded, 1 otherwise, 2 on
 * usage.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

/* Debian 12's uapi header has the field; older kernels fill less than this. */
#define INFO_HAS_INSNS(len) \
	((len) >= offsetof(struct bpf_prog_info, verified_insns) + sizeof(__u32))

static const char *progname = "prog_insns";

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void print_insns(const char *path, const struct bpf_program *prog)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(prog);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		printf("%s %s n/a\n", base(path), bpf_program__name(prog));
		return;
	}
	if (INFO_HAS_INSNS(len))
		printf("%s %s %u\n", base(path), bpf_program__name(prog), info.verified_insns);
	else
		printf("%s %s n/a\n", base(path), bpf_program__name(prog));
}

/*
 * Open PATH for loading as the tool does it: nothing pinned, and maps whose
 * size the loader sets at run time given one entry so that they can be
 * created. only: when not NULL, the one program to load.
 */
static struct bpf_object *open_obj(const char *path, const char *only)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	struct bpf_map *map;

	if (!obj) {
		fprintf(stderr, "%s: %s: open: %s\n", progname, path, strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, obj) {
		bpf_map__set_pin_path(map, NULL);
		if (!bpf_map__max_entries(map) &&
		    bpf_map__type(map) != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			bpf_map__set_max_entries(map, 1);
	}
	if (only)
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), only));
	return obj;
}

static int do_object(const char *path)
{
	struct bpf_object *obj = open_obj(path, NULL), *one;
	struct bpf_program *prog;
	int err, failed = 0;

	if (!obj)
		return 1;
	err = bpf_object__load(obj);
	if (!err) {
		bpf_object__for_each_program(prog, obj)
			print_insns(path, prog);
		bpf_object__close(obj);
		return 0;
	}
	fprintf(stderr, "%s: %s: load: %s; loading each program alone\n", progname, path,
		strerror(-err));
	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);

		one = open_obj(path, name);
		if (!one) {
			failed = 1;
			continue;
		}
		err = bpf_object__load(one);
		if (err) {
			fprintf(stderr, "%s: %s: %s: load: %s\n", progname, path, name,
				strerror(-err));
			printf("%s %s FAIL\n", base(path), name);
			failed = 1;
		} else {
			print_insns(path, bpf_object__find_program_by_name(one, name));
		}
		bpf_object__close(one);
	}
	bpf_object__close(obj);
	return failed;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: %s OBJECT.bpf.o...\n", progname);
		return argc < 2 ? 2 : 0;
	}
	libbpf_set_print(print_libbpf);
	for (i = 1; i < argc; i++)
		failed |= do_object(argv[i]);
	fflush(stdout);
	return failed ? 1 : 0;
}
