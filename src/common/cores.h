#pragma once
// How many cores this process may use: the default for every thread count easel picks itself
// (trainers, search trials, decoders, gRPC threads).

namespace easel {

// The CPUs in the calling thread's affinity mask (a container's cpuset or `taskset` narrows
// it; std::thread::hardware_concurrency() counts the whole machine), at least 1.
int UsableCores();

}  // namespace easel
