#include "api/router.h"

#include <gtest/gtest.h>

#include "api/errors.h"

namespace easel::api {
namespace {

TEST(SplitTargetTest, DecodesEachSegmentOnItsOwn) {
  auto s = SplitTarget("/api/v1/projects/a%2Fb/x?limit=3");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 5u);
  EXPECT_EQ((*s)[3], "a/b");
  EXPECT_EQ((*SplitTarget("/p/%2e%2e"))[1], "..");
  EXPECT_EQ((*SplitTarget("/p/a%00b"))[1], std::string("a\0b", 3));
  EXPECT_EQ(SplitTarget("/healthz/")->size(), 1u);
  EXPECT_TRUE(SplitTarget("/")->empty());
}

TEST(SplitTargetTest, RejectsMalformedTargets) {
  EXPECT_FALSE(SplitTarget("/a//b").ok());
  EXPECT_FALSE(SplitTarget("/a/%zz").ok());
  EXPECT_FALSE(SplitTarget("/a/%2").ok());
  EXPECT_FALSE(SplitTarget("a/b").ok());
  EXPECT_FALSE(SplitTarget("").ok());
}

TEST(RouterTest, MatchesParamsAndReportsAllowedMethods) {
  Router r;
  int hit = 0;
  r.Add("GET", "/api/v1/projects/{project}", [&](Call&) {
    hit = 1;
    return OkStatus();
  });
  r.Add("DELETE", "/api/v1/projects/{project}", [&](Call&) { return OkStatus(); });
  r.Add("GET", "/api/v1/projects/{project}/jobs/{job}", [&](Call&) { return OkStatus(); });

  auto m = r.Match("GET", {"api", "v1", "projects", "demo", "jobs", "j1"});
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/projects/{project}/jobs/{job}");
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[1].second, "j1");

  auto wrong_method = r.Match("PUT", {"api", "v1", "projects", "demo"});
  EXPECT_EQ(wrong_method.route, nullptr);
  EXPECT_EQ(wrong_method.allowed_methods, (std::vector<std::string>{"GET", "DELETE"}));

  auto nothing = r.Match("GET", {"api", "v2"});
  EXPECT_EQ(nothing.route, nullptr);
  EXPECT_TRUE(nothing.allowed_methods.empty());
}

TEST(ErrorsTest, MapsCanonicalCodesToHttp) {
  EXPECT_EQ(HttpStatusFor(InvalidArgument("x")), 400);
  EXPECT_EQ(HttpStatusFor(Unauthenticated("x")), 401);
  EXPECT_EQ(HttpStatusFor(PermissionDenied("x")), 403);
  EXPECT_EQ(HttpStatusFor(NotFound("x")), 404);
  EXPECT_EQ(HttpStatusFor(AlreadyExists("x")), 409);
  EXPECT_EQ(HttpStatusFor(FailedPrecondition("x")), 412);
  EXPECT_EQ(HttpStatusFor(ResourceExhausted("x")), 429);
  EXPECT_EQ(HttpStatusFor(Status(StatusCode::kResourceExhausted, "x", Json{{"limit_bytes", 1}})),
            413);
  EXPECT_EQ(HttpStatusFor(Unavailable("x")), 503);
  EXPECT_EQ(HttpStatusFor(Internal("x")), 500);
  Json body = ErrorBody(Status(StatusCode::kNotFound, "gone", Json{{"name", "x"}}));
  EXPECT_EQ(body["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(body["error"]["message"], "gone");
  EXPECT_EQ(body["error"]["details"]["name"], "x");
}

}  // namespace
}  // namespace easel::api
