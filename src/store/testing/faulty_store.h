// FaultyStore: a store::Store decorator that fails the Nth write, for testing
// the error paths of the modules above the store (taxii, ingest, sync)
// without a database. Modelled on LevelDB's ErrorEnv.
//
// Writes are: CreateCollection, AddObjects, DeleteObject, PutStatus,
// PurgeStatuses, Put{Organization,User,Token,Grant,SharingGroup},
// AppendAudit. Reads pass through unchanged. A failed write does not reach
// the wrapped store.
//
// Thread-safety: as the wrapped store; the write counter is atomic.
#ifndef RAMPART_STORE_TESTING_FAULTY_STORE_H_
#define RAMPART_STORE_TESTING_FAULTY_STORE_H_

#include <atomic>
#include <memory>

#include "store/store.h"

namespace rampart::store::testing {

class FaultyStore final : public Store {
 public:
  // Fails write number `fail_at` (1-based; 0 = never) with `error`; when
  // `sticky`, every later write fails too. REQUIRES: !error.ok().
  FaultyStore(std::unique_ptr<Store> base, int fail_at,
              Status error = Status::IoError("injected fault: disk full"), bool sticky = false);

  // Writes attempted so far (failed ones included).
  int writes() const { return writes_.load(); }
  Store& base() { return *base_; }

  Status CreateCollection(const Collection& c) override;
  Result<Collection> GetCollection(std::string_view id) override;
  Result<std::vector<Collection>> ListCollections() override;
  Result<std::vector<WriteOutcome>> AddObjects(std::string_view collection_id,
                                               const std::vector<NewObject>& objects,
                                               const WriteOptions& options) override;
  Result<Page> QueryObjects(const ObjectQuery& q) override;
  Result<size_t> DeleteObject(std::string_view collection_id, std::string_view id,
                              const VersionFilter& versions,
                              const std::vector<std::string>& spec_versions,
                              const WriteOptions& options) override;
  Result<std::vector<Tombstone>> ListTombstones(std::string_view collection_id, int64_t after_seq,
                                                size_t limit) override;
  Result<std::vector<StoredObject>> FindObservable(const Observable& o, size_t limit) override;
  Status PutStatus(const StatusResource& s) override;
  Result<StatusResource> GetStatus(std::string_view id) override;
  Result<size_t> PurgeStatuses(Micros cutoff) override;
  Status PutOrganization(const Organization& o, const WriteOptions& options) override;
  Result<Organization> GetOrganization(std::string_view id) override;
  Result<std::vector<Organization>> ListOrganizations() override;
  Status PutUser(const User& u, const WriteOptions& options) override;
  Result<User> GetUser(std::string_view id) override;
  Result<std::vector<User>> ListUsers() override;
  Status PutToken(const Token& t, const WriteOptions& options) override;
  Result<Token> FindTokenBySecretHash(std::string_view secret_sha256) override;
  Result<std::vector<Token>> ListTokens() override;
  Status PutGrant(const Grant& g, const WriteOptions& options) override;
  Result<std::vector<Grant>> ListGrants() override;
  Status PutSharingGroup(const SharingGroup& g, const WriteOptions& options) override;
  Result<std::vector<SharingGroup>> ListSharingGroups() override;
  Result<AuditRecord> AppendAudit(const AuditEntry& e) override;
  Result<std::vector<AuditRecord>> ReadAudit(int64_t after_seq, size_t limit) override;
  Status Backup(const std::string& destination) override;

 private:
  // OK, or the injected error if this write is to fail.
  Status NextWrite();

  std::unique_ptr<Store> base_;
  const int fail_at_;
  const Status error_;
  const bool sticky_;
  std::atomic<int> writes_{0};
};

}  // namespace rampart::store::testing

#endif  // RAMPART_STORE_TESTING_FAULTY_STORE_H_
