// API keys: creation, lookup by hash, roles, revocation through the cache; and ReaderPool reuse.
#include "app/authenticator.h"

#include <gtest/gtest.h>

#include "app/api_keys.h"
#include "app/engine_test_support.h"
#include "app/fake_stock_store.h"
#include "app/fault_injecting_store.h"
#include "support/crypto.h"

namespace restock::testing {
namespace {

class AuthenticatorTest : public ::testing::Test {
  protected:
    CreatedKey create(Role role, std::string name) {
        auto created = create_api_key(store_, clock_, role, std::move(name));
        EXPECT_TRUE(created.ok()) << created.error().message;
        return created.ok() ? created.value() : CreatedKey{};
    }

    FakeStockStore store_;
    FaultInjectingStore faults_{store_};
    FakeClock clock_;
    ReaderPool readers_{faults_};
    Authenticator authenticator_{readers_, clock_};
};

TEST_F(AuthenticatorTest, CreatedKeysAreStoredHashedOnly) {
    const CreatedKey key = create(Role::kFactory, "factory-1");
    EXPECT_EQ(key.key.rfind("rk_", 0), 0u);
    EXPECT_GE(key.key.size(), 40u);
    EXPECT_EQ(key.record.hash, sha256_hex(key.key));
    EXPECT_EQ(key.record.role, "factory");
    EXPECT_EQ(key.record.created_at_ms, clock_.now_ms());
    auto listed = store_.list_keys();
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().hash, key.record.hash);
    EXPECT_NE(create(Role::kFactory, "factory-2").key, key.key);
}

TEST_F(AuthenticatorTest, KeyNamesUseTheSkuAlphabet) {
    for (const std::string& bad :
         std::vector<std::string>{"", "has space", std::string(65, 'k'), "caf\xc3\xa9"}) {
        auto created = create_api_key(store_, clock_, Role::kAdmin, bad);
        ASSERT_FALSE(created.ok()) << bad;
        EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
    }
}

TEST_F(AuthenticatorTest, DuplicateNamesAreRefusedByTheStore) {
    create(Role::kAdmin, "ops");
    auto again = create_api_key(store_, clock_, Role::kAdmin, "ops");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(AuthenticatorTest, AuthenticatesAKnownKey) {
    const CreatedKey key = create(Role::kStorefront, "shop");
    auto principal = authenticator_.authenticate(key.key);
    ASSERT_TRUE(principal.ok()) << principal.error().message;
    EXPECT_EQ(principal->name, "shop");
    EXPECT_EQ(principal->role, Role::kStorefront);
}

TEST_F(AuthenticatorTest, UnknownKeyIsUnauthorized) {
    create(Role::kStorefront, "shop");
    auto principal = authenticator_.authenticate("rk_not-a-real-key");
    ASSERT_FALSE(principal.ok());
    EXPECT_EQ(principal.error().slug, "unauthorized");
    EXPECT_EQ(principal.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AuthenticatorTest, RevocationTakesEffectWhenTheCacheExpires) {
    const CreatedKey key = create(Role::kAdmin, "ops");
    ASSERT_TRUE(authenticator_.authenticate(key.key).ok());
    ASSERT_TRUE(store_.revoke_key("ops", clock_.now_ms()).ok());
    EXPECT_TRUE(authenticator_.authenticate(key.key).ok());  // cached
    clock_.advance(Authenticator::kCacheMs);
    auto principal = authenticator_.authenticate(key.key);
    ASSERT_FALSE(principal.ok());
    EXPECT_EQ(principal.error().slug, "unauthorized");
}

TEST_F(AuthenticatorTest, StoreFailureIsUnavailableAndNotCached) {
    const CreatedKey key = create(Role::kAdmin, "ops");
    faults_.fail_reads(true);
    auto principal = authenticator_.authenticate(key.key);
    ASSERT_FALSE(principal.ok());
    EXPECT_EQ(principal.error().code, ErrorCode::kUnavailable);
    faults_.fail_reads(false);
    EXPECT_TRUE(authenticator_.authenticate(key.key).ok());
}

TEST(RoleTest, NamesAndPermissions) {
    for (auto role : {Role::kStorefront, Role::kFactory, Role::kAdmin}) {
        EXPECT_EQ(parse_role(to_string(role)), role);
        EXPECT_TRUE(allows(Role::kAdmin, role));
        EXPECT_TRUE(allows(role, role));
    }
    EXPECT_FALSE(parse_role("root"));
    EXPECT_FALSE(allows(Role::kStorefront, Role::kAdmin));
    EXPECT_FALSE(allows(Role::kStorefront, Role::kFactory));
    EXPECT_FALSE(allows(Role::kFactory, Role::kStorefront));
}

TEST(ReaderPoolTest, ReusesReleasedReaders) {
    FakeStockStore store;
    ReaderPool pool(store);
    StockReader* first = nullptr;
    {
        auto lease = pool.acquire();
        ASSERT_TRUE(lease.ok());
        first = &*lease.value();
    }
    auto again = pool.acquire();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(&*again.value(), first);
    auto second = pool.acquire();  // the first is leased: a new one
    ASSERT_TRUE(second.ok());
    EXPECT_NE(&*second.value(), first);
}

}  // namespace
}  // namespace restock::testing
