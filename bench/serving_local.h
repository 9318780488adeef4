#pragma once
// The limit a served model is measured against in bench/serving_bench.cc: the same version's
// files loaded in this process (as `easel serve` loads them) and called in a loop on one
// thread, with no protocol, queue or network in between. Errors throw std::runtime_error.

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "train/trainer_api.h"

namespace easel::bench {

class LocalModel {
 public:
  virtual ~LocalModel() = default;
  // Probabilities of `n` of the prepared rows starting at `first` (row-major), computed with
  // the work the server does for them: for a tabular model the stored pipeline on the
  // columns' numbers and the model; for an image classifier decoding, its pipeline and the network.
  virtual std::vector<float> Run(size_t first, size_t n) const = 0;

  // Seconds per call of `n` rows with `threads` intra-op (OpenMP and BLAS) threads, 0 for every
  // core. The 10th percentile of the calls made in at least `block_s` (and at least 5), after
  // one untimed call: this machine is shared, and a limit is what the model does when it has
  // the cores; for the same reason a call on 1 thread is timed by the thread's CPU time.
  // Measured once per (n, threads).
  double SecondsPerCall(size_t n, int threads);
  // The limit: the faster of the two. On a busy machine a team of one thread per core can be
  // far slower for small batches: each parallel region waits for a core.
  double BestSecondsPerCall(size_t n) {
    return std::min(SecondsPerCall(n, 0), SecondsPerCall(n, 1));
  }
  void set_block_seconds(double s) { block_s_ = s; }

 private:
  std::map<std::pair<size_t, int>, double> seconds_;
  double block_s_ = 0.5;
};

// A tabular version (its files, as downloaded) over `cells`: the rows of the raw data keyed by
// column name, each the shortest text of a client's FP32 value; a column whose cells all read
// as numbers enters the pipeline as those numbers, as a column tensor does on the server.
std::unique_ptr<LocalModel> LoadTabular(const std::string& format, const train::ModelFiles& files,
                                        std::vector<std::map<std::string, std::string>> cells);
// An image classifier over encoded images; intra-op threads as the server leaves them.
std::unique_ptr<LocalModel> LoadImage(const std::string& format, const train::ModelFiles& files,
                                      std::vector<std::string> images);

}  // namespace easel::bench
