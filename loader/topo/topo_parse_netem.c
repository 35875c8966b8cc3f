// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The scalars of netem: (topo_internal.h): a delay in us, ms or s, a loss
 * in percent, a rate in kbit, mbit or gbit, each a decimal number with an
 * optional fraction. Strict like the other parsers: no sign, no space, no
 * leading zero, a unit always.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "topo/topo_internal.h"

/*
 * "12" or "12.5" times 10^scale into *v (more fraction digits than scale:
 * -EINVAL); *end after the number. -ERANGE past max.
 */
static int parse_scaled(const char *s, unsigned int scale, uint64_t max, uint64_t *v,
			const char **end)
{
	uint64_t n = 0;
	unsigned int frac = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max)
			return -ERANGE;
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++, frac++) {
			if (frac == scale)
				return -EINVAL;
			n = n * 10 + (uint64_t)(*p - '0');
		}
	}
	for (; frac < scale; frac++)
		n *= 10;
	*v = n;
	*end = p;
	return 0;
}

/* The number and a unit of units[] (multipliers in mults[]), times 10^-scale. */
static int parse_unit(const char *s, unsigned int scale, const char *const *units,
		      const uint64_t *mults, uint64_t max, uint64_t *out)
{
	uint64_t v, div = 1;
	const char *end;
	int err;

	for (unsigned int i = 0; i < scale; i++)
		div *= 10;
	err = parse_scaled(s, scale, max, &v, &end);
	if (err)
		return err;
	for (size_t i = 0; units[i]; i++) {
		if (strcmp(end, units[i]))
			continue;
		if (v / div > max / mults[i])
			return -ERANGE;
		*out = v * mults[i] / div;
		return *out > max ? -ERANGE : 0;
	}
	return -EINVAL;
}

int topo_parse_delay_us(const char *s, uint32_t *us)
{
	static const char *const units[] = { "us", "ms", "s", NULL };
	static const uint64_t mults[] = { 1, 1000, 1000000 };
	uint64_t v;
	int err = parse_unit(s, 3, units, mults, TOPO_NETEM_DELAY_MAX, &v);

	if (!err)
		*us = (uint32_t)v;
	return err;
}

int topo_parse_loss_ppm(const char *s, uint32_t *ppm)
{
	static const char *const units[] = { "%", NULL };
	static const uint64_t mults[] = { 10000 };
	uint64_t v;
	int err = parse_unit(s, 4, units, mults, 1000000, &v);

	if (!err)
		*ppm = (uint32_t)v;
	return err;
}

int topo_parse_rate_bps(const char *s, uint64_t *bps)
{
	static const char *const units[] = { "kbit", "mbit", "gbit", NULL };
	static const uint64_t mults[] = { 1000, 1000000, 1000000000 };
	int err = parse_unit(s, 3, units, mults, TOPO_NETEM_RATE_MAX, bps);

	if (!err && *bps < TOPO_NETEM_RATE_MIN)
		return -ERANGE;
	return err;
}
