/*
 * csum.h - the Internet checksum (RFC 1071), shared by the IGMP parser and
 * the copy path. Header-only so the pure modules need no extra object.
 */
#ifndef CSUM_H
#define CSUM_H

#include <stddef.h>
#include <stdint.h>

/**
 * csum_add() - add @len bytes at @buf to the running sum @sum (e.g. a
 * pseudo-header) and fold to 16 bits. Not complemented.
 */
static inline uint16_t csum_add(const uint8_t *buf, size_t len, uint32_t sum)
{
	uint64_t acc = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (len & 1)
		acc += (uint32_t)buf[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/**
 * csum_inet() - the checksum of @len bytes, in host order: store it with
 * htons(). A block that includes its correct checksum gives 0.
 */
static inline uint16_t csum_inet(const void *data, size_t len)
{
	return (uint16_t)~csum_add(data, len, 0);
}

#endif
