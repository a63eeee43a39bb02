// SPDX-License-Identifier: MIT
// The whole public C++ API of libtcptop in one include.
#pragma once

#include <tcptop/connection_record.h>
#include <tcptop/ebpf_collector.h>
#include <tcptop/ebpf_programs.h>
#include <tcptop/error.h>
#include <tcptop/features.h>
#include <tcptop/network_collector.h>
#include <tcptop/options.h>
#include <tcptop/snapshot.h>
#include <tcptop/sock_diag_collector.h>
#include <tcptop/version.h>
#include <tcptop/workload.h>
