// SPDX-License-Identifier: MIT
// tcptop_version(): the version of the library actually loaded.
#include <tcptop/tcptop.h>

const char *tcptop_version(void)
{
	return TCPTOP_VERSION_STRING;
}
