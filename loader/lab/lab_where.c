// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where a lab lives, against where this nsbpf runs: its host netns and the
 * mount namespace whose /run/netns and bpffs hold its objects (up recorded
 * both). A command that would not see the lab's objects refuses before it
 * changes anything, and says what to run instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab.h"
#include "sys/journal.h"
#include "sys/netns.h"
#include "sys/place.h"

/* The place up recorded: 0, or -ENOENT (an older journal, or none). */
static int recorded_place(const char *lab, struct place *p)
{
	struct journal_recs jl;
	int err = journal_read(lab, &jl);

	if (err)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < jl.n; i++) {
		if (jl.rec[i].kind != JOURNAL_PLACE)
			continue;
		*p = jl.rec[i].place;
		err = 0;
	}
	journal_recs_free(&jl);
	return err;
}

enum lab_where lab_where(const struct lab_info *li, char *netns, size_t len)
{
	struct place rec, self;
	int fd;

	netns[0] = '\0';
	if (!recorded_place(li->name, &rec) && !place_self(&self) && !place_same(&rec, &self))
		return mntns_alive(rec.mntns) ? LAB_OTHER_MNTNS : LAB_ORPHANED;
	if (!li->hostns || li->hostns == (unsigned long)netns_self_ino())
		return LAB_HERE;
	fd = netns_find(li->hostns, netns, len);
	if (fd < 0)
		return LAB_ORPHANED;
	close(fd);
	return LAB_OTHER_NETNS;
}

void lab_hostns_name(const struct lab_info *li, char *name, size_t len)
{
	int fd = li->hostns ? netns_find(li->hostns, name, len) : -ENOENT;

	if (fd >= 0)
		close(fd);
	else
		name[0] = '\0';
}

const char *lab_where_name(enum lab_where w)
{
	static const char *const names[] = {
		[LAB_HERE] = "here",
		[LAB_OTHER_NETNS] = "other-netns",
		[LAB_OTHER_MNTNS] = "other-mntns",
		[LAB_ORPHANED] = "orphaned",
	};

	return names[w];
}

int lab_check_here(const struct lab_info *li, struct err_msg *e)
{
	char netns[256];

	switch (lab_where(li, netns, sizeof(netns))) {
	case LAB_HERE:
		return 0;
	case LAB_OTHER_NETNS:
		return err_set(
			e, -EXDEV,
			"lab %s runs in another network namespace (net:[%lu]%s%s): use nsbpf -n %s ...",
			li->name, li->hostns, netns[0] ? ", " : "", netns,
			netns[0] ? netns : "NETNS");
	case LAB_OTHER_MNTNS:
		return err_set(
			e, -EXDEV,
			"lab %s was brought up in another mount namespace: its /run/netns and bpffs are not visible here%s; run nsbpf where it was brought up (nsbpf -n NETNS ..., not ip netns exec)",
			li->name, place_hint());
	case LAB_ORPHANED:
		break;
	}
	return err_set(
		e, -ENOENT,
		"lab %s is orphaned: the namespace it was brought up in is gone; \"nsbpf down %s\" removes what is left",
		li->name, li->name);
}
