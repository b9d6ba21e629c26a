#include "contacts/contact_import.hpp"

#include "store/store.hpp"

#include <algorithm>
#include <future>
#include <malloc.h>
#include <memory>
#include <utility>

namespace contactsd::contacts {

Result<ContactImport> ContactImport::Open(const ContactsService& contacts, Principal who,
                                          ImportOptions options) {
  if (auto allowed = contacts.MayWrite(who); !allowed) return std::move(allowed).error();
  if (options.upsert_on) {
    if (auto unique = contacts.CheckUniqueField(*options.upsert_on); !unique) {
      return std::move(unique).error();
    }
  }
  if (options.batch_lines < 1 || options.batch_lines > store::kMaxWriteOps) {
    return Error::Internal("import: batch_lines outside 1..kMaxWriteOps");
  }
  return ContactImport(contacts, std::move(who), std::move(options));
}

void ContactImport::Reject(std::int64_t line, Error error) {
  // A line that cannot be read is rejected at once, one the store refuses when its batch is
  // written: the lines kept are the first max_reported by number, whatever the order.
  ++report_.rejected;
  if (on_reject) on_reject(RejectedLine{line, error});
  auto at = std::upper_bound(report_.rejects.begin(), report_.rejects.end(), line,
                             [](std::int64_t n, const RejectedLine& r) { return n < r.line; });
  if (static_cast<std::size_t>(at - report_.rejects.begin()) >= options_.max_reported) return;
  report_.rejects.insert(at, RejectedLine{line, std::move(error)});
  if (report_.rejects.size() > options_.max_reported) report_.rejects.pop_back();
}

Status ContactImport::Add(std::int64_t line, Result<boost::json::object> fields) {
  if (!fields.ok()) {
    ++report_.lines;
    Reject(line, std::move(fields).error());
    return {};
  }
  BatchOp op;
  op.fields = std::move(fields).value();
  if (options_.upsert_on) {
    const boost::json::value* key = op.fields.if_contains(*options_.upsert_on);
    if (!key || !key->is_string() || key->get_string().empty()) {
      ++report_.lines;
      Reject(line, Error::Validation({{*options_.upsert_on, "required",
                                       "an upsert on " + *options_.upsert_on +
                                           " needs its value on every line"}}));
      return {};
    }
    op.kind = BatchOp::Kind::kUpsert;
    op.id = std::string(key->get_string());
    op.id_property = options_.upsert_on;
  }
  queued_.push_back(std::move(op));
  queued_lines_.push_back(line);
  if (queued_.size() >= options_.batch_lines) return WriteQueued();
  return {};
}

Status ContactImport::Finish() {
  if (!queued_.empty()) {
    if (auto queued = WriteQueued(); !queued) return queued;
  }
  return Settle();
}

Status ContactImport::Stop() {
  queued_.clear();
  queued_lines_.clear();
  return Settle();
}

Status ContactImport::WriteQueued() {
  Batch next;
  next.ops = std::move(queued_);
  next.lines = std::move(queued_lines_);
  queued_.clear();
  queued_lines_.clear();
  // Checked now, while the batch before is being written.
  ContactsService::CheckedBatch checked = contacts_->CheckValid(who_, next.ops);
  // Written only once the batch before has settled: the lines are written in their order.
  if (auto settled = Settle(); !settled) return settled;
  // The whole batch in one transaction, a savepoint for none of its lines: the usual case
  // (every line fine, or some failing their checks, which are left out) at its cheapest.
  auto written = std::make_shared<std::promise<Result<ValidWrite>>>();
  next.written = written->get_future();
  auto write = [contacts = contacts_, who = who_, checked = std::move(checked), written] {
    contacts->WriteValidAsync(
        who, checked, [written](Result<ValidWrite> w) { written->set_value(std::move(w)); });
  };
  if (contacts_->QueuesWrites()) {
    write();  // queued for the writer thread, which answers
  } else {
    // The store's writes hold their caller (PostgreSQL): the write gets a thread of its own,
    // so that the next batch is checked while this one is written (the two took turns before,
    // docs/benchmarks.md). Its allocations (the batch's statements, its results) land in a
    // glibc arena of their own, which keeps what is freed: handed back to the system once the
    // batch is written, or a 10 MB import's RSS doubled (160 MB against 76). Not on SQLite,
    // whose writer thread already is that thread.
    next.writing = std::async(std::launch::async, [write = std::move(write)] {
      write();
      malloc_trim(0);
    });
  }
  in_flight_ = std::move(next);
  return {};
}

Status ContactImport::Settle() {
  if (!in_flight_) return {};
  Batch batch = std::move(*in_flight_);
  in_flight_.reset();
  auto together = batch.written.get();
  if (!together.ok()) return std::move(together).error();
  if (!together->failed) {
    Tally(together->results, batch.lines, 0);
  } else {
    // A line failed its write (a key another contact holds) and nothing was stored: that line
    // is rejected, and the others are written each on its own, a few hundred at a time (each
    // in a savepoint, whose cost grows with its transaction's size).
    const std::size_t failed = *together->failed;
    ++report_.lines;
    Reject(batch.lines[failed], std::move(together->results[failed].view).error());
    std::vector<BatchOp>& ops = batch.ops;
    std::vector<std::int64_t>& lines = batch.lines;
    ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(failed));
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(failed));
    for (std::size_t from = 0; from < ops.size(); from += kLinesEachOnItsOwn) {
      const std::size_t to = std::min(ops.size(), from + kLinesEachOnItsOwn);
      std::vector<BatchOp> part(
          std::make_move_iterator(ops.begin() + static_cast<std::ptrdiff_t>(from)),
          std::make_move_iterator(ops.begin() + static_cast<std::ptrdiff_t>(to)));
      auto each = contacts_->WriteBatch(who_, std::move(part), false, nullptr);
      if (!each.ok()) return std::move(each).error();
      Tally(*each, lines, from);
    }
  }
  if (on_batch) on_batch(report_);
  return {};
}

void ContactImport::Tally(std::vector<BatchResult>& results, const std::vector<std::int64_t>& lines,
                          std::size_t first) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    BatchResult& r = results[i];
    ++report_.lines;
    if (!r.view.ok()) {
      Reject(lines[first + i], std::move(r.view).error());
    } else if (r.created) {
      ++report_.created;
    } else {
      ++report_.updated;
    }
  }
}

}  // namespace contactsd::contacts
