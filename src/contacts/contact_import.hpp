// An import: many lines, each a new contact (or, with upsert_on, an upsert by a unique field),
// written in large batches through ContactsService::WriteValid and WriteBatch, so each line is
// checked exactly as a POST (or a PUT by id_property) would be and each committed line records its
// event. A line that fails is rejected alone; the others are written. The reading of lines (NDJSON,
// CSV) is the caller's: this takes each line's field map, or why it could not be read. Not
// thread-safe: one import is fed from one thread at a time.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"
#include "contacts/contacts_service.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace contactsd::contacts {

struct ImportOptions {
  // A unique field ("email", "external_id"): a line whose value of it an active contact holds
  // updates that contact; the others create one. Unset: every line creates.
  std::optional<std::string> upsert_on;
  // Lines per transaction; REQUIRES: 1..store::kMaxWriteOps. A larger transaction writes each
  // page of the key and search indexes it changes once for more lines (docs/benchmarks.md).
  std::size_t batch_lines = 5000;
  std::size_t max_reported = 100;  // rejected lines listed with their errors; the rest counted
};

struct RejectedLine {
  std::int64_t line = 0;  // 1-based, as the input numbers it
  Error error;
};

struct ImportReport {
  std::int64_t lines = 0;  // lines written or rejected so far
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t rejected = 0;
  std::vector<RejectedLine> rejects;  // the first max_reported rejected lines
};

class ContactImport {
 public:
  // Errors (of Open): Forbidden when `who` may not write; BadRequest "invalid_query" when
  // upsert_on is not a unique field of the model.
  static Result<ContactImport> Open(const ContactsService& contacts, Principal who,
                                    ImportOptions options);

  // Queues line `line`: its field map (out of the model's envelope), or why it could not be
  // read, which rejects it. A full batch is written. Errors: the store's, for the batch being
  // written (none of it is; the batches before it stay written): the import cannot go on.
  Status Add(std::int64_t line, Result<boost::json::object> fields);
  // Writes what is queued. Errors as Add's.
  Status Finish();
  // Ends an import that cannot go on (its input broke off): the batch being written stays
  // written, so it is waited for and counted, and the report says all that the import stored;
  // the lines queued after it are dropped. Errors: the store's, for that batch.
  Status Stop();

  const ImportReport& report() const { return report_; }
  // Called after each batch is written, with the report so far (progress).
  std::function<void(const ImportReport&)> on_batch;
  // Called for every rejected line as it is rejected (the report keeps only the first ones).
  std::function<void(const RejectedLine&)> on_reject;

 private:
  ContactImport(const ContactsService& contacts, Principal who, ImportOptions options)
      : contacts_(&contacts), who_(std::move(who)), options_(std::move(options)) {}
  // When a batch's line fails its write, the others are written in parts of this many lines.
  static constexpr std::size_t kLinesEachOnItsOwn = 250;

  // A batch of lines: what it asks, and (once started) its write.
  struct Batch {
    std::vector<BatchOp> ops;  // kept to write them each on its own if the batch fails
    std::vector<std::int64_t> lines;
    std::future<Result<ValidWrite>> written;
    // The thread writing it, where the store's writes block (waited for when destroyed,
    // before `written`).
    std::future<void> writing;
  };

  void Reject(std::int64_t line, Error error);
  // Checks the queued lines, settles the batch in flight, then starts writing them.
  Status WriteQueued();
  // Waits for the batch in flight and counts its results (writing its lines each on its own
  // when it failed).
  Status Settle();
  // Counts the results of the lines `lines[first...]`.
  void Tally(std::vector<BatchResult>& results, const std::vector<std::int64_t>& lines,
             std::size_t first);

  const ContactsService* contacts_;
  Principal who_;
  ImportOptions options_;
  std::vector<BatchOp> queued_;
  std::vector<std::int64_t> queued_lines_;
  std::optional<Batch> in_flight_;
  ImportReport report_;
};

}  // namespace contactsd::contacts
