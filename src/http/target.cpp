#include "http/target.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace contactsd::http {

namespace {

boost::system::result<boost::urls::url_view> ParseForm(std::string_view target) {
  if (target.starts_with('/')) return boost::urls::parse_origin_form(target);
  auto url = boost::urls::parse_absolute_uri(target);
  if (!url) return url;
  if (url->scheme_id() != boost::urls::scheme::http &&
      url->scheme_id() != boost::urls::scheme::https) {
    return boost::urls::error::not_a_base;  // any error will do: the caller says "malformed"
  }
  // "http" "://" authority path-abempty (RFC 9110 §4.2.1). Boost.URL 1.81 also takes
  // "http:path" and reads "http://host:80path" as port 80 and the path "path"
  // (boostorg/url#680): a path that does not start with "/" is no path of ours.
  const auto path = url->encoded_path();
  if (!url->has_authority() || !(path.empty() || path.starts_with('/'))) {
    return boost::urls::error::not_a_base;
  }
  return url;
}

}  // namespace

Result<Target> ParseTarget(std::string_view target) {
  Target out;
  if (target == "*") {
    out.asterisk = true;
    return out;
  }
  auto parsed = ParseForm(target);
  if (!parsed) return Error::BadRequest("Malformed request target");
  const boost::urls::url_view& url = *parsed;

  out.path = url.path();
  if (out.path.empty()) out.path.push_back('/');  // "http://host" names the root
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

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

}  // namespace contactsd::http
