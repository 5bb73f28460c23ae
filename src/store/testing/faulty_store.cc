#include "store/testing/faulty_store.h"

namespace rampart::store::testing {

FaultyStore::FaultyStore(std::unique_ptr<Store> base, int fail_at, Status error, bool sticky)
    : base_(std::move(base)), fail_at_(fail_at), error_(std::move(error)), sticky_(sticky) {
  RAMPART_CHECK(!error_.ok());
}

Status FaultyStore::NextWrite() {
  int n = ++writes_;
  if (fail_at_ > 0 && (n == fail_at_ || (sticky_ && n > fail_at_))) return error_;
  return Status::Ok();
}

Status FaultyStore::CreateCollection(const Collection& c) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->CreateCollection(c);
}
Result<Collection> FaultyStore::GetCollection(std::string_view id) { return base_->GetCollection(id); }
Result<std::vector<Collection>> FaultyStore::ListCollections() { return base_->ListCollections(); }
Result<std::vector<WriteOutcome>> FaultyStore::AddObjects(std::string_view collection_id,
                                                          const std::vector<NewObject>& objects,
                                                          const WriteOptions& options) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->AddObjects(collection_id, objects, options);
}
Result<Page> FaultyStore::QueryObjects(const ObjectQuery& q) { return base_->QueryObjects(q); }
Result<size_t> FaultyStore::DeleteObject(std::string_view collection_id, std::string_view id,
                                         const VersionFilter& versions,
                                         const std::vector<std::string>& spec_versions,
                                         const WriteOptions& options) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->DeleteObject(collection_id, id, versions, spec_versions, options);
}
Result<std::vector<Tombstone>> FaultyStore::ListTombstones(std::string_view collection_id,
                                                           int64_t after_seq, size_t limit) {
  return base_->ListTombstones(collection_id, after_seq, limit);
}
Result<std::vector<StoredObject>> FaultyStore::FindObservable(const Observable& o, size_t limit) {
  return base_->FindObservable(o, limit);
}
Status FaultyStore::PutStatus(const StatusResource& s) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->PutStatus(s);
}
Result<StatusResource> FaultyStore::GetStatus(std::string_view id) { return base_->GetStatus(id); }
Result<size_t> FaultyStore::PurgeStatuses(Micros cutoff) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->PurgeStatuses(cutoff);
}
Status FaultyStore::PutOrganization(const Organization& o, const WriteOptions& options) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->PutOrganization(o, options);
}
Result<Organization> FaultyStore::GetOrganization(std::string_view id) {
  return base_->GetOrganization(id);
}
Result<std::vector<Organization>> FaultyStore::ListOrganizations() {
  return base_->ListOrganizations();
}
Status FaultyStore::PutUser(const User& u, const WriteOptions& options) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->PutUser(u, options);
}
Result<User> FaultyStore::GetUser(std::string_view id) { return base_->GetUser(id); }
Result<std::vector<User>> FaultyStore::ListUsers() { return base_->ListUsers(); }
Status FaultyStore::PutToken(const Token& t, const WriteOptions& options) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->PutToken(t, options);
}
Result<Token> FaultyStore::FindTokenBySecretHash(std::string_view secret_sha256) {
  return base_->FindTokenBySecretHash(secret_sha256);
}
Result<std::vector<Token>> FaultyStore::ListTokens() { return base_->ListTokens(); }
Status FaultyStore::PutGrant(const Grant& g, const WriteOptions& options) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->PutGrant(g, options);
}
Result<std::vector<Grant>> FaultyStore::ListGrants() { return base_->ListGrants(); }
Status FaultyStore::PutSharingGroup(const SharingGroup& g, const WriteOptions& options) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->PutSharingGroup(g, options);
}
Result<std::vector<SharingGroup>> FaultyStore::ListSharingGroups() {
  return base_->ListSharingGroups();
}
Result<AuditRecord> FaultyStore::AppendAudit(const AuditEntry& e) {
  RAMPART_RETURN_IF_ERROR(NextWrite());
  return base_->AppendAudit(e);
}
Result<std::vector<AuditRecord>> FaultyStore::ReadAudit(int64_t after_seq, size_t limit) {
  return base_->ReadAudit(after_seq, limit);
}
Status FaultyStore::Backup(const std::string& destination) { return base_->Backup(destination); }

}  // namespace rampart::store::testing
