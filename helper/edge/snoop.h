/*
 * snoop.h - capture the IGMP and MLD messages crossing the tap device.
 *
 * libpcap with a kernel BPF filter for IGMP and MLD only, so the helper never sees
 * data traffic on this path. The capture follows the device:
 * when the tap goes away or is recreated, it is reopened and the caller's
 * state (memberships) is untouched.
 */
#ifndef SNOOP_H
#define SNOOP_H

#include <stddef.h>
#include <stdint.h>

/* Called with each captured Ethernet frame. */
typedef void (*snoop_cb)(const uint8_t *frame, size_t len, void *arg);

/**
 * snoop_start() - capture on @dev until snoop_stop(). Retries every second
 * while the device is missing or down. Return 0, or -1 with errno when
 * the capture can never work (e.g. out of memory).
 */
int snoop_start(const char *dev, snoop_cb cb, void *arg);

/**
 * snoop_inject() - write the whole Ethernet frame @frame into the tap
 * through the capture (our MLD queries: the copy path's sender writes IPv4
 * headers only). Return 0, or -1 with errno (ENODEV: no capture open).
 */
int snoop_inject(const uint8_t *frame, size_t len);

/** snoop_stop() - stop capturing and cancel retries. */
void snoop_stop(void);

#endif
