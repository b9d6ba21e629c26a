// The list endpoint's query string (GET {base}/contacts?...), for every built-in model: the
// input is what follows the "?". The request goes through the router as the transport sends it
// (http::Dispatch: ParseTarget decodes the query, the route's handler reads limit, cursor,
// properties and the model's list filters, and ContactsService::List decodes the cursor and
// turns the filters into the store's query), authenticated with the one key a store that holds
// nothing knows. What must hold: the answer is 200 (a page, JSON) or 400, never another status
// (a 500 is an exception or an internal error on a query string), and the store is never handed
// a query outside its REQUIRES (fuzz::NullStore::ListContacts traps on one). The same query goes
// to the change log's routes: the feed (200 or 400; an asynchronous route, answered at once
// since nothing waits here) and a contact's history (400, or 404 from a store that has none;
// NullStore::ListEvents and ListHistory trap on a query outside their REQUIRES).
#include "fuzz_support.hpp"

#include "http/dispatch.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace contactsd;
  static const std::string authorization = "Bearer " + std::string(fuzz::kApiKey);
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  for (const auto& api : fuzz::BuiltinApis()) {
    const std::string target = api->model.base_path() + "/contacts?" + std::string(query);
    api::Request request;
    request.method = "GET";
    request.headers = {{"host", "fuzz"}, {"authorization", authorization}};
    request.request_id = "fuzz";
    const http::Dispatched answer = http::Dispatch(api->router, request, target);
    const int status = answer.response.status;
    fuzz::Require(status == 200 || status == 400, "a list query answered neither 200 nor 400");
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(answer.response.body, ec);
    fuzz::Require(!ec && body.is_object(), "a list answer is not a JSON object");

    const http::Dispatched feed =
        fuzz::DispatchAsync(api->router, api->model.base_path() + "/events?" + std::string(query));
    fuzz::Require(feed.response.status == 200 || feed.response.status == 400,
                  "a feed query answered neither 200 nor 400");
    const http::Dispatched history = fuzz::DispatchAsync(
        api->router, api->model.base_path() +
                         "/contacts/01a243c5-e88d-767a-b9b8-2e2ea05e422f/history?" +
                         std::string(query));
    fuzz::Require(history.response.status == 404 || history.response.status == 400,
                  "a history query answered neither 404 nor 400");
  }
  return 0;
}
