// SPDX-License-Identifier: MIT
// ProcessResources: what a collector holds while it lives (fds, and the BPF programs, maps and links bpftool lists), to compare with a baseline.
#include "process_resources.h"

#include <cstdio>
#include <filesystem>
#include <regex>
#include <stdexcept>

namespace {

std::string run(const std::string &command)
{
	FILE *pipe = popen(command.c_str(), "r");
	if (!pipe)
		throw std::runtime_error("cannot run " + command);
	std::string output;
	char chunk[4096];
	while (std::size_t length = std::fread(chunk, 1, sizeof(chunk), pipe))
		output.append(chunk, length);
	if (pclose(pipe) != 0)
		throw std::runtime_error(command + " failed (is bpftool installed?)");
	return output;
}

/*
 * Each top-level object of bpftool's JSON list begins with its id and type;
 * programs and maps then have a name, links the id of their program. No
 * JSON library for that: the fields come in this order in bpftool 7.
 */
void add_objects(const std::string &kind, std::set<std::string> &objects)
{
	static const std::regex object(
		R"re(\{"id":(\d+),"type":"[^"]*",(?:"name":"([^"]*)"|"prog_id":(\d+)))re");
	std::string listing = run("bpftool -j " + kind + " show");
	for (auto it = std::sregex_iterator(listing.begin(), listing.end(), object);
	     it != std::sregex_iterator(); ++it) {
		const std::smatch &match = *it;
		std::string what = match[2].matched ? match[2].str() : "prog " + match[3].str();
		objects.insert(kind + " " + match[1].str() + " " + what);
	}
}

} // namespace

ProcessResources ProcessResources::now()
{
	ProcessResources resources;
	for ([[maybe_unused]] const auto &fd : std::filesystem::directory_iterator("/proc/self/fd"))
		++resources.fds;
	for (const char *kind : {"prog", "map", "link"})
		add_objects(kind, resources.bpf_objects);
	return resources;
}

std::vector<std::string> ProcessResources::grown_in(const ProcessResources &later) const
{
	std::vector<std::string> grown;
	if (later.fds != fds)
		grown.push_back("open fds: " + std::to_string(fds) + " -> " + std::to_string(later.fds));
	for (const std::string &object : later.bpf_objects)
		if (!bpf_objects.contains(object))
			grown.push_back("still loaded: " + object);
	return grown;
}
