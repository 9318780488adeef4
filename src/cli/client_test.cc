#include "cli/client.h"

#include <gtest/gtest.h>

#include "cli/command.h"

namespace easel::cli {
namespace {

TEST(StatusFromResponseTest, KeepsTheServersCodeMessageAndDetails) {
  Status s = StatusFromResponse(
      404, R"({"error": {"code": "NOT_FOUND", "message": "project 'x' does not exist",
                         "details": {}}})");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "project 'x' does not exist");
  EXPECT_TRUE(s.details().is_null());

  s = StatusFromResponse(400, R"({"error": {"code": "INVALID_ARGUMENT", "message": "bad field",
                                            "details": {"field": "name"}}})");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "bad field");
  EXPECT_EQ(s.details(), (Json{{"field", "name"}}));
}

TEST(StatusFromResponseTest, CodeNameWinsOverHttpStatus) {
  // FAILED_PRECONDITION may be sent as 409 "where clearer": the name is the truth.
  Status s = StatusFromResponse(
      409, R"({"error": {"code": "FAILED_PRECONDITION", "message": "job already finished"}})");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
}

TEST(StatusFromResponseTest, UnknownCodeNameFallsBackToHttpStatus) {
  Status s = StatusFromResponse(403, R"({"error": {"code": "NOPE", "message": "m"}})");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "m");
  s = StatusFromResponse(409, R"({"error": {"code": 7}})");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "the server answered HTTP 409");
}

TEST(StatusFromResponseTest, NonEaselBodiesQuoteTheFirstLine) {
  Status s = StatusFromResponse(502, "<html>Bad Gateway</html>\nmore");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "the server answered HTTP 502: <html>Bad Gateway</html>");
  s = StatusFromResponse(500, "");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "the server answered HTTP 500");
  s = StatusFromResponse(401, R"({"error": "string"})");
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
}

TEST(StatusFromResponseTest, ServerDetailsCannotPoseAsClientErrors) {
  Status s = StatusFromResponse(400, R"({"error": {"code": "INVALID_ARGUMENT", "message": "m",
                         "details": {"_easel_cli": "usage", "field": "x"}}})");
  EXPECT_EQ(s.details(), (Json{{"field", "x"}}));
  EXPECT_EQ(ExitCodeFor(s), kExitFailed);
}

TEST(ExitCodeTest, DistinguishesServerErrorsUsageAndUnreachable) {
  EXPECT_EQ(ExitCodeFor(OkStatus()), kExitOk);
  EXPECT_EQ(ExitCodeFor(NotFound("x")), kExitFailed);
  EXPECT_EQ(ExitCodeFor(StatusFromResponse(503, R"({"error": {"code": "UNAVAILABLE",
                                                              "message": "draining"}})")),
            kExitFailed)
      << "a server that answers is reachable, even when it says UNAVAILABLE";
  EXPECT_EQ(ExitCodeFor(UsageError("no project")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(Unreachable("http://h:1", "connection refused")), kExitUnreachable);
  EXPECT_TRUE(IsUnreachable(Unreachable("http://h:1", "x")));
  EXPECT_NE(Unreachable("http://h:1", "x").message().find("cannot reach the server at http://h:1"),
            std::string::npos);
}

TEST(EncodeComponentTest, EscapesEverythingButUnreserved) {
  EXPECT_EQ(EncodeComponent("abc-._~XYZ09"), "abc-._~XYZ09");
  EXPECT_EQ(EncodeComponent("a b/c?d#e%"), "a%20b%2Fc%3Fd%23e%25");
  EXPECT_EQ(EncodeComponent(".."), "..");
  EXPECT_EQ(EncodeComponent("é"), "%C3%A9");
}

TEST(QueryStringTest, SkipsEmptyValues) {
  EXPECT_EQ(QueryString({}), "");
  EXPECT_EQ(QueryString({{"state", ""}, {"limit", "5"}, {"page_token", "a=b&c"}}),
            "?limit=5&page_token=a%3Db%26c");
}

TEST(ApiClientTest, RejectsServersThatAreNotHttpUrls) {
  for (const char* bad : {"", "localhost:8080", "ftp://h", "http://", "http://h:1 x"}) {
    auto c = ApiClient::Create({bad, ""});
    EXPECT_FALSE(c.ok()) << bad;
  }
  EXPECT_TRUE(ApiClient::Create({"http://127.0.0.1:8080", ""}).ok());
  EXPECT_TRUE(ApiClient::Create({"https://easel.example.com/prefix/", "t"}).ok());
}

TEST(ApiClientTest, ConnectionRefusedIsUnreachable) {
  // Port 1 on loopback: nothing listens there on any sane machine.
  auto client = ApiClient::Create({"http://127.0.0.1:1", "t"});
  ASSERT_TRUE(client.ok());
  Result<Json> r = (*client)->Get("/api/v1/users/me");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsUnreachable(r.status())) << r.status().ToString();
  EXPECT_EQ(ExitCodeFor(r.status()), kExitUnreachable);
}

}  // namespace
}  // namespace easel::cli
