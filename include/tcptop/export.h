// SPDX-License-Identifier: MIT
// TCPTOP_EXPORT: marks what the shared library exports (the rest is hidden).
#pragma once

#define TCPTOP_EXPORT __attribute__((visibility("default")))
