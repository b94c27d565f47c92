/*
 * table.h - render the CSV status report as aligned tables for a terminal.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stdio.h>

/**
 * table_render() - print each HEADER section of @csv as a table with
 * aligned columns. TITLE and TIME become a heading line; END is dropped.
 * Return 0, or -1 with errno ENOMEM.
 */
int table_render(const char *csv, FILE *out);

#endif
