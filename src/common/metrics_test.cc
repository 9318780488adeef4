#include "common/metrics.h"

#include <gtest/gtest.h>

namespace easel {
namespace {

TEST(MetricsTest, RendersCountersHistogramsGauges) {
  MetricsRegistry m;
  m.DeclareCounter("easel_requests_total", "Requests.");
  m.DeclareHistogram("easel_latency_seconds", "Latency.", {0.1, 1});
  m.DeclareGauge("easel_jobs", "Jobs.", [] {
    return std::vector<std::pair<MetricLabels, double>>{{{{"state", "queued"}}, 3}};
  });
  m.Increment("easel_requests_total", {{"route", "/x"}, {"code", "200"}});
  m.Increment("easel_requests_total", {{"route", "/x"}, {"code", "200"}});
  m.Increment("undeclared", {});
  m.Observe("easel_latency_seconds", {}, 0.05);
  m.Observe("easel_latency_seconds", {}, 0.5);
  m.Observe("easel_latency_seconds", {}, 5);
  std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE easel_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("easel_requests_total{route=\"/x\",code=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("easel_latency_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("easel_latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("easel_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("easel_latency_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("easel_jobs{state=\"queued\"} 3\n"), std::string::npos);
  EXPECT_EQ(text.find("undeclared"), std::string::npos);
}

TEST(MetricsTest, HandlesRecordIntoTheirSeries) {
  MetricsRegistry m;
  m.DeclareCounter("easel_calls_total", "Calls.");
  m.DeclareHistogram("easel_call_seconds", "Call time.", {0.1, 1});
  const auto calls = m.Handle("easel_calls_total", {{"outcome", "ok"}});
  const auto failed = m.Handle("easel_calls_total", {{"outcome", "failed"}});
  const auto seconds = m.Handle("easel_call_seconds", {{"outcome", "ok"}});
  // A new series shows at zero until something is recorded.
  EXPECT_NE(m.Render().find("easel_calls_total{outcome=\"failed\"} 0\n"), std::string::npos);
  calls.Increment();
  calls.Increment(2);
  m.Increment("easel_calls_total", {{"outcome", "ok"}});  // the same series by name
  seconds.Observe(0.5);
  seconds.Increment();  // the wrong kind: ignored
  calls.Observe(1);
  MetricsRegistry::SeriesHandle nothing = m.Handle("undeclared", {});
  nothing.Increment();
  nothing.Observe(1);
  MetricsRegistry::SeriesHandle{}.Increment();
  const std::string text = m.Render();
  EXPECT_NE(text.find("easel_calls_total{outcome=\"ok\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("easel_calls_total{outcome=\"failed\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("easel_call_seconds_bucket{outcome=\"ok\",le=\"0.1\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("easel_call_seconds_bucket{outcome=\"ok\",le=\"1\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("easel_call_seconds_count{outcome=\"ok\"} 1\n"), std::string::npos);
  EXPECT_EQ(text.find("undeclared"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace easel
