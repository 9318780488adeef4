#include <thread>

#include "auth/passwords.h"
#include "auth/projects.h"
#include "auth/tokens.h"
#include "auth/users.h"
#include "store/store_test_support.h"

namespace easel::auth {
namespace {

class AuthTest : public store::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    tokens_ = std::make_unique<TokenService>(*db_);
    users_ = std::make_unique<UserService>(*db_, *tokens_);
    projects_ = std::make_unique<ProjectService>(*db_);
  }
  Principal PrincipalFor(const std::string& name) {
    auto user = users_->Create(name, std::nullopt, false);
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    auto t = tokens_->Issue(user->id, "t", "api", std::nullopt);
    return *tokens_->Authenticate(t->secret);
  }
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<UserService> users_;
  std::unique_ptr<ProjectService> projects_;
};

TEST_P(AuthTest, BootstrapCreatesAdminOnce) {
  auto first = users_->Bootstrap(std::nullopt);
  ASSERT_TRUE(first.ok() && first->has_value());
  auto admin = tokens_->Authenticate(**first);
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(admin->is_admin);
  EXPECT_EQ(admin->user_name, "admin");
  auto second = users_->Bootstrap(std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST_P(AuthTest, BootstrapAdoptsAdminTokenFromEnvironment) {
  EXPECT_EQ(users_->Bootstrap(std::string("short")).status().code(), StatusCode::kInvalidArgument);
  std::string chosen(40, 'k');
  auto r = users_->Bootstrap(chosen);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, chosen);
  EXPECT_TRUE(tokens_->Authenticate(chosen)->is_admin);
  auto stored = db_->QueryOne("SELECT COUNT(*) FROM tokens WHERE secret_hash = ?", {chosen});
  EXPECT_EQ((*stored)->Int(0), 0) << "secrets must be stored hashed";
}

TEST_P(AuthTest, TokensRevokeAndExpire) {
  auto u = users_->Create("ada", std::nullopt, false);
  auto t = tokens_->Issue(u->id, "ci", "api", std::nullopt);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->secret.size(), 46u);
  auto p = tokens_->Authenticate(t->secret);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->user_name, "ada");
  ASSERT_TRUE(tokens_->Revoke(*p, t->info.id).ok());
  EXPECT_EQ(tokens_->Authenticate(t->secret).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(tokens_->Revoke(*p, t->info.id).ok()) << "revoking twice is fine";

  auto short_lived = tokens_->Issue(u->id, "brief", "api", 1);
  ASSERT_TRUE(tokens_->Authenticate(short_lived->secret).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(tokens_->Authenticate(short_lived->secret).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens_->Authenticate("ez_nonsense").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens_->Issue(u->id, "x", "api", 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(AuthTest, RevocationByAnotherServerTakesEffectWithinOneSecond) {
  auto u = users_->Create("ada", std::nullopt, false);
  auto t = tokens_->Issue(u->id, "ci", "api", std::nullopt);
  ASSERT_TRUE(tokens_->Authenticate(t->secret).ok());               // now cached
  ASSERT_TRUE(db_->Exec("UPDATE tokens SET revoked_at = 1").ok());  // a replica revoked it
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  EXPECT_FALSE(tokens_->Authenticate(t->secret).ok());
}

TEST_P(AuthTest, UsersCannotSeeOrRevokeOthersTokens) {
  Principal ada = PrincipalFor("ada");
  Principal bob = PrincipalFor("bob");
  EXPECT_EQ(tokens_->Revoke(bob, ada.token_id).code(), StatusCode::kNotFound);
  EXPECT_EQ(tokens_->List(bob.user_id)->size(), 1u);
}

TEST_P(AuthTest, LoginChecksPasswordWithArgon2id) {
  ASSERT_TRUE(users_->Create("ada", std::string("correct horse"), false).ok());
  auto hash = db_->QueryOne("SELECT password_hash FROM users WHERE name = 'ada'");
  EXPECT_EQ((*hash)->Str(0).rfind("$argon2id$", 0), 0u);
  auto session = users_->Login("ada", "correct horse", 3600);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(tokens_->Authenticate(session->secret)->user_name, "ada");
  EXPECT_EQ(users_->Login("ada", "wrong horse!", 3600).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(users_->Login("nobody", "whatever1", 3600).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(users_->Create("ada", std::nullopt, false).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(users_->Create("bob", std::string("short"), false).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(AuthTest, ProjectAccessMatrix) {
  Principal owner = PrincipalFor("owner");
  Principal viewer = PrincipalFor("viewer");
  Principal stranger = PrincipalFor("stranger");
  auto p = projects_->Create(owner, "vision", "cameras");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(projects_->PutMember(*p, "viewer", Role::kViewer).ok());

  EXPECT_TRUE(projects_->Authorize(owner, "vision", Role::kOwner).ok());
  EXPECT_TRUE(projects_->Authorize(viewer, "vision", Role::kViewer).ok());
  EXPECT_EQ(projects_->Authorize(viewer, "vision", Role::kEditor).status().code(),
            StatusCode::kPermissionDenied);
  auto hidden = projects_->Authorize(stranger, "vision", Role::kViewer);
  auto missing = projects_->Authorize(stranger, "nothing", Role::kViewer);
  EXPECT_EQ(hidden.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(projects_->Authorize(stranger, "../etc", Role::kViewer).status().code(),
            StatusCode::kInvalidArgument);

  EXPECT_EQ(projects_->List(stranger, "", 10)->size(), 0u);
  EXPECT_EQ(projects_->List(viewer, "", 10)->size(), 1u);
  EXPECT_EQ(projects_->Create(stranger, "vision", "").status().code(), StatusCode::kAlreadyExists);
}

TEST_P(AuthTest, ProjectKeepsAnOwner) {
  Principal owner = PrincipalFor("owner");
  PrincipalFor("other");
  auto p = projects_->Create(owner, "vision", "");
  EXPECT_EQ(projects_->PutMember(*p, "owner", Role::kEditor).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(projects_->RemoveMember(*p, "owner").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(projects_->PutMember(*p, "other", Role::kOwner).ok());
  EXPECT_TRUE(projects_->RemoveMember(*p, "owner").ok());
  EXPECT_EQ(projects_->ListMembers(*p)->size(), 1u);
  EXPECT_EQ(projects_->PutMember(*p, "ghost", Role::kViewer).status().code(),
            StatusCode::kNotFound);
}

TEST_P(AuthTest, DeleteRefusedWhileJobsAreActive) {
  Principal owner = PrincipalFor("owner");
  auto p = projects_->Create(owner, "vision", "");
  ASSERT_TRUE(
      db_->Exec("INSERT INTO jobs (id, project_id, kind, spec, state, max_attempts, "
                "timeout_s, created_at) VALUES ('j', ?, 'sleep', '{}', 'running', 3, 60, 0)",
                {p->id})
          .ok());
  EXPECT_EQ(projects_->Delete(*p).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(db_->Exec("UPDATE jobs SET state = 'succeeded'").ok());
  EXPECT_TRUE(projects_->Delete(*p).ok());
  EXPECT_EQ(projects_->Authorize(owner, "vision", Role::kViewer).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ((*db_->QueryOne("SELECT COUNT(*) FROM jobs"))->Int(0), 0);
}

TEST_P(AuthTest, MembershipChangesHereApplyAtOnceAndElsewhereWithinASecond) {
  Principal owner = PrincipalFor("owner");
  Principal ada = PrincipalFor("ada");
  auto p = projects_->Create(owner, "vision", "");
  ASSERT_TRUE(projects_->PutMember(*p, "ada", Role::kViewer).ok());
  ASSERT_TRUE(projects_->Authorize(ada, "vision", Role::kViewer).ok());  // now cached
  ASSERT_TRUE(projects_->PutMember(*p, "ada", Role::kEditor).ok());
  EXPECT_TRUE(projects_->Authorize(ada, "vision", Role::kEditor).ok())
      << "a local change applies at once";
  ASSERT_TRUE(projects_->RemoveMember(*p, "ada").ok());
  EXPECT_EQ(projects_->Authorize(ada, "vision", Role::kViewer).status().code(),
            StatusCode::kNotFound);

  ASSERT_TRUE(projects_->PutMember(*p, "ada", Role::kViewer).ok());
  ASSERT_TRUE(projects_->Authorize(ada, "vision", Role::kViewer).ok());
  // Another server sharing the database removes her.
  ASSERT_TRUE(db_->Exec("DELETE FROM project_members WHERE user_id = ?", {ada.user_id}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  EXPECT_EQ(projects_->Authorize(ada, "vision", Role::kViewer).status().code(),
            StatusCode::kNotFound);
}

EASEL_INSTANTIATE_ENGINE_TEST(AuthTest);

TEST(PasswordTest, HashesVerifyAndRejectTampering) {
  auto h = HashPassword("a good password");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(VerifyPassword("a good password", *h));
  EXPECT_FALSE(VerifyPassword("a good passwore", *h));
  EXPECT_FALSE(VerifyPassword("a good password", "garbage"));
  EXPECT_NE(*HashPassword("a good password"), *h) << "salted";
}

}  // namespace
}  // namespace easel::auth
