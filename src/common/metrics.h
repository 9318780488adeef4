#pragma once
// A small Prometheus registry: counters and histograms with labels, and gauges computed on
// scrape. Rendered in the Prometheus text exposition format (version 0.0.4). Thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace easel {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
  struct Family;
  struct Series;

 public:
  // One series of a counter or a histogram, looked up once, for code that records on every
  // request: Increment and Observe skip the family and label lookups. A handle of an
  // undeclared family, of the wrong type, or default-constructed does nothing. Valid while the
  // registry is.
  class SeriesHandle {
   public:
    SeriesHandle() = default;
    void Increment(double by = 1) const;  // counters
    void Observe(double value) const;     // histograms

   private:
    friend class MetricsRegistry;
    SeriesHandle(Family* family, Series* series, bool counter)
        : family_(family), series_(series), counter_(counter) {}
    Family* family_ = nullptr;
    Series* series_ = nullptr;
    bool counter_ = false;
  };

  // Families must be declared before use; using an undeclared family is a programming error
  // and is ignored (never crashes a request).
  void DeclareCounter(const std::string& name, const std::string& help);
  void DeclareHistogram(const std::string& name, const std::string& help,
                        std::vector<double> upper_bounds);
  // `collect` runs on every scrape and returns the current samples.
  void DeclareGauge(const std::string& name, const std::string& help,
                    std::function<std::vector<std::pair<MetricLabels, double>>()> collect);

  void Increment(const std::string& name, const MetricLabels& labels, double by = 1);
  void Observe(const std::string& name, const MetricLabels& labels, double value);
  // The series of `labels` in a counter or histogram family, created (at zero) if new.
  SeriesHandle Handle(const std::string& name, const MetricLabels& labels);

  std::string Render() const;

 private:
  struct Series {
    MetricLabels labels;
    double value = 0;               // counters
    std::vector<uint64_t> buckets;  // histograms: cumulative counts are computed on render
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    std::string help;
    std::string type;
    std::vector<double> bounds;
    std::function<std::vector<std::pair<MetricLabels, double>>()> collect;
    std::map<std::string, Series> series;  // by rendered label set
    mutable std::mutex mu;
  };
  Family* Find(const std::string& name) const;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

// Escapes a label value for the text format.
std::string EscapeLabelValue(const std::string& v);

}  // namespace easel
