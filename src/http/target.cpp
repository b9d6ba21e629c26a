#include "http/target.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace contactsd::http {

Result<Target> ParseTarget(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return Error::BadRequest("Malformed request target");
  const boost::urls::url_view& url = *parsed;

  Target out;
  out.path = url.path();
  const auto segments = url.segments();
  out.segments.reserve(segments.size());
  for (std::string segment : segments) out.segments.push_back(std::move(segment));
  if (!out.segments.empty() && out.segments.back().empty()) out.segments.pop_back();

  // "+" is not a space in this API: an e-mail such as a+b@example.com survives unescaped.
  boost::urls::encoding_opts opts;
  opts.space_as_plus = false;
  for (auto param : url.params(opts)) {
    out.query.emplace_back(std::move(param.key), std::move(param.value));
  }
  return out;
}

}  // namespace contactsd::http
