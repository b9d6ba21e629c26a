#include "contacts/contact_import.hpp"

#include "store/store.hpp"

#include <algorithm>
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

Status ContactImport::Finish() { return queued_.empty() ? Status{} : WriteQueued(); }

Status ContactImport::WriteQueued() {
  std::vector<BatchOp> ops = std::move(queued_);
  std::vector<std::int64_t> lines = std::move(queued_lines_);
  queued_.clear();
  queued_lines_.clear();
  // First the whole batch in one transaction, a savepoint for none of its lines: the usual case
  // (every line fine, or some failing their checks, which are left out) at its cheapest.
  auto together = contacts_->WriteValid(who_, ops);
  if (!together.ok()) return std::move(together).error();
  if (!together->failed) {
    Tally(together->results, lines, 0);
  } else {
    // A line failed its write (a key another contact holds) and nothing was stored: that line
    // is rejected, and the others are written each on its own, a few hundred at a time (each
    // in a savepoint, whose cost grows with its transaction's size).
    const std::size_t failed = *together->failed;
    ++report_.lines;
    Reject(lines[failed], std::move(together->results[failed].view).error());
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
